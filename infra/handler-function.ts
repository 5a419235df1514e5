import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackIdentity } from "../config/names";
import { registrationsAccess } from "../config/registrations-table";
import { environmentVariables, secretsManagerReferencePrefix, settingParameterName } from "../config/settings";
import type { FunctionDeclaration, ScheduledFunctionDeclaration } from "../handlers/function-declaration";
import type { BoardTable } from "./board-table";
import type { CursorKey } from "./cursor-key";
import type { ErasureLogTable } from "./erasure-log-table";
import type { IdempotencyTable } from "./idempotency-table";
import { codePathOptionsFor } from "./package-files";
import type { PaymentSecret } from "./payment-secret";
import type { RegistrationsTable } from "./registrations-table";
import type { TwilioSecret } from "./twilio-secret";

export interface HandlerFunctionArgs {
  /** The Lambda's physical name: `signon-<slug>-<stack>-<handler>`. */
  functionName: string;
  /** Its handler factory, npm imports, settings, record key prefix and timeout (handlers/functions.ts). */
  declaration: FunctionDeclaration | ScheduledFunctionDeclaration;
  parameterPath: string;
  /** The club's slug and the stack: every function's business metrics carry them as Club and Stage (plumbing/metrics.ts). */
  identity: StackIdentity;
  twilioSecret: TwilioSecret;
  cursorKey: CursorKey;
  idempotencyTable: IdempotencyTable;
  registrationsTable: RegistrationsTable;
  erasureLogTable: ErasureLogTable;
  boardTable: BoardTable;
  /** The payment provider's secret: a stack with signon:payments has one. */
  paymentSecret?: PaymentSecret;
  memorySizeMb: number;
  /** Runs reserved for this function alone, and its ceiling; unset, it shares the account's unreserved pool. */
  reservedConcurrency?: number;
  logRetentionDays: number;
}

/**
 * A Lambda made from a handler, with a role that can read only its own settings, the Twilio
 * secret and the cursor key if its code uses them, and touch only its own idempotency records.
 */
export class HandlerFunction extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly role: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: HandlerFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:lambda:HandlerFunction", name, {}, opts);
    const { partition } = aws.getPartitionOutput({}, { parent: this });
    const { region } = aws.getRegionOutput({}, { parent: this });
    const { accountId } = aws.getCallerIdentityOutput({}, { parent: this });
    const parameterArn = (parameterName: string) =>
      pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:parameter${parameterName}`;

    this.logGroup = new aws.cloudwatch.LogGroup(
      name,
      { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays },
      { parent: this },
    );

    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Runs the ${args.functionName} Lambda`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      { parent: this },
    );

    const { declaration } = args;
    const readableParameters = [
      ...declaration.settingKeys.map((key) => parameterArn(settingParameterName(args.parameterPath, key))),
      ...(declaration.usesTwilioSecret
        ? [args.twilioSecret.secretName.apply((secretName) => parameterArn(`${secretsManagerReferencePrefix}${secretName}`))]
        : []),
      ...(declaration.usesCursorKey
        ? [args.cursorKey.secretName.apply((secretName) => parameterArn(`${secretsManagerReferencePrefix}${secretName}`))]
        : []),
    ];
    const paymentSecret = declaration.usesPaymentSecret ? args.paymentSecret : undefined;
    if (paymentSecret) {
      readableParameters.push(
        paymentSecret.secretName.apply((secretName) => parameterArn(`${secretsManagerReferencePrefix}${secretName}`)),
      );
    }
    const paymentSecretStatements = paymentSecret
      ? [{ Sid: "ReadPaymentSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: paymentSecret.secretArn }]
      : [];
    const twilioSecretStatements = declaration.usesTwilioSecret
      ? [{ Sid: "ReadTwilioSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: args.twilioSecret.secretArn }]
      : [];
    const cursorKeyStatements = declaration.usesCursorKey
      ? [{ Sid: "ReadCursorKey", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: args.cursorKey.secretArn }]
      : [];
    const registrationStatements = declaration.registrations
      ? this.registrationStatements(args.registrationsTable, declaration.registrations)
      : [];
    const boardTableStatements = declaration.usesBoardTable
      ? [
          {
            Sid: "BoardRecords",
            Effect: "Allow",
            // Sessions, people and audit entries by key (aws/board-store.ts); people and the audit log by Query of their partition.
            Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
            Resource: args.boardTable.table.arn,
          },
        ]
      : [];
    const keyPrefix = declaration.idempotencyKeyPrefix;
    const idempotencyStatements = keyPrefix
      ? [
          {
            Sid: "OwnIdempotencyRecords",
            Effect: "Allow",
            // A conditional PutItem per message (aws/idempotency/message-deduplicator.ts) is all it does there.
            Action: ["dynamodb:PutItem"],
            Resource: args.idempotencyTable.table.arn,
            Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${keyPrefix}*`] } },
          },
        ]
      : [];
    // Each erasure adds its entry in its own transaction; nothing reads, changes or deletes one.
    const erasureLogStatements = declaration.writesErasureLog
      ? [{ Sid: "AddErasureLogEntries", Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: args.erasureLogTable.table.arn }]
      : [];
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "WriteOwnLogs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: pulumi.interpolate`${this.logGroup.arn}:*`,
            },
            {
              Sid: "ReadOwnSettings",
              Effect: "Allow",
              Action: ["ssm:GetParameters", "ssm:GetParameter"],
              Resource: pulumi.all(readableParameters),
            },
            ...twilioSecretStatements,
            ...cursorKeyStatements,
            ...paymentSecretStatements,
            ...idempotencyStatements,
            ...registrationStatements,
            ...erasureLogStatements,
            ...boardTableStatements,
          ],
        }),
      },
      { parent: this },
    );

    // Its event is the route's or the schedule's, as the declaration says; the handler types each.
    this.function = new aws.lambda.CallbackFunction<never, unknown>(
      name,
      {
        name: args.functionName,
        // The Pulumi closure serializer turns this, and the declaration with it, into the Lambda's code.
        callbackFactory: () =>
          "schedule" in declaration ? declaration.createHandler(declaration) : declaration.createHandler(declaration),
        codePathOptions: codePathOptionsFor(declaration.npmImports),
        role: this.role,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        // Graviton: cheaper per GB-second, and every dependency is plain JavaScript.
        architectures: ["arm64"],
        timeout: declaration.timeoutSeconds,
        reservedConcurrentExecutions: args.reservedConcurrency,
        memorySize: args.memorySizeMb,
        environment: {
          variables: {
            [environmentVariables.parameterPath]: args.parameterPath,
            [environmentVariables.club]: args.identity.slug,
            [environmentVariables.stage]: args.identity.stack,
            ...(declaration.usesTwilioSecret ? { [environmentVariables.twilioSecretName]: args.twilioSecret.secretName } : {}),
            ...(declaration.usesCursorKey ? { [environmentVariables.cursorKeySecretName]: args.cursorKey.secretName } : {}),
            ...(paymentSecret ? { [environmentVariables.paymentSecretName]: paymentSecret.secretName } : {}),
            ...(keyPrefix ? { [environmentVariables.idempotencyTable]: args.idempotencyTable.table.name } : {}),
            ...(declaration.registrations ? { [environmentVariables.registrationsTable]: args.registrationsTable.table.name } : {}),
            ...(declaration.writesErasureLog ? { [environmentVariables.erasureLogTable]: args.erasureLogTable.table.name } : {}),
            ...(declaration.usesBoardTable ? { [environmentVariables.boardTable]: args.boardTable.table.name } : {}),
          },
        },
      },
      // The log group must exist first, or Lambda creates one that never expires.
      { parent: this, dependsOn: [this.logGroup, policy] },
    );

    this.registerOutputs({ functionName: this.function.name, roleArn: this.role.arn });
  }

  /** The registrations statements for one kind of access: the actions on the table (within the leading keys it writes) and on its indexes. */
  private registrationStatements(registrationsTable: RegistrationsTable, kind: keyof typeof registrationsAccess) {
    const access = registrationsAccess[kind];
    const arn = registrationsTable.table.arn;
    return [
      {
        Sid: "OwnRegistrationRecords",
        Effect: "Allow",
        Action: [...access.table],
        Resource: arn,
        ...(access.leadingKeys ? { Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...access.leadingKeys] } } } : {}),
      },
      ...(access.indexes.length > 0
        ? [
            {
              Sid: "QueryRegistrationIndexes",
              Effect: "Allow",
              Action: "dynamodb:Query",
              Resource: access.indexes.map((index) => pulumi.interpolate`${arn}/index/${index}`),
            },
          ]
        : []),
    ];
  }
}
