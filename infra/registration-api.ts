import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { FunctionDeclaration } from "../handlers/functions";
import { routeRevision } from "./route-revision";

export interface ApiRoute {
  /** Its path, method and API key (handlers/functions.ts). */
  declaration: Pick<FunctionDeclaration, "name" | "route" | "apiKey">;
  handler: aws.lambda.Function;
}

export interface RegistrationApiArgs {
  routes: readonly ApiRoute[];
  /** Requests per second, and the burst above it, the usage plan lets the key make. */
  rateLimit: number;
  burstLimit: number;
  /** The value of the trigger's API key; generated when not given. */
  apiKey?: pulumi.Input<string>;
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

  constructor(name: string, args: RegistrationApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:api:RegistrationApi", name, {}, opts);
    this.restApi = new aws.apigateway.RestApi(
      name,
      {
        description: "signon: WhatsApp registration invites and replies",
        apiKeySource: "HEADER",
        endpointConfiguration: { types: "REGIONAL" },
      },
      { parent: this },
    );

    const routes = args.routes.map((route) => this.route(name, route));

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

    const keyValue = args.apiKey ?? new random.RandomPassword(`${name}-key`, { length: 40, special: false }, { parent: this }).result;
    const key = new aws.apigateway.ApiKey(
      name,
      { value: keyValue, description: "Sends registration invites (POST /trigger)" },
      { parent: this },
    );
    this.usagePlan = new aws.apigateway.UsagePlan(
      name,
      {
        apiStages: [{ apiId: this.restApi.id, stage: this.stage.stageName }],
        throttleSettings: { rateLimit: args.rateLimit, burstLimit: args.burstLimit },
      },
      { parent: this },
    );
    new aws.apigateway.UsagePlanKey(name, { keyId: key.id, keyType: "API_KEY", usagePlanId: this.usagePlan.id }, { parent: this });

    this.url = this.stage.invokeUrl;
    this.apiKey = pulumi.secret(key.value);
    // triggerUrl, webhookUrl, ...: each route's URL.
    const routeUrls = args.routes.map(({ declaration }) => [`${declaration.name}Url`, this.urlOf(declaration.route.path)]);
    this.registerOutputs({ url: this.url, ...Object.fromEntries(routeUrls) });
  }

  /** A route's public URL; the webhook's is the one to paste into Twilio, and the one its signatures are computed over. */
  urlOf(path: string): pulumi.Output<string> {
    return pulumi.interpolate`${this.stage.invokeUrl}${path}`;
  }

  /** The route proxied to its function, which API Gateway may invoke for that route only. Resources are named after the function. */
  private route(name: string, { declaration, handler }: ApiRoute) {
    const logicalName = `${name}-${declaration.name}`;
    const { method: httpMethod, path } = declaration.route;
    const pathPart = path.slice(1);
    const resource = new aws.apigateway.Resource(
      logicalName,
      { restApi: this.restApi.id, parentId: this.restApi.rootResourceId, pathPart },
      { parent: this },
    );
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
        sourceArn: pulumi.interpolate`${this.restApi.executionArn}/*/${httpMethod}/${pathPart}`,
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
