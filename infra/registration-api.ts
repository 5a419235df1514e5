import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { routeRevision } from "./route-revision";

export interface RegistrationApiArgs {
  trigger: aws.lambda.Function;
  webhook: aws.lambda.Function;
  /** Requests per second, and the burst above it, the usage plan lets the key make. */
  rateLimit: number;
  burstLimit: number;
  /** The value of the trigger's API key; generated when not given. */
  apiKey?: pulumi.Input<string>;
  stageName?: string;
}

/** Every input a route's method and integration are given. */
interface RouteInputs {
  method: aws.apigateway.MethodArgs;
  integration: aws.apigateway.IntegrationArgs;
}

/**
 * The REST API: `POST /trigger` behind an API key and usage plan, `POST /webhook` open to
 * Twilio (which cannot send a key) and protected by Twilio's signature in the handler.
 */
export class RegistrationApi extends pulumi.ComponentResource {
  readonly restApi: aws.apigateway.RestApi;
  readonly stage: aws.apigateway.Stage;
  readonly usagePlan: aws.apigateway.UsagePlan;
  readonly url: pulumi.Output<string>;
  readonly triggerUrl: pulumi.Output<string>;
  /** The URL to paste into Twilio, and the one its signatures are computed over. */
  readonly webhookUrl: pulumi.Output<string>;
  readonly apiKey: pulumi.Output<string>;

  constructor(name: string, args: RegistrationApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:api:RegistrationApi", name, {}, opts);
    this.restApi = new aws.apigateway.RestApi(
      name,
      { description: "signon: WhatsApp registration invites and replies", apiKeySource: "HEADER", endpointConfiguration: { types: "REGIONAL" } },
      { parent: this },
    );

    const routes = [
      this.route(name, "trigger", args.trigger, true),
      this.route(name, "webhook", args.webhook, false),
    ];

    const deployment = new aws.apigateway.Deployment(
      name,
      {
        restApi: this.restApi.id,
        // A new deployment whenever any input of a route changes, even in place (apiKeyRequired),
        // or the stage keeps serving the old one.
        triggers: Object.fromEntries(routes.map(({ path, inputs }) => [`POST /${path}`, pulumi.output(inputs).apply(routeRevision)])),
      },
      { parent: this, dependsOn: routes.flatMap(({ method, integration }) => [method, integration]) },
    );
    this.stage = new aws.apigateway.Stage(
      name,
      { restApi: this.restApi.id, deployment: deployment.id, stageName: args.stageName ?? "v1" },
      { parent: this, deleteBeforeReplace: true },
    );

    const keyValue =
      args.apiKey ??
      new random.RandomPassword(`${name}-key`, { length: 40, special: false }, { parent: this }).result;
    const key = new aws.apigateway.ApiKey(name, { value: keyValue, description: "Sends registration invites (POST /trigger)" }, { parent: this });
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
    this.triggerUrl = pulumi.interpolate`${this.stage.invokeUrl}/trigger`;
    this.webhookUrl = pulumi.interpolate`${this.stage.invokeUrl}/webhook`;
    this.apiKey = pulumi.secret(key.value);
    this.registerOutputs({ url: this.url, triggerUrl: this.triggerUrl, webhookUrl: this.webhookUrl });
  }

  /** `POST /<path>` proxied to `handler`, which API Gateway may invoke for that route only. */
  private route(name: string, path: string, handler: aws.lambda.Function, apiKeyRequired: boolean) {
    const resource = new aws.apigateway.Resource(
      `${name}-${path}`,
      { restApi: this.restApi.id, parentId: this.restApi.rootResourceId, pathPart: path },
      { parent: this },
    );
    // The stage's deployment hashes these very objects, so it follows any change to them.
    const methodInputs: aws.apigateway.MethodArgs = { restApi: this.restApi.id, resourceId: resource.id, httpMethod: "POST", authorization: "NONE", apiKeyRequired };
    const method = new aws.apigateway.Method(`${name}-${path}`, methodInputs, { parent: this });
    const integrationInputs: aws.apigateway.IntegrationArgs = {
      restApi: this.restApi.id,
      resourceId: resource.id,
      httpMethod: method.httpMethod,
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: handler.invokeArn,
    };
    const integration = new aws.apigateway.Integration(`${name}-${path}`, integrationInputs, { parent: this });
    new aws.lambda.Permission(
      `${name}-${path}`,
      {
        action: "lambda:InvokeFunction",
        function: handler.name,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${this.restApi.executionArn}/*/POST/${path}`,
      },
      { parent: this },
    );
    const inputs: RouteInputs = { method: methodInputs, integration: integrationInputs };
    return { path, inputs, method, integration };
  }
}
