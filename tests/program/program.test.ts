/**
 * The Pulumi program under mocks, for two made-up clubs: every resource, its names, its
 * permissions and its wiring, as `pulumi up` would declare them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type AwsNameKind, awsNameProblem } from "../../config/aws-name-rules";
import { pulumiAutoName, stackAwsNames } from "../../config/names";
import { registrationsAccess } from "../../config/registrations-table";
import { settingParameterNames } from "../../config/settings";
import { functionDeclarations, functions, scheduledFunctionDeclarations } from "../../handlers/functions";
import { routeRevision } from "../../infra/route-revision";
import { testCredentials } from "../../testkit/fixtures";
import { configCommandsIn, stackConfigAfter } from "../../testkit/pulumi-config-set";
import { readmeSection } from "../../testkit/readme";
import {
  type ProgramResult,
  resourceNamed,
  resourcesOfType,
  runProgram,
  type StackConfigInput,
  stackFileConfig,
} from "../../testkit/run-program";

const secrets = { twilioAccountSid: testCredentials.accountSid, twilioAuthToken: testCredentials.authToken };

interface ClubCase {
  input: StackConfigInput;
  slug: string;
  throttle: { rateLimit: number; burstLimit: number };
  dailyQuota: number;
  routeThrottles: { webhook: [number, number]; status: [number, number]; board: [number, number]; payment: [number, number] };
  reservedConcurrency: { trigger?: number; webhook?: number };
  expectedSettings: Record<string, string>;
  givenApiKey?: string;
  givenExportApiKey?: string;
}

const clubs: ClubCase[] = [
  {
    input: stackFileConfig("dev", secrets),
    slug: "urmston",
    throttle: { rateLimit: 25, burstLimit: 50 },
    dailyQuota: 1000,
    routeThrottles: { webhook: [10, 20], status: [50, 100], board: [10, 40], payment: [5, 20] },
    reservedConcurrency: {},
    expectedSettings: {
      "whatsapp-number": "+14155238886",
      "template-sid": "HXbd20683c439d5894ded688d2a667a02c",
      "club-name": "Urmston Town",
      "assistant-name": "Omega",
      season: "2025-26",
      "membership-fee": "40",
      "subscription-fee": "26",
      "allow-fee-overrides": "false",
      "code-of-conduct-url": "https://www.urmstontownjfc.example/code-of-conduct",
      "privacy-notice-url": "https://www.urmstontownjfc.example/privacy",
      "payment-url": "https://pay.urmstontownjfc.example/join",
      "retention-years": "1",
      "closed-retention-days": "30",
      "optional-steps": "medical,emergency_contact,photo_consent",
      "reminder-template-sid": "HX3c1e5a7f9b2d4c6e8a0b1c2d3e4f5a6b",
      "reminder-after-days": "3",
      "reminder-max": "2",
      "verify-service-sid": "VA0123456789abcdef0123456789abcdef",
      "board-secretaries": '[{"name":"Sam Secretary","tel":"+447700900050"}]',
      // No payment provider: parents are sent payment-url, and nothing reads these.
      "payment-provider": "none",
      "payments-environment": "none",
      "subscription-months": "0",
      "payment-template-sid": "none",
    },
  },
  {
    input: {
      stack: "prod",
      values: {
        "aws:region": "eu-west-2",
        club: {
          name: "Sale United",
          slug: "sale-united",
          assistantName: "Sunny",
          codeOfConductUrl: "https://www.saleunited.example/code-of-conduct",
          privacyNoticeUrl: "https://www.saleunited.example/privacy",
        },
        twilio: {
          whatsappNumber: "+44 7700 900555",
          templateSid: "HX0123456789abcdef0123456789abcdef",
          verifyServiceSid: "VAfedcba9876543210fedcba9876543210",
          paymentTemplateSid: "HX0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        },
        payments: { provider: "gocardless", environment: "live", subscriptionMonths: 9 },
        // As `pulumi config set --path` stores a number: an integer, given its + back.
        board: { secretaries: [{ name: "Pat Secretary", tel: 447700900051 }] },
        registration: {
          season: "2026-27",
          membershipFee: 35,
          subscriptionFee: "£22.50",
          paymentUrl: "https://pay.saleunited.example/join",
          retentionYears: 2,
          closedRetentionDays: 14,
          allowFeeOverrides: true,
        },
        conversation: { medical: true, emergencyContact: false, photoConsent: "false" },
        api: {
          rateLimit: 10,
          burstLimit: 20,
          dailyQuota: 3000,
          webhookRateLimit: 4,
          webhookBurstLimit: 8,
          statusBurstLimit: 60,
          boardRateLimit: 5,
          paymentsRateLimit: 2,
        },
        reminders: { afterDays: 4, max: 1 },
        concurrency: { trigger: 30, webhook: 5 },
        ops: { alertEmail: "volunteer@saleunited.example", invitesRefusedThreshold: 10, api5xxRatePercent: 2 },
      },
      secrets: {
        ...secrets,
        apiKey: "fake-sale-united-api-key-xxxxxxxxxxxx",
        exportApiKey: "fake-sale-united-export-key-xxxxxxxxxx",
        gocardlessAccessToken: "live_fake-sale-united-gocardless-token",
        gocardlessWebhookSecret: "fake-sale-united-gocardless-webhook-secret",
      },
    },
    slug: "sale-united",
    throttle: { rateLimit: 10, burstLimit: 20 },
    dailyQuota: 3000,
    routeThrottles: { webhook: [4, 8], status: [50, 60], board: [5, 40], payment: [2, 20] },
    reservedConcurrency: { trigger: 30, webhook: 5 },
    givenApiKey: "fake-sale-united-api-key-xxxxxxxxxxxx",
    givenExportApiKey: "fake-sale-united-export-key-xxxxxxxxxx",
    expectedSettings: {
      "whatsapp-number": "+447700900555",
      "template-sid": "HX0123456789abcdef0123456789abcdef",
      "club-name": "Sale United",
      "assistant-name": "Sunny",
      season: "2026-27",
      "membership-fee": "35",
      "subscription-fee": "22.50",
      "allow-fee-overrides": "true",
      "code-of-conduct-url": "https://www.saleunited.example/code-of-conduct",
      "privacy-notice-url": "https://www.saleunited.example/privacy",
      "payment-url": "https://pay.saleunited.example/join",
      "retention-years": "2",
      "closed-retention-days": "14",
      "optional-steps": "medical",
      // No reminder template: Parameter Store refuses an empty value, and the function sends none.
      "reminder-template-sid": "none",
      "reminder-after-days": "4",
      "reminder-max": "1",
      "verify-service-sid": "VAfedcba9876543210fedcba9876543210",
      "board-secretaries": '[{"name":"Pat Secretary","tel":"+447700900051"}]',
      "payment-provider": "gocardless",
      "payments-environment": "live",
      "subscription-months": "9",
      "payment-template-sid": "HX0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    },
  },
];

type Statement = { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[] };
const statementsOf = (policy: unknown): Statement[] => (JSON.parse(policy as string) as { Statement: Statement[] }).Statement;
const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

describe.each(clubs)("the program for $input.values.club.name ($input.stack)", (club) => {
  const prefix = `signon-${club.slug}-${club.input.stack}`;
  const path = `/signon/${club.slug}/${club.input.stack}`;
  let result: ProgramResult;

  beforeAll(async () => {
    const run = await runProgram(club.input);
    if (!run.ok) throw new Error(`program failed: ${run.stderr}`);
    result = run.result;
  });

  it("declares every resource of the stack once", () => {
    const paying = club.input.values.payments !== undefined;
    const count = (type: string) => resourcesOfType(result, type).length;
    expect({
      restApi: count("aws:apigateway/restApi:RestApi"),
      resources: count("aws:apigateway/resource:Resource"),
      methods: count("aws:apigateway/method:Method"),
      integrations: count("aws:apigateway/integration:Integration"),
      deployments: count("aws:apigateway/deployment:Deployment"),
      stages: count("aws:apigateway/stage:Stage"),
      apiKeys: count("aws:apigateway/apiKey:ApiKey"),
      usagePlans: count("aws:apigateway/usagePlan:UsagePlan"),
      usagePlanKeys: count("aws:apigateway/usagePlanKey:UsagePlanKey"),
      methodSettings: count("aws:apigateway/methodSettings:MethodSettings"),
      permissions: count("aws:lambda/permission:Permission"),
      functions: count("aws:lambda/function:Function"),
      roles: count("aws:iam/role:Role"),
      rolePolicies: count("aws:iam/rolePolicy:RolePolicy"),
      logGroups: count("aws:cloudwatch/logGroup:LogGroup"),
      parameters: count("aws:ssm/parameter:Parameter"),
      secrets: count("aws:secretsmanager/secret:Secret"),
      secretVersions: count("aws:secretsmanager/secretVersion:SecretVersion"),
      managedPolicyAttachments: count("aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
      eventRules: count("aws:cloudwatch/eventRule:EventRule"),
      eventTargets: count("aws:cloudwatch/eventTarget:EventTarget"),
      queues: count("aws:sqs/queue:Queue"),
      queuePolicies: count("aws:sqs/queuePolicy:QueuePolicy"),
      topics: count("aws:sns/topic:Topic"),
      subscriptions: count("aws:sns/topicSubscription:TopicSubscription"),
      alarms: count("aws:cloudwatch/metricAlarm:MetricAlarm"),
      dashboards: count("aws:cloudwatch/dashboard:Dashboard"),
    }).toEqual({
      restApi: 1,
      // The board's two: /board and /board/{proxy+}; the payment function's two and their parent, /payments;
      // the status function's /twilio/alerts and its parent, /twilio.
      resources: 12,
      methods: 10,
      integrations: 10,
      deployments: 1,
      stages: 1,
      apiKeys: 2,
      usagePlans: 1,
      usagePlanKeys: 2,
      methodSettings: 7,
      permissions: 11,
      functions: 7,
      roles: 7,
      rolePolicies: 7,
      logGroups: 7,
      parameters: 27,
      // The Twilio credentials, the key the export seals its cursors with, and GoCardless's in a stack taking payments.
      secrets: paying ? 3 : 2,
      secretVersions: paying ? 3 : 2,
      managedPolicyAttachments: 0,
      eventRules: 1,
      eventTargets: 1,
      // The reminders' dead-letter queue; the alert topic and its email.
      queues: 1,
      queuePolicies: 1,
      topics: 1,
      subscriptions: 1,
      // The API's 5XX; 3 for each of 7 functions; 2 for each of 4 tables; the dead-letter queue; 3 business alarms.
      alarms: 1 + 21 + 8 + 1 + 3,
      dashboards: 1,
    });
  });

  it("names every resource, parameter and secret after the club's slug and the stack", () => {
    for (const resource of result.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("random:"))) {
      expect(resource.name.startsWith(prefix), resource.name).toBe(true);
    }
    for (const parameter of resourcesOfType(result, "aws:ssm/parameter:Parameter")) {
      expect(parameter.inputs.name).toMatch(new RegExp(`^${path}/[a-z-]+$`));
    }
    expect(
      resourcesOfType(result, "aws:lambda/function:Function")
        .map((f) => f.inputs.name)
        .sort(),
    ).toEqual([
      `${prefix}-board`,
      `${prefix}-export`,
      `${prefix}-payment`,
      `${prefix}-remind`,
      `${prefix}-status`,
      `${prefix}-trigger`,
      `${prefix}-webhook`,
    ]);
  });

  it("routes POST /trigger behind the API key and POST /webhook without one", () => {
    const trigger = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-trigger`);
    const webhook = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-webhook`);
    expect(trigger.inputs).toMatchObject({ httpMethod: "POST", apiKeyRequired: true });
    expect(webhook.inputs).toMatchObject({ httpMethod: "POST", apiKeyRequired: false });
    expect(resourceNamed(result, "aws:apigateway/resource:Resource", `${prefix}-api-trigger`).inputs.pathPart).toBe("trigger");
    expect(resourceNamed(result, "aws:apigateway/resource:Resource", `${prefix}-api-webhook`).inputs.pathPart).toBe("webhook");
    expect(resourcesOfType(result, "aws:apigateway/restApi:RestApi")[0].inputs.apiKeySource).toBe("HEADER");
    for (const route of ["trigger", "webhook"]) {
      const integration = resourceNamed(result, "aws:apigateway/integration:Integration", `${prefix}-api-${route}`);
      expect(integration.inputs).toMatchObject({ type: "AWS_PROXY", integrationHttpMethod: "POST" });
      expect(integration.inputs.uri).toContain(`function:${prefix}-${route}/invocations`);
      const permission = resourceNamed(result, "aws:lambda/permission:Permission", `${prefix}-api-${route}`);
      expect(permission.inputs).toMatchObject({ principal: "apigateway.amazonaws.com", function: `${prefix}-${route}` });
      expect(permission.inputs.sourceArn).toMatch(new RegExp(`/\\*/POST/${route}$`));
    }
  });

  it("throttles the key and caps its requests a day with the usage plan from config, bound to the stage", () => {
    const plan = resourcesOfType(result, "aws:apigateway/usagePlan:UsagePlan")[0];
    expect(plan.inputs.throttleSettings).toEqual(club.throttle);
    expect(plan.inputs.quotaSettings).toEqual({ limit: club.dailyQuota, period: "DAY" });
    expect(plan.inputs.apiStages).toEqual([{ apiId: `${prefix}-api-id`, stage: "v1" }]);
    const planKey = resourcesOfType(result, "aws:apigateway/usagePlanKey:UsagePlanKey")[0];
    expect(planKey.inputs).toMatchObject({ keyType: "API_KEY", keyId: `${prefix}-api-id`, usagePlanId: `${prefix}-api-id` });
  });

  it("throttles the routes without a key (POST /webhook, POST /status) on the stage, from config", () => {
    for (const route of ["webhook", "status"] as const) {
      const [rate, burst] = club.routeThrottles[route];
      expect(resourceNamed(result, "aws:apigateway/methodSettings:MethodSettings", `${prefix}-api-${route}-throttle`).inputs).toEqual({
        restApi: `${prefix}-api-id`,
        stageName: "v1",
        methodPath: `${route}/POST`,
        settings: { throttlingRateLimit: rate, throttlingBurstLimit: burst },
      });
    }
    // The board's page and its {proxy+} (API and assets), each method of it.
    const [rate, burst] = club.routeThrottles.board;
    for (const [logicalName, methodPath] of [
      [`${prefix}-api-board-throttle`, "board/GET"],
      [`${prefix}-api-board-proxy-throttle`, "board/{proxy+}/*"],
    ]) {
      expect(resourceNamed(result, "aws:apigateway/methodSettings:MethodSettings", logicalName).inputs).toMatchObject({
        methodPath,
        settings: { throttlingRateLimit: rate, throttlingBurstLimit: burst },
      });
    }
  });

  it("routes GET /board and ANY /board/{proxy+} without a key to the board function, which alone may touch the board's table", () => {
    const page = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-board`);
    const proxy = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-board-proxy`);
    expect(page.inputs).toMatchObject({ httpMethod: "GET", apiKeyRequired: false });
    expect(proxy.inputs).toMatchObject({ httpMethod: "ANY", apiKeyRequired: false, resourceId: `${prefix}-api-board-proxy-id` });
    expect(resourceNamed(result, "aws:apigateway/resource:Resource", `${prefix}-api-board-proxy`).inputs).toMatchObject({
      pathPart: "{proxy+}",
      parentId: `${prefix}-api-board-id`,
    });
    const permission = resourceNamed(result, "aws:lambda/permission:Permission", `${prefix}-api-board-proxy`);
    expect(String(permission.inputs.sourceArn).endsWith("/*/*/board/*")).toBe(true);
    const region = club.input.values["aws:region"];
    const tableArn = `arn:aws:dynamodb:${region}:123456789012:table/${prefix}-board`;
    const table = resourceNamed(result, "aws:dynamodb/table:Table", `${prefix}-board`);
    expect(table.inputs).toMatchObject({
      name: `${prefix}-board`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      ttl: { attributeName: "expires_at", enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
    });
    for (const fn of resourcesOfType(result, "aws:iam/rolePolicy:RolePolicy")) {
      const onBoard = statementsOf(fn.inputs.policy).filter((statement) => asList(statement.Resource).includes(tableArn));
      expect(onBoard).toEqual(
        fn.name === `${prefix}-board-policy`
          ? [
              {
                Sid: "BoardRecords",
                Effect: "Allow",
                Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
                Resource: tableArn,
              },
            ]
          : [],
      );
    }
    expect(result.outputs.boardUrl.value).toMatch(/\/v1\/board$/);
  });

  it("uses the configured API keys, or generates them, both in the usage plan, and exports them only as secrets", () => {
    const generated = resourcesOfType(result, "random:index/randomPassword:RandomPassword");
    expect(generated).toHaveLength((club.givenApiKey ? 0 : 1) + (club.givenExportApiKey ? 0 : 1));
    for (const password of generated) expect(password.inputs).toMatchObject({ length: 40, special: false });
    const keys = [
      { logicalName: `${prefix}-api`, given: club.givenApiKey, output: "apiKey" },
      { logicalName: `${prefix}-api-export`, given: club.givenExportApiKey, output: "exportApiKey" },
    ];
    for (const { logicalName, given, output } of keys) {
      const key = resourceNamed(result, "aws:apigateway/apiKey:ApiKey", logicalName);
      expect(key.inputs.value).toBe(given ?? "fake-generated-api-key-xxxxxxxxxxxxxxxxx");
      expect(result.outputs[output]).toEqual({ value: key.inputs.value, secret: true });
      const planKey = resourceNamed(result, "aws:apigateway/usagePlanKey:UsagePlanKey", logicalName);
      expect(planKey.inputs).toMatchObject({ keyType: "API_KEY", keyId: `${logicalName}-id`, usagePlanId: `${prefix}-api-id` });
    }
  });

  it("routes GET /registrations and DELETE /registrations/{id} to the export function, behind a key, its policy Query on the two indexes and Get, Query, Put, Delete in parents' partitions and tombstones, no Scan", () => {
    const list = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-export`);
    const erase = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-export-erase`);
    expect(list.inputs).toMatchObject({ httpMethod: "GET", apiKeyRequired: true, resourceId: `${prefix}-api-export-id` });
    expect(erase.inputs).toMatchObject({ httpMethod: "DELETE", apiKeyRequired: true, resourceId: `${prefix}-api-export-erase-id` });
    expect(resourceNamed(result, "aws:apigateway/resource:Resource", `${prefix}-api-export`).inputs.pathPart).toBe("registrations");
    expect(resourceNamed(result, "aws:apigateway/resource:Resource", `${prefix}-api-export-erase`).inputs).toMatchObject({
      pathPart: "{id}",
      parentId: `${prefix}-api-export-id`,
    });
    for (const [logicalName, arnTail] of [
      [`${prefix}-api-export`, "/*/GET/registrations"],
      [`${prefix}-api-export-erase`, "/*/DELETE/registrations/*"],
    ]) {
      const permission = resourceNamed(result, "aws:lambda/permission:Permission", logicalName);
      expect(permission.inputs).toMatchObject({ principal: "apigateway.amazonaws.com", function: `${prefix}-export` });
      expect(String(permission.inputs.sourceArn).endsWith(arnTail)).toBe(true);
    }
    const tableArn = `arn:aws:dynamodb:${club.input.values["aws:region"]}:123456789012:table/${prefix}-registrations`;
    const bySid = Object.fromEntries(
      statementsOf(resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-export-policy`).inputs.policy).map((s) => [s.Sid, s]),
    );
    expect(bySid.OwnRegistrationRecords).toEqual({
      Sid: "OwnRegistrationRecords",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      Resource: tableArn,
      // A parent's partition and a tombstone; the index Queries cannot carry a useful condition.
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["parent#*", "erased#*"] } },
    });
    expect(bySid.QueryRegistrationIndexes).toEqual({
      Sid: "QueryRegistrationIndexes",
      Effect: "Allow",
      Action: "dynamodb:Query",
      Resource: [`${tableArn}/index/by-season`, `${tableArn}/index/by-registration-id`],
    });
    expect(result.outputs.registrationsUrl.value).toMatch(/\/v1\/registrations$/);
  });

  it("routes POST /status without a key to the status function, whose policy may Query and Put the parent's partition only, no Scan", () => {
    const method = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-status`);
    expect(method.inputs).toMatchObject({ httpMethod: "POST", apiKeyRequired: false });
    expect(resourceNamed(result, "aws:apigateway/resource:Resource", `${prefix}-api-status`).inputs.pathPart).toBe("status");
    const permission = resourceNamed(result, "aws:lambda/permission:Permission", `${prefix}-api-status`);
    expect(permission.inputs).toMatchObject({ principal: "apigateway.amazonaws.com", function: `${prefix}-status` });
    expect(permission.inputs.sourceArn).toMatch(/\/\*\/POST\/status$/);
    const tableArn = `arn:aws:dynamodb:${club.input.values["aws:region"]}:123456789012:table/${prefix}-registrations`;
    const statements = statementsOf(resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-status-policy`).inputs.policy);
    const onRegistrations = statements.filter((statement) => asList(statement.Resource).some((arn) => arn.startsWith(tableArn)));
    expect(onRegistrations).toEqual([
      {
        Sid: "OwnRegistrationRecords",
        Effect: "Allow",
        Action: ["dynamodb:Query", "dynamodb:PutItem"],
        Resource: tableArn,
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["parent#*"] } },
      },
    ]);
  });

  it("routes POST /payments/gocardless and GET /payments/thanks under /payments without a key to the payment function, throttled on the stage", () => {
    const parent = resourceNamed(result, "aws:apigateway/resource:Resource", `${prefix}-api-path-payments`);
    expect(parent.inputs.pathPart).toBe("payments");
    const [rate, burst] = club.routeThrottles.payment;
    for (const [logicalName, method, path] of [
      [`${prefix}-api-payment`, "POST", "payments/gocardless"],
      [`${prefix}-api-payment-thanks`, "GET", "payments/thanks"],
    ] as const) {
      expect(resourceNamed(result, "aws:apigateway/resource:Resource", logicalName).inputs).toMatchObject({
        pathPart: path.split("/")[1],
        parentId: `${prefix}-api-path-payments-id`,
      });
      expect(resourceNamed(result, "aws:apigateway/method:Method", logicalName).inputs).toMatchObject({
        httpMethod: method,
        apiKeyRequired: false,
      });
      const permission = resourceNamed(result, "aws:lambda/permission:Permission", logicalName);
      expect(permission.inputs).toMatchObject({ principal: "apigateway.amazonaws.com", function: `${prefix}-payment` });
      expect(permission.inputs.sourceArn).toMatch(new RegExp(`/\\*/${method}/${path}$`));
      expect(resourceNamed(result, "aws:apigateway/methodSettings:MethodSettings", `${logicalName}-throttle`).inputs).toEqual({
        restApi: `${prefix}-api-id`,
        stageName: "v1",
        methodPath: `${path}/${method}`,
        settings: { throttlingRateLimit: rate, throttlingBurstLimit: burst },
      });
    }
    // Within GoCardless's 10 s.
    expect(resourceNamed(result, "aws:lambda/function:Function", `${prefix}-payment`).inputs.timeout).toBeLessThan(10);
  });

  it("gives the payment function's role exactly what its code uses, GoCardless's secret only in a stack taking payments", () => {
    const paying = club.input.values.payments !== undefined;
    const region = club.input.values["aws:region"];
    const ssm = (name: string) => `arn:aws:ssm:${region}:123456789012:parameter${name}`;
    const tableArn = `arn:aws:dynamodb:${region}:123456789012:table/${prefix}-registrations`;
    const policy = resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-payment-policy`);
    expect(policy.inputs.role).toBe(`${prefix}-payment-role-id`);
    expect(statementsOf(policy.inputs.policy)).toEqual([
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:${region}:123456789012:log-group:/aws/lambda/${prefix}-payment:*`,
      },
      {
        Sid: "ReadOwnSettings",
        Effect: "Allow",
        Action: ["ssm:GetParameters", "ssm:GetParameter"],
        Resource: [
          ...["payment-provider", "payments-environment", "subscription-months", "club-name", "whatsapp-number"].map((name) =>
            ssm(`${path}/${name}`),
          ),
          ssm(`/aws/reference/secretsmanager/${prefix}-twilio-0a1b2c3`),
          ...(paying ? [ssm(`/aws/reference/secretsmanager/${prefix}-payments-0a1b2c3`)] : []),
        ],
      },
      {
        Sid: "ReadTwilioSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: `arn:aws:secretsmanager:${region}:123456789012:secret:${prefix}-twilio-0a1b2c3-AbCdEf`,
      },
      ...(paying
        ? [
            {
              Sid: "ReadPaymentSecret",
              Effect: "Allow",
              Action: "secretsmanager:GetSecretValue",
              Resource: `arn:aws:secretsmanager:${region}:123456789012:secret:${prefix}-payments-0a1b2c3-AbCdEf`,
            },
          ]
        : []),
      {
        Sid: "OwnRegistrationRecords",
        Effect: "Allow",
        Action: ["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"].map((action) => `dynamodb:${action}`),
        Resource: tableArn,
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["parent#*", "payment-ref#*"] } },
      },
      { Sid: "QueryRegistrationIndexes", Effect: "Allow", Action: "dynamodb:Query", Resource: [`${tableArn}/index/by-registration-id`] },
    ]);
    // No other role reads GoCardless's secret unless its declaration says its code uses it.
    for (const declaration of [...functionDeclarations, ...scheduledFunctionDeclarations]) {
      const statements = statementsOf(
        resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-${declaration.name}-policy`).inputs.policy,
      );
      expect(
        statements.some((statement) => statement.Sid === "ReadPaymentSecret"),
        declaration.name,
      ).toBe(paying && declaration.usesPaymentSecret === true);
    }
  });

  it("exports the payments webhook's URL and what to do with it only in a stack taking payments", () => {
    const base = `https://${prefix}-api-id.execute-api.${club.input.values["aws:region"]}.amazonaws.com/v1`;
    if (club.input.values.payments === undefined) {
      expect(result.outputs.paymentsWebhookUrl).toBeUndefined();
      expect(result.outputs.paymentsWebhookInstruction).toBeUndefined();
      return;
    }
    expect(result.outputs.paymentsWebhookUrl).toEqual({ value: `${base}/payments/gocardless`, secret: false });
    expect(result.outputs.paymentsWebhookInstruction).toEqual({
      value: `In GoCardless's dashboard (Developers → Create → Webhook endpoint), register ${base}/payments/gocardless with the secret in signon:gocardlessWebhookSecret.`,
      secret: false,
    });
  });

  it("exports the API, trigger and webhook URLs, stage path included", () => {
    const base = `https://${prefix}-api-id.execute-api.${club.input.values["aws:region"]}.amazonaws.com/v1`;
    expect(result.outputs.apiUrl).toEqual({ value: base, secret: false });
    expect(result.outputs.triggerUrl).toEqual({ value: `${base}/trigger`, secret: false });
    expect(result.outputs.webhookUrl).toEqual({ value: `${base}/webhook`, secret: false });
  });

  it("writes the settings the handlers read to SSM, the webhook URL included", () => {
    const values = Object.fromEntries(
      resourcesOfType(result, "aws:ssm/parameter:Parameter").map((p) => [String(p.inputs.name).slice(path.length + 1), p.inputs.value]),
    );
    expect(values).toEqual({
      ...club.expectedSettings,
      "webhook-url": result.outputs.webhookUrl.value,
      // Where every message sent asks Twilio to post its delivery statuses.
      "status-callback-url": `${result.outputs.apiUrl.value}/status`,
      // The export key's id, which the export's handler checks each request's key against.
      "export-api-key-id": `${prefix}-api-export-id`,
      // Where GoCardless's page sends a parent back (the payments function's thank-you page).
      "payment-return-url": `${result.outputs.apiUrl.value}/payments/thanks`,
    });
    for (const parameter of resourcesOfType(result, "aws:ssm/parameter:Parameter")) expect(parameter.inputs.type).toBe("String");
  });

  it("keeps the Twilio credentials in Secrets Manager and nowhere else", () => {
    const version = resourceNamed(result, "aws:secretsmanager/secretVersion:SecretVersion", `${prefix}-twilio`);
    expect(JSON.parse(version.inputs.secretString as string)).toEqual(testCredentials);
    expect(version.secretInputs).toContain("secretString");
    const secret = resourceNamed(result, "aws:secretsmanager/secret:Secret", `${prefix}-twilio`);
    const elsewhere = JSON.stringify({
      resources: result.resources.filter((r) => r !== version),
      outputs: Object.values(result.outputs).filter((o) => !o.secret),
    });
    expect(elsewhere).not.toContain(testCredentials.authToken);
    expect(elsewhere).not.toContain(testCredentials.accountSid);
    for (const fn of resourcesOfType(result, "aws:lambda/function:Function")) {
      expect((fn.inputs.environment as { variables: Record<string, string> }).variables).toEqual({
        SIGNON_PARAMETER_PATH: path,
        // The business metrics' Club and Stage dimensions.
        SIGNON_CLUB: club.slug,
        SIGNON_STAGE: club.input.stack,
        // The export never calls Twilio, so it is not told where the credentials are; it alone seals cursors.
        ...(fn.name === `${prefix}-export`
          ? { SIGNON_CURSOR_KEY_SECRET_NAME: `${prefix}-cursor-key-0a1b2c3` }
          : { SIGNON_TWILIO_SECRET_NAME: secret.inputs.name ?? `${prefix}-twilio-0a1b2c3` }),
        // The webhook's alone: no other function keeps idempotency records.
        ...(fn.name === `${prefix}-webhook` ? { SIGNON_IDEMPOTENCY_TABLE: `${prefix}-idempotency` } : {}),
        SIGNON_REGISTRATIONS_TABLE: `${prefix}-registrations`,
        // Those that erase: the export (the club), the webhook (DELETE MY DATA), remind (closed registrations reduced).
        ...([`${prefix}-trigger`, `${prefix}-status`, `${prefix}-payment`].includes(fn.name)
          ? {}
          : { SIGNON_ERASURE_LOG_TABLE: `${prefix}-erasures` }),
        // The board's alone: its sessions, people and audit log.
        ...(fn.name === `${prefix}-board` ? { SIGNON_BOARD_TABLE: `${prefix}-board` } : {}),
        // Those that call the payment provider or check its signature, in a stack taking payments.
        ...([`${prefix}-webhook`, `${prefix}-remind`, `${prefix}-payment`].includes(fn.name) && club.input.values.payments !== undefined
          ? { SIGNON_PAYMENT_SECRET_NAME: `${prefix}-payments-0a1b2c3` }
          : {}),
      });
    }
  });

  it("draws the export's cursor key per stack, 32 random bytes, and keeps it in a secret of its own and nowhere else", () => {
    const bytes = resourceNamed(result, "random:index/randomBytes:RandomBytes", `${prefix}-cursor-key`);
    expect(bytes.inputs).toEqual({ length: 32 });
    const version = resourceNamed(result, "aws:secretsmanager/secretVersion:SecretVersion", `${prefix}-cursor-key`);
    const key = Buffer.alloc(32, 7).toString("base64");
    expect(version.inputs).toEqual({ secretId: `${prefix}-cursor-key-id`, secretString: key });
    expect(version.secretInputs).toContain("secretString");
    const elsewhere = JSON.stringify({
      resources: result.resources.filter((r) => r !== version && r !== bytes),
      outputs: Object.values(result.outputs),
    });
    expect(elsewhere).not.toContain(key);
  });

  it("runs each handler on nodejs22.x with a role of its own", () => {
    for (const route of ["trigger", "webhook"]) {
      const fn = resourceNamed(result, "aws:lambda/function:Function", `${prefix}-${route}`);
      expect(fn.inputs).toMatchObject({
        runtime: "nodejs22.x",
        handler: "__index.handler",
        architectures: ["arm64"],
        timeout: route === "trigger" ? 20 : 10,
      });
      expect(fn.inputs.role).toBe(`arn:aws:iam:${club.input.values["aws:region"]}:123456789012:${prefix}-${route}-role-0a1b2c3`);
      const role = resourceNamed(result, "aws:iam/role:Role", `${prefix}-${route}-role`);
      expect(role.inputs.managedPolicyArns ?? []).toEqual([]);
      expect(JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0].Principal).toEqual({ Service: "lambda.amazonaws.com" });
      const logGroup = resourceNamed(result, "aws:cloudwatch/logGroup:LogGroup", `${prefix}-${route}`);
      expect(logGroup.inputs).toMatchObject({ name: `/aws/lambda/${prefix}-${route}`, retentionInDays: 30 });
    }
  });

  it("reserves each function's concurrency from config, or none", () => {
    for (const route of ["trigger", "webhook"] as const) {
      const fn = resourceNamed(result, "aws:lambda/function:Function", `${prefix}-${route}`);
      expect(fn.inputs.reservedConcurrentExecutions).toBe(club.reservedConcurrency[route]);
    }
  });

  it("keeps idempotency records in one on-demand table whose records expire by TTL", () => {
    const table = resourceNamed(result, "aws:dynamodb/table:Table", `${prefix}-idempotency`);
    // Registrations, idempotency records, the erasure log and the board's.
    expect(resourcesOfType(result, "aws:dynamodb/table:Table")).toHaveLength(4);
    expect(table.inputs).toMatchObject({
      name: `${prefix}-idempotency`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "id",
      attributes: [{ name: "id", type: "S" }],
      ttl: { attributeName: "expiration", enabled: true },
    });
  });

  it("keeps the erasure log in a table of its own (ids, dates and why), recoverable, protected from deletion, expiring by TTL; the roles that erase may only add to it", () => {
    const table = resourceNamed(result, "aws:dynamodb/table:Table", `${prefix}-erasures`);
    expect(table.inputs).toMatchObject({
      name: `${prefix}-erasures`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "registration_id",
      attributes: [{ name: "registration_id", type: "S" }],
      ttl: { attributeName: "retain_until", enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
    });
    const logArn = `arn:aws:dynamodb:${club.input.values["aws:region"]}:123456789012:table/${prefix}-erasures`;
    for (const name of Object.keys(functions)) {
      const statements = statementsOf(resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-${name}-policy`).inputs.policy);
      const onLog = statements.filter((statement) => asList(statement.Resource).some((arn) => arn.startsWith(logArn)));
      expect(onLog, name).toEqual(
        ["export", "webhook", "remind", "board"].includes(name)
          ? [{ Sid: "AddErasureLogEntries", Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: logArn }]
          : [],
      );
    }
    expect(result.outputs.erasureLogTable.value).toBe(`${prefix}-erasures`);
  });

  it("keeps registrations in an on-demand table with its keys and indexes, encrypted, recoverable, protected from deletion, expiring at each record's retention date", () => {
    const table = resourceNamed(result, "aws:dynamodb/table:Table", `${prefix}-registrations`);
    expect(table.inputs).toMatchObject({
      name: `${prefix}-registrations`,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      ttl: { attributeName: "retain_until", enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
    });
    expect(table.inputs.globalSecondaryIndexes).toEqual([
      { name: "by-registration-id", hashKey: "registration_id", projectionType: "KEYS_ONLY" },
      { name: "by-season", hashKey: "season", rangeKey: "season_order", projectionType: "ALL" },
    ]);
  });

  it("lets each function do to the registrations only what its code calls, within its leading keys", () => {
    const tableArn = `arn:aws:dynamodb:${club.input.values["aws:region"]}:123456789012:table/${prefix}-registrations`;
    // What each role's code calls (aws/registration-store.ts): a transaction's parts count as their own actions.
    const uses = {
      trigger: { actions: ["GetItem", "PutItem", "DeleteItem", "ConditionCheckItem"], leadingKeys: ["parent#*", "idempotency-key#*"] },
      webhook: { actions: ["Query", "PutItem", "DeleteItem"], leadingKeys: ["parent#*", "erased#*", "payment-ref#*"] },
      export: { actions: ["GetItem", "Query", "PutItem", "DeleteItem"], leadingKeys: ["parent#*", "erased#*"] },
      status: { actions: ["Query", "PutItem"], leadingKeys: ["parent#*"] },
      remind: { actions: ["Query", "PutItem", "DeleteItem", "ConditionCheckItem"], leadingKeys: ["parent#*", "erased#*", "payment-ref#*"] },
      // aws/payment-store.ts: a reference by key, the parent's partition, one transaction (Update, Puts, Deletes, a ConditionCheck).
      payment: {
        actions: ["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"],
        leadingKeys: ["parent#*", "payment-ref#*"],
      },
    };
    for (const [name, { actions, leadingKeys }] of Object.entries(uses)) {
      const own = statementsOf(resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-${name}-policy`).inputs.policy).find(
        (statement) => statement.Sid === "OwnRegistrationRecords",
      );
      expect(own).toEqual({
        Sid: "OwnRegistrationRecords",
        Effect: "Allow",
        Action: actions.map((action) => `dynamodb:${action}`),
        Resource: tableArn,
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": leadingKeys } },
      });
    }
  });

  it("lets each function do to the registrations only what its declaration says, with no Scan anywhere", () => {
    const tableArn = `arn:aws:dynamodb:${club.input.values["aws:region"]}:123456789012:table/${prefix}-registrations`;
    for (const declaration of [...functionDeclarations, ...scheduledFunctionDeclarations]) {
      const statements = statementsOf(
        resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-${declaration.name}-policy`).inputs.policy,
      );
      const fn = resourceNamed(result, "aws:lambda/function:Function", `${prefix}-${declaration.name}`);
      const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
      const onRegistrations = statements.filter((statement) => asList(statement.Resource).some((arn) => arn.startsWith(tableArn)));
      for (const statement of onRegistrations) expect(asList(statement.Action)).not.toContain("dynamodb:Scan");
      if (!declaration.registrations) {
        expect(onRegistrations).toEqual([]);
        expect(variables.SIGNON_REGISTRATIONS_TABLE).toBeUndefined();
        continue;
      }
      expect(variables.SIGNON_REGISTRATIONS_TABLE).toBe(`${prefix}-registrations`);
      const access = registrationsAccess[declaration.registrations];
      const own = onRegistrations.find((statement) => statement.Sid === "OwnRegistrationRecords");
      expect(own).toMatchObject({ Action: [...access.table], Resource: tableArn });
      if (access.leadingKeys) expect(JSON.stringify(own)).toContain(JSON.stringify({ "dynamodb:LeadingKeys": [...access.leadingKeys] }));
      const indexes = onRegistrations.find((statement) => statement.Sid === "QueryRegistrationIndexes");
      expect(indexes ? asList(indexes.Resource) : []).toEqual(access.indexes.map((index) => `${tableArn}/index/${index}`));
    }
  });

  it("lets each role read exactly its own settings, the Twilio secret only if its code uses it (not the export), the cursor key the export's alone, touch only its own idempotency records (the webhook alone has any, and only puts them), and write only its own logs", () => {
    const region = club.input.values["aws:region"];
    const parameterArn = (name: string) => `arn:aws:ssm:${region}:123456789012:parameter${path}/${name}`;
    const secret = resourcesOfType(result, "aws:secretsmanager/secret:Secret")[0];
    const secretName = `${prefix}-twilio-0a1b2c3`;
    const cursorKeyName = `${prefix}-cursor-key-0a1b2c3`;
    const paymentSecretName = `${prefix}-payments-0a1b2c3`;
    const expectedParameters = {
      trigger: [
        "whatsapp-number",
        "template-sid",
        "club-name",
        "season",
        "membership-fee",
        "subscription-fee",
        "allow-fee-overrides",
        "retention-years",
        "status-callback-url",
        "export-api-key-id",
      ],
      webhook: [
        "webhook-url",
        "club-name",
        "assistant-name",
        "season",
        "code-of-conduct-url",
        "privacy-notice-url",
        "payment-url",
        "optional-steps",
        // The submission's payment link (handlers/payment-links.ts).
        "payment-provider",
        "payments-environment",
        "payment-return-url",
      ],
      export: ["season", "export-api-key-id"],
      status: ["status-callback-url"],
      remind: [
        "whatsapp-number",
        "club-name",
        "season",
        "retention-years",
        "closed-retention-days",
        "reminder-template-sid",
        "reminder-after-days",
        "reminder-max",
        "status-callback-url",
        // Payment links and reminders to pay.
        "payment-provider",
        "payments-environment",
        "payment-return-url",
        "payment-template-sid",
      ],
    };
    for (const route of ["trigger", "webhook", "export", "status", "remind"] as const) {
      const policy = resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-${route}-policy`);
      expect(policy.inputs.role).toBe(`${prefix}-${route}-role-id`);
      const statements = statementsOf(policy.inputs.policy);
      for (const statement of statements) {
        expect(statement.Effect).toBe("Allow");
        expect(asList(statement.Resource)).not.toContain("*");
        for (const action of asList(statement.Action)) expect(action).not.toMatch(/\*|FullAccess|PowerUser/);
      }
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(asList(bySid.ReadOwnSettings.Action).sort()).toEqual(["ssm:GetParameter", "ssm:GetParameters"]);
      // Each sends through Twilio or checks its signatures; the export does neither.
      const usesTwilio = route !== "export";
      const sealsCursors = route === "export";
      // The webhook (a submission's link) and remind (links and reminders to pay), in a stack taking payments.
      const callsProvider = (route === "webhook" || route === "remind") && club.input.values.payments !== undefined;
      expect(asList(bySid.ReadOwnSettings.Resource).sort()).toEqual(
        [
          ...expectedParameters[route].map(parameterArn),
          ...(usesTwilio ? [`arn:aws:ssm:${region}:123456789012:parameter/aws/reference/secretsmanager/${secretName}`] : []),
          ...(sealsCursors ? [`arn:aws:ssm:${region}:123456789012:parameter/aws/reference/secretsmanager/${cursorKeyName}`] : []),
          ...(callsProvider ? [`arn:aws:ssm:${region}:123456789012:parameter/aws/reference/secretsmanager/${paymentSecretName}`] : []),
        ].sort(),
      );
      expect(bySid.ReadPaymentSecret).toEqual(
        callsProvider
          ? {
              Sid: "ReadPaymentSecret",
              Effect: "Allow",
              Action: "secretsmanager:GetSecretValue",
              Resource: `arn:aws:secretsmanager:${region}:123456789012:secret:${paymentSecretName}-AbCdEf`,
            }
          : undefined,
      );
      expect(bySid.ReadCursorKey).toEqual(
        sealsCursors
          ? {
              Sid: "ReadCursorKey",
              Effect: "Allow",
              Action: "secretsmanager:GetSecretValue",
              Resource: `arn:aws:secretsmanager:${region}:123456789012:secret:${cursorKeyName}-AbCdEf`,
            }
          : undefined,
      );
      expect(bySid.ReadTwilioSecret).toEqual(
        usesTwilio
          ? {
              Sid: "ReadTwilioSecret",
              Effect: "Allow",
              Action: "secretsmanager:GetSecretValue",
              Resource: `arn:aws:secretsmanager:${region}:123456789012:secret:${secretName}-AbCdEf`,
            }
          : undefined,
      );
      expect(bySid.WriteOwnLogs.Resource).toBe(`arn:aws:logs:${region}:123456789012:log-group:/aws/lambda/${prefix}-${route}:*`);
      // Only the webhook keeps idempotency records (messages from numbers with no invite).
      expect(bySid.OwnIdempotencyRecords).toEqual(
        route === "webhook"
          ? {
              Sid: "OwnIdempotencyRecords",
              Effect: "Allow",
              Action: ["dynamodb:PutItem"],
              Resource: `arn:aws:dynamodb:${region}:123456789012:table/${prefix}-idempotency`,
              Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["webhook.*"] } },
            }
          : undefined,
      );
      expect(statements.filter((statement) => !/Registration|ErasureLog/.test(String(statement.Sid)))).toHaveLength(
        2 + (usesTwilio ? 1 : 0) + (sealsCursors ? 1 : 0) + (route === "webhook" ? 1 : 0) + (callsProvider ? 1 : 0),
      );
      expect(secret.inputs.name).toBeUndefined();
    }
  });

  /** A resource's path: its part after its parents'. */
  const fullPath = (resource: ProgramResult["resources"][number]): string => {
    const parent = resourcesOfType(result, "aws:apigateway/resource:Resource").find(
      (candidate) => `${candidate.name}-id` === resource.inputs.parentId,
    );
    return `${parent ? fullPath(parent) : ""}/${resource.inputs.pathPart}`;
  };

  it.each(functionDeclarations.map((declaration) => [declaration.name, declaration]))(
    "deploys the %s function, its route, role and policy as handlers/functions.ts declares them",
    (name, declaration) => {
      const fn = resourceNamed(result, "aws:lambda/function:Function", `${prefix}-${name}`);
      expect(fn.inputs.timeout).toBe(declaration.timeoutSeconds);
      const method = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-${name}`);
      expect(method.inputs).toMatchObject({ httpMethod: declaration.route.method, apiKeyRequired: declaration.apiKey !== "none" });
      expect(fullPath(resourceNamed(result, "aws:apigateway/resource:Resource", `${prefix}-api-${name}`))).toBe(declaration.route.path);
      const bySid = Object.fromEntries(
        statementsOf(resourceNamed(result, "aws:iam/rolePolicy:RolePolicy", `${prefix}-${name}-policy`).inputs.policy).map((s) => [
          s.Sid,
          s,
        ]),
      );
      const readable = asList(bySid.ReadOwnSettings.Resource).filter((arn) => !arn.includes("/aws/reference/"));
      expect(readable.map((arn) => arn.split("/").pop()).sort()).toEqual(
        declaration.settingKeys.map((key) => settingParameterNames[key]).sort(),
      );
      const idempotencyTableVariable = (fn.inputs.environment as { variables: Record<string, string> }).variables.SIGNON_IDEMPOTENCY_TABLE;
      if (declaration.idempotencyKeyPrefix) {
        expect(JSON.stringify(bySid.OwnIdempotencyRecords)).toContain(`"dynamodb:LeadingKeys":["${declaration.idempotencyKeyPrefix}*"]`);
        expect(idempotencyTableVariable).toBeDefined();
      } else {
        // Only the webhook keeps idempotency records: the others may not touch the table, nor know its name.
        expect(bySid.OwnIdempotencyRecords).toBeUndefined();
        expect(idempotencyTableVariable).toBeUndefined();
      }
    },
  );

  it("runs the remind function hourly: an EventBridge rule, its target the function, and a permission for that rule alone", () => {
    const fn = resourceNamed(result, "aws:lambda/function:Function", `${prefix}-remind`);
    expect(fn.inputs.timeout).toBe(functions.remind.timeoutSeconds);
    const rule = resourceNamed(result, "aws:cloudwatch/eventRule:EventRule", `${prefix}-remind-schedule`);
    expect(rule.inputs).toMatchObject({ name: `${prefix}-remind`, scheduleExpression: "rate(1 hour)" });
    const ruleArn = `arn:aws:cloudwatch:${club.input.values["aws:region"]}:123456789012:${prefix}-remind`;
    const target = resourceNamed(result, "aws:cloudwatch/eventTarget:EventTarget", `${prefix}-remind-schedule`);
    expect(target.inputs).toMatchObject({
      rule: `${prefix}-remind`,
      arn: `arn:aws:lambda:${club.input.values["aws:region"]}:123456789012:function:${prefix}-remind`,
    });
    const permission = resourceNamed(result, "aws:lambda/permission:Permission", `${prefix}-remind-schedule`);
    expect(permission.inputs).toMatchObject({
      action: "lambda:InvokeFunction",
      function: `${prefix}-remind`,
      principal: "events.amazonaws.com",
      sourceArn: ruleArn,
    });
    // No route reaches it: API Gateway's permissions name the routed functions only.
    const apiPermissions = resourcesOfType(result, "aws:lambda/permission:Permission").filter(
      (p) => p.inputs.principal !== "events.amazonaws.com",
    );
    expect(apiPermissions.map((p) => p.inputs.function)).not.toContain(`${prefix}-remind`);
  });

  it("redeploys the stage whenever any input of a route's method or integration changes, in place or not", () => {
    const deployment = resourcesOfType(result, "aws:apigateway/deployment:Deployment")[0];
    const triggers = deployment.inputs.triggers as Record<string, string>;
    expect(Object.keys(triggers).sort()).toEqual([
      "ANY /board/{proxy+}",
      "DELETE /registrations/{id}",
      "GET /board",
      "GET /payments/thanks",
      "GET /registrations",
      "POST /payments/gocardless",
      "POST /status",
      "POST /trigger",
      "POST /twilio/alerts",
      "POST /webhook",
    ]);
    for (const route of ["trigger", "webhook", "status"]) {
      const method = resourceNamed(result, "aws:apigateway/method:Method", `${prefix}-api-${route}`).inputs;
      const integration = resourceNamed(result, "aws:apigateway/integration:Integration", `${prefix}-api-${route}`).inputs;
      // The trigger is the hash of exactly the inputs the method and integration were given...
      expect(triggers[`POST /${route}`]).toBe(routeRevision({ method, integration }));
      // ...so an in-place change to either (no new id) gives another.
      expect(routeRevision({ method: { ...method, apiKeyRequired: !method.apiKeyRequired }, integration })).not.toBe(
        triggers[`POST /${route}`],
      );
      expect(routeRevision({ method, integration: { ...integration, timeoutMilliseconds: 5_000 } })).not.toBe(triggers[`POST /${route}`]);
      expect(routeRevision({ method, integration: { ...integration, uri: String(integration.uri).replace(route, "other") } })).not.toBe(
        triggers[`POST /${route}`],
      );
    }
    expect(resourcesOfType(result, "aws:apigateway/stage:Stage")[0].inputs).toMatchObject({
      deployment: `${prefix}-api-id`,
      stageName: "v1",
    });
  });
});

/** The SSM settings the program writes, by name. */
const settingsWritten = (result: ProgramResult, parameterPath: string) =>
  Object.fromEntries(
    resourcesOfType(result, "aws:ssm/parameter:Parameter").map((p) => [
      String(p.inputs.name).slice(parameterPath.length + 1),
      p.inputs.value,
    ]),
  );

describe("the README's pulumi config commands, stored as pulumi config set stores them", () => {
  const secretValues = { twilioAccountSid: testCredentials.accountSid, twilioAuthToken: testCredentials.authToken };
  const deploying = configCommandsIn(readmeSection("## Deploying a club"));
  const rebranding = configCommandsIn(readmeSection("### Rebranding for another club"));
  const takingPayments = configCommandsIn(readmeSection("### Taking payments through GoCardless"));
  const urmstonSettings = {
    "whatsapp-number": "+447700900000",
    "template-sid": "HX7d785aa7b15519a858cfc7f0d485ff2c",
    "club-name": "Urmston Town",
    "assistant-name": "Omega",
    season: "2025-26",
    "membership-fee": "40",
    "subscription-fee": "26",
    "allow-fee-overrides": "false",
    "code-of-conduct-url": "https://www.urmstontownjfc.example/code-of-conduct",
    "privacy-notice-url": "https://www.urmstontownjfc.example/privacy",
    "payment-url": "https://pay.urmstontownjfc.example/join",
    "retention-years": "1",
    "closed-retention-days": "30",
    "optional-steps": "medical,emergency_contact,photo_consent",
    // The deploying commands set no reminder template (docs/operating.md, Reminders): none is sent.
    "reminder-template-sid": "none",
    "reminder-after-days": "3",
    "reminder-max": "2",
    "verify-service-sid": "VA0123456789abcdef0123456789abcdef",
    "board-secretaries": '[{"name":"Sam Secretary","tel":"+447700900050"}]',
    // The README's deploy takes no payments until its Payments section's commands.
    "payment-provider": "none",
    "payments-environment": "none",
    "subscription-months": "0",
    "payment-template-sid": "none",
  };

  it("leave the sender and the fees as numbers in the stack file, as Pulumi does", () => {
    const { values } = stackConfigAfter("prod", deploying, secretValues);
    expect(values.twilio).toEqual({
      whatsappNumber: 447700900000,
      templateSid: "HX7d785aa7b15519a858cfc7f0d485ff2c",
      verifyServiceSid: "VA0123456789abcdef0123456789abcdef",
    });
    expect(values.board).toEqual({ secretaries: [{ name: "Sam Secretary", tel: 447700900050 }] });
    expect(values.registration).toEqual({
      season: "2025-26",
      membershipFee: 40,
      subscriptionFee: 26,
      paymentUrl: "https://pay.urmstontownjfc.example/join",
    });
    expect(values["aws:region"]).toBe("eu-north-1");
  });

  it("deploy a club, its sender given back its +", async () => {
    const run = await runProgram(stackConfigAfter("prod", deploying, secretValues));
    if (!run.ok) throw new Error(`program failed: ${run.stderr}`);
    expect(settingsWritten(run.result, "/signon/urmston/prod")).toEqual({
      ...urmstonSettings,
      "webhook-url": run.result.outputs.webhookUrl.value,
      "status-callback-url": `${run.result.outputs.apiUrl.value}/status`,
      "export-api-key-id": "signon-urmston-prod-api-export-id",
      "payment-return-url": `${run.result.outputs.apiUrl.value}/payments/thanks`,
    });
    expect(run.result.outputs.apiUrl.value).toMatch(/\.execute-api\.eu-north-1\.amazonaws\.com\/v1$/);
  });

  it("rebrand it for another club, in a stack of its own in the region it sets", async () => {
    // "the Twilio sender, template, season, fees and secrets as above"
    const run = await runProgram(stackConfigAfter("sale-prod", [...deploying, ...rebranding], secretValues));
    if (!run.ok) throw new Error(`program failed: ${run.stderr}`);
    expect(settingsWritten(run.result, "/signon/sale-united/sale-prod")).toEqual({
      ...urmstonSettings,
      "export-api-key-id": "signon-sale-united-sale-prod-api-export-id",
      "club-name": "Sale United",
      "assistant-name": "Sunny",
      "code-of-conduct-url": "https://www.saleunited.example/code-of-conduct",
      "privacy-notice-url": "https://www.saleunited.example/privacy",
      "payment-url": "https://pay.saleunited.example/join",
      "webhook-url": run.result.outputs.webhookUrl.value,
      "status-callback-url": `${run.result.outputs.apiUrl.value}/status`,
      "payment-return-url": `${run.result.outputs.apiUrl.value}/payments/thanks`,
    });
    expect(run.result.outputs.apiUrl.value).toMatch(
      /^https:\/\/signon-sale-united-sale-prod-api-id\.execute-api\.eu-west-2\.amazonaws\.com\/v1$/,
    );
  });

  it("take payments through GoCardless: the settings, the secret and the webhook's URL to register", async () => {
    const run = await runProgram(
      stackConfigAfter("prod", [...deploying, ...takingPayments], {
        ...secretValues,
        // The README's placeholders: a sandbox token, as its environment says, and any long secret.
        gocardlessAccessToken: "sandbox_readme-placeholder-token",
        gocardlessWebhookSecret: "readme-placeholder-webhook-secret",
      }),
    );
    if (!run.ok) throw new Error(`program failed: ${run.stderr}`);
    expect(settingsWritten(run.result, "/signon/urmston/prod")).toMatchObject({
      "payment-provider": "gocardless",
      "payments-environment": "sandbox",
      "subscription-months": "10",
    });
    expect(resourcesOfType(run.result, "aws:secretsmanager/secret:Secret")).toHaveLength(3);
    expect(run.result.outputs.paymentsWebhookUrl.value).toBe(`${run.result.outputs.apiUrl.value}/payments/gocardless`);
  });
});

describe("a bad stack config", () => {
  it("stops the program with every problem named, each with an example", async () => {
    const input = stackFileConfig("dev", { twilioAccountSid: testCredentials.accountSid });
    input.values.club = { ...(input.values.club as object), slug: "Urmston Town" };
    input.values.twilio = { whatsappNumber: "+14155238886" };
    input.values.api = { rateLimit: "fast" };
    const run = await runProgram(input);
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain("signon's stack config has 5 problems");
    expect(run.stderr).toContain(
      "signon:twilio.verifyServiceSid is missing. Example: pulumi config set --path signon:twilio.verifyServiceSid VA",
    );
    expect(run.stderr).toContain(
      "signon:club.slug must be lower-case letters, digits and single hyphens, such as sale-united (it goes into AWS names, SSM paths and IAM policies). Example: pulumi config set --path signon:club.slug urmston",
    );
    expect(run.stderr).toContain("signon:twilio.templateSid is missing. Example: pulumi config set --path signon:twilio.templateSid HX");
    expect(run.stderr).toContain("signon:api.rateLimit");
    expect(run.stderr).toContain("signon:twilioAuthToken is missing. Example: pulumi config set --secret signon:twilioAuthToken");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("stops the program for a signon: key the schema does not know: a misspelt group, and one signon does not have", async () => {
    const input = stackFileConfig("dev", secrets);
    const { registration, ...rest } = input.values;
    input.values = { ...rest, registraton: registration, donations: { provider: "stripe" } };
    const run = await runProgram(input);
    expect(run.ok).toBe(false);
    if (run.ok) return;
    const holds =
      "signon holds club, twilio, registration, api, conversation, reminders, board, payments, ops, concurrency and the secrets twilioAccountSid, twilioAuthToken, apiKey, exportApiKey, gocardlessAccessToken, gocardlessWebhookSecret";
    expect(run.stderr.trim().split("\n")).toEqual([
      "signon's stack config has 3 problems:",
      `  - signon:registraton is not a setting signon knows (did you mean signon:registration?); ${holds}. Example: pulumi config rm signon:registraton`,
      `  - signon:donations is not a setting signon knows; ${holds}. Example: pulumi config rm signon:donations`,
      "  - signon:registration is missing. Example: pulumi config set --path signon:registration.season 2025-26",
    ]);
  });

  it("stops a stack without aws:region, which would deploy wherever the shell's AWS profile points", async () => {
    const input = stackFileConfig("dev", secrets);
    delete input.values["aws:region"];
    const run = await runProgram(input);
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.stderr.trim().split("\n")).toEqual([
      "signon's stack config has a problem:",
      "  - aws:region is missing. Example: pulumi config set aws:region eu-north-1",
    ]);
  });

  it("refuses a malformed secret without echoing it, and a stack name that would break AWS names", async () => {
    const input = stackFileConfig("dev", { twilioAccountSid: testCredentials.accountSid, twilioAuthToken: "not-the-token-format-xyz" });
    input.stack = "Dev_Stack";
    const run = await runProgram(input);
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.stderr).toContain("signon:twilioAuthToken must be the 32 hex characters of the account's auth token");
    expect(run.stderr).toContain('the stack name "Dev_Stack" must be lower-case letters, digits and single hyphens');
    expect(run.stderr).not.toContain("not-the-token-format-xyz");
  });

  it("stops the program for a slug too long beside the stack name, a value WhatsApp would refuse, a misspelt key and a section given as text", async () => {
    const input = stackFileConfig("dev", secrets);
    input.stack = "sale-united-under-elevens";
    input.values.club = { ...(input.values.club as object), name: "Sale\nUnited", slug: "sale-united-juniors", assistantName: "Sunny" };
    input.values.api = { rateLimit: 25, burstlimit: 50 };
    input.values.registration = "2025-26";
    const run = await runProgram(input);
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.stderr.trim().split("\n")).toEqual([
      "signon's stack config has 4 problems:",
      '  - signon:club.name must be one line, without tabs or control characters (WhatsApp refuses them). Example: pulumi config set --path signon:club.name "Urmston Town"',
      "  - signon:registration must be a group of settings, as in Pulumi.prod.yaml. Example: pulumi config set --path signon:registration.season 2025-26",
      "  - signon:api.burstlimit is not a setting signon knows (misspelt?); signon:api holds rateLimit, burstLimit, dailyQuota, webhookRateLimit, webhookBurstLimit, statusRateLimit, statusBurstLimit, boardRateLimit, boardBurstLimit, paymentsRateLimit, paymentsBurstLimit. Example: pulumi config rm --path signon:api.burstlimit && pulumi config set --path signon:api.burstLimit 50",
      '  - signon:club.slug "sale-united-juniors" with the stack name "sale-united-under-elevens" makes the IAM role name signon-sale-united-juniors-sale-united-under-elevens-trigger-role-xxxxxxx, which would be 73 characters, and AWS allows 64. Shorten the slug or the stack name by 9 characters. Example: pulumi config set --path signon:club.slug urmston',
    ]);
  });
});

/** What AWS is asked to call each resource that has a limit on its name (Pulumi auto-names those without one of their own). */
const physicalNames: Record<string, { kind: AwsNameKind; field: string }> = {
  "aws:lambda/function:Function": { kind: "Lambda function", field: "name" },
  "aws:cloudwatch/logGroup:LogGroup": { kind: "CloudWatch log group", field: "name" },
  "aws:iam/role:Role": { kind: "IAM role", field: "name" },
  "aws:iam/rolePolicy:RolePolicy": { kind: "IAM role policy", field: "name" },
  "aws:lambda/permission:Permission": { kind: "Lambda permission statement ID", field: "statementId" },
  "aws:cloudwatch/eventRule:EventRule": { kind: "EventBridge rule", field: "name" },
  "aws:dynamodb/table:Table": { kind: "DynamoDB table", field: "name" },
  "aws:secretsmanager/secret:Secret": { kind: "Secrets Manager secret", field: "name" },
  "aws:ssm/parameter:Parameter": { kind: "SSM parameter", field: "name" },
  "aws:sqs/queue:Queue": { kind: "SQS queue", field: "name" },
  "aws:sns/topic:Topic": { kind: "SNS topic", field: "name" },
  "aws:cloudwatch/dashboard:Dashboard": { kind: "CloudWatch dashboard", field: "dashboardName" },
  "aws:cloudwatch/metricAlarm:MetricAlarm": { kind: "CloudWatch alarm", field: "name" },
};

describe("the program for the longest slug and stack name allowed", () => {
  // 35 characters between them: config.test.ts shows a 36th is refused.
  const identity = { slug: "sale-united-juniors-and-academy", stack: "prod" };
  let result: ProgramResult;

  beforeAll(async () => {
    const input = stackFileConfig("prod", secrets);
    input.values.club = {
      ...(input.values.club as object),
      name: "Sale United Juniors and Academy",
      slug: identity.slug,
      assistantName: "Sunny",
    };
    const run = await runProgram(input);
    if (!run.ok) throw new Error(`program failed: ${run.stderr}`);
    result = run.result;
  });

  it("gives AWS only the names config/names.ts lists, each within AWS's limits", () => {
    const declared = result.resources.flatMap((resource) => {
      const naming = physicalNames[resource.type];
      if (!naming) return [];
      const name = (resource.inputs[naming.field] as string | undefined) ?? pulumiAutoName(resource.name);
      return [{ kind: naming.kind, name }];
    });
    // The reminders' rule is named as its function: the kind tells the two apart.
    const byName = (a: { kind: string; name: string }, b: { kind: string; name: string }) =>
      a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind);
    expect(declared.sort(byName)).toEqual(stackAwsNames(identity).sort(byName));
    for (const { kind, name } of declared) expect(awsNameProblem(kind, name), name).toBeUndefined();
    expect(Math.max(...declared.filter(({ kind }) => kind === "IAM role").map(({ name }) => name.length))).toBe(64);
  });

  it("names nothing else with a limit AWS documents", () => {
    // Resources without a name, or (REST API, API key, usage plan) with no limit these names come near.
    const unlimited = [
      "restApi:RestApi",
      "resource:Resource",
      "method:Method",
      "integration:Integration",
      "deployment:Deployment",
      "stage:Stage",
      "apiKey:ApiKey",
      "usagePlan:UsagePlan",
      "usagePlanKey:UsagePlanKey",
      "methodSettings:MethodSettings",
    ]
      .map((type) => `aws:apigateway/${type}`)
      .concat("aws:secretsmanager/secretVersion:SecretVersion")
      // Its target id is generated by AWS's provider, well inside EventBridge's 64 characters.
      .concat("aws:cloudwatch/eventTarget:EventTarget")
      // Named by what they attach to: the dead-letter queue's policy, the alert topic's email subscription.
      .concat("aws:sqs/queuePolicy:QueuePolicy", "aws:sns/topicSubscription:TopicSubscription");
    const others = new Set(result.resources.map((r) => r.type).filter((type) => type.startsWith("aws:") && !(type in physicalNames)));
    expect([...others].sort()).toEqual(unlimited.sort());
  });
});
