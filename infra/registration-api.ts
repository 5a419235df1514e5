import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { binaryMediaTypes, type FunctionDeclaration, type Route, routesOf } from "../handlers/function-declaration";
import { routeRevision } from "./route-revision";

export interface ApiRoute {
  /** Its path, method and API key (handlers/functions.ts). */
  declaration: Pick<FunctionDeclaration, "name" | "route" | "moreRoutes" | "apiKey">;
  handler: aws.lambda.Function;
}

export interface RegistrationApiArgs {
  routes: readonly ApiRoute[];
  /** Requests per second, and the burst above it, the usage plan lets the key make. */
  rateLimit: number;
  burstLimit: number;
  /** Requests each key may make a day. */
  dailyQuota: number;
  /** The stage's throttle on a function's route, by function name: for the routes without a key, which the usage plan does not cover. */
  routeThrottles?: Partial<Record<ApiRoute["declaration"]["name"], { rateLimit: number; burstLimit: number }>>;
  /** The value of the trigger's API key; generated when not given. */
  apiKey?: pulumi.Input<string>;
  /** The value of the export's API key (GET and DELETE /registrations); generated when not given. */
  exportApiKey?: pulumi.Input<string>;
  stageName?: string;
}

/**
 * The REST API: a route per function, those that need the invite key (`POST /trigger`) behind
 * it and the usage plan, the others (`POST /webhook`) open: Twilio cannot send a key, and the
 * handler checks Twilio's signature instead.
 */
export class RegistrationApi extends pulumi.ComponentResource {
  readonly restApi: aws.apigateway.RestApi;
  readonly stage: aws.apigateway.Stage;
  readonly usagePlan: aws.apigateway.UsagePlan;
  readonly url: pulumi.Output<string>;
  readonly apiKey: pulumi.Output<string>;
  readonly exportApiKey: pulumi.Output<string>;
  /** The export key's id, which the export's handler checks each request's key against. */
  readonly exportApiKeyId: pulumi.Output<string>;
  /** Each path's resource, so a path parameter's resource hangs under its parent's. */
  private readonly resources = new Map<string, aws.apigateway.Resource>();
  /** The component's name, which names the resources of paths that are no route of their own. */
  private readonly apiName: string;

  constructor(name: string, args: RegistrationApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:api:RegistrationApi", name, {}, opts);
    this.apiName = name;
    this.restApi = new aws.apigateway.RestApi(
      name,
      {
        description: "signon: WhatsApp registration invites and replies",
        apiKeySource: "HEADER",
        endpointConfiguration: { types: "REGIONAL" },
        binaryMediaTypes: [...binaryMediaTypes],
      },
      { parent: this },
    );

    const routes = args.routes.flatMap(({ declaration, handler }) =>
      routesOf(declaration).map((route, index) =>
        this.route(
          index === 0 ? `${name}-${declaration.name}` : `${name}-${declaration.name}-${declaration.moreRoutes?.[index - 1].name}`,
          route,
          declaration,
          handler,
        ),
      ),
    );

    const deployment = new aws.apigateway.Deployment(
      name,
      {
        restApi: this.restApi.id,
        // A new deployment whenever any input of a route changes, even in place (apiKeyRequired),
        // or the stage keeps serving the old one.
        triggers: Object.fromEntries(routes.map(({ key, inputs }) => [key, pulumi.output(inputs).apply(routeRevision)])),
      },
      { parent: this, dependsOn: routes.flatMap(({ method, integration }) => [method, integration]) },
    );
    this.stage = new aws.apigateway.Stage(
      name,
      { restApi: this.restApi.id, deployment: deployment.id, stageName: args.stageName ?? "v1" },
      { parent: this, deleteBeforeReplace: true },
    );

    for (const { declaration } of args.routes) {
      const throttle = args.routeThrottles?.[declaration.name];
      if (!throttle) continue;
      // Each of the function's routes: the board's page and its `{proxy+}` (API and assets) alike.
      for (const [index, { method, path }] of routesOf(declaration).entries()) {
        const routeName = index === 0 ? "" : `-${declaration.moreRoutes?.[index - 1].name}`;
        new aws.apigateway.MethodSettings(
          `${name}-${declaration.name}${routeName}-throttle`,
          {
            restApi: this.restApi.id,
            stageName: this.stage.stageName,
            // API Gateway names an ANY method `*` here.
            methodPath: `${path.slice(1)}/${method === "ANY" ? "*" : method}`,
            settings: { throttlingRateLimit: throttle.rateLimit, throttlingBurstLimit: throttle.burstLimit },
          },
          { parent: this },
        );
      }
    }

    this.usagePlan = new aws.apigateway.UsagePlan(
      name,
      {
        apiStages: [{ apiId: this.restApi.id, stage: this.stage.stageName }],
        throttleSettings: { rateLimit: args.rateLimit, burstLimit: args.burstLimit },
        quotaSettings: { limit: args.dailyQuota, period: "DAY" },
      },
      { parent: this },
    );
    const inviteKey = this.apiKeyInPlan(name, args.apiKey, "Sends registration invites (POST /trigger)");
    const exportKey = this.apiKeyInPlan(`${name}-export`, args.exportApiKey, "Reads and erases registrations (GET, DELETE /registrations)");

    this.url = this.stage.invokeUrl;
    this.apiKey = pulumi.secret(inviteKey.value);
    this.exportApiKey = pulumi.secret(exportKey.value);
    this.exportApiKeyId = exportKey.id;
    // triggerUrl, webhookUrl, ...: each route's URL.
    const routeUrls = args.routes.map(({ declaration }) => [`${declaration.name}Url`, this.urlOf(declaration.route.path)]);
    this.registerOutputs({ url: this.url, ...Object.fromEntries(routeUrls) });
  }

  /** A route's public URL; the webhook's is the one to paste into Twilio, and the one its signatures are computed over. */
  urlOf(path: string): pulumi.Output<string> {
    return pulumi.interpolate`${this.stage.invokeUrl}${path}`;
  }

  /** A key in the usage plan: its value as given, or generated. */
  private apiKeyInPlan(name: string, value: pulumi.Input<string> | undefined, description: string) {
    const keyValue = value ?? new random.RandomPassword(`${name}-key`, { length: 40, special: false }, { parent: this }).result;
    const key = new aws.apigateway.ApiKey(name, { value: keyValue, description }, { parent: this });
    new aws.apigateway.UsagePlanKey(name, { keyId: key.id, keyType: "API_KEY", usagePlanId: this.usagePlan.id }, { parent: this });
    return key;
  }

  /**
   * A path's resource, made under its parent's the first time the path is routed. A parent that
   * is no route of its own (`/payments` of `/payments/gocardless`) is made here, named by its path.
   */
  private resourceFor(logicalName: string, path: string): aws.apigateway.Resource {
    const existing = this.resources.get(path);
    if (existing) return existing;
    const parentPath = path.slice(0, path.lastIndexOf("/"));
    const parent =
      parentPath === ""
        ? undefined
        : (this.resources.get(parentPath) ?? this.resourceFor(`${this.apiName}-path${parentPath.replaceAll("/", "-")}`, parentPath));
    const resource = new aws.apigateway.Resource(
      logicalName,
      { restApi: this.restApi.id, parentId: parent?.id ?? this.restApi.rootResourceId, pathPart: path.slice(parentPath.length + 1) },
      { parent: this },
    );
    this.resources.set(path, resource);
    return resource;
  }

  /** The route proxied to its function, which API Gateway may invoke for that route only. Resources are named after the function. */
  private route(
    logicalName: string,
    { method: httpMethod, path }: Route,
    declaration: ApiRoute["declaration"],
    handler: aws.lambda.Function,
  ) {
    const resource = this.resourceFor(logicalName, path);
    // The stage's deployment hashes these very objects, so it follows any change to them.
    const methodInputs: aws.apigateway.MethodArgs = {
      restApi: this.restApi.id,
      resourceId: resource.id,
      httpMethod,
      authorization: "NONE",
      apiKeyRequired: declaration.apiKey !== "none",
    };
    const method = new aws.apigateway.Method(logicalName, methodInputs, { parent: this });
    const integrationInputs: aws.apigateway.IntegrationArgs = {
      restApi: this.restApi.id,
      resourceId: resource.id,
      httpMethod: method.httpMethod,
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: handler.invokeArn,
    };
    const integration = new aws.apigateway.Integration(logicalName, integrationInputs, { parent: this });
    new aws.lambda.Permission(
      logicalName,
      {
        action: "lambda:InvokeFunction",
        function: handler.name,
        principal: "apigateway.amazonaws.com",
        // A path parameter is any one segment in the ARN.
        sourceArn: pulumi.interpolate`${this.restApi.executionArn}/*/${httpMethod === "ANY" ? "*" : httpMethod}/${path.slice(1).replace(/\{[^}]+\}/g, "*")}`,
      },
      { parent: this },
    );
    const inputs: { method: aws.apigateway.MethodArgs; integration: aws.apigateway.IntegrationArgs } = {
      method: methodInputs,
      integration: integrationInputs,
    };
    return { key: `${httpMethod} ${path}`, inputs, method, integration };
  }
}
