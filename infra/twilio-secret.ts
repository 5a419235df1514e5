import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface TwilioSecretArgs {
  accountSid: pulumi.Input<string>;
  authToken: pulumi.Input<string>;
}

/** The Twilio account SID and auth token, held in Secrets Manager and nowhere else. */
export class TwilioSecret extends pulumi.ComponentResource {
  readonly secret: aws.secretsmanager.Secret;
  /** The name the handlers reference through `/aws/reference/secretsmanager/<name>`. */
  readonly secretName: pulumi.Output<string>;
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: TwilioSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:secrets:TwilioSecret", name, {}, opts);
    // Auto-named (a random suffix) so a destroyed stack's secret, held for its recovery
    // window, never blocks the next `pulumi up` of the same club and stack.
    this.secret = new aws.secretsmanager.Secret(name, { description: "Twilio account SID and auth token for signon" }, { parent: this });
    new aws.secretsmanager.SecretVersion(
      name,
      {
        secretId: this.secret.id,
        secretString: pulumi.secret(pulumi.jsonStringify({ accountSid: args.accountSid, authToken: args.authToken })),
      },
      { parent: this },
    );
    this.secretName = this.secret.name;
    this.secretArn = this.secret.arn;
    this.registerOutputs({ secretName: this.secretName, secretArn: this.secretArn });
  }
}
