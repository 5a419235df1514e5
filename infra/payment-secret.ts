import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PaymentSecretArgs {
  accessToken: pulumi.Input<string>;
  webhookSecret: pulumi.Input<string>;
}

/**
 * The payment provider's access token and webhook secret (PAYMENTS.md), held in Secrets Manager
 * and nowhere else, read at run time as the Twilio secret is (infra/twilio-secret.ts).
 */
export class PaymentSecret extends pulumi.ComponentResource {
  /** The name the handlers reference through `/aws/reference/secretsmanager/<name>`. */
  readonly secretName: pulumi.Output<string>;
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: PaymentSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:secrets:PaymentSecret", name, {}, opts);
    // Auto-named, as the Twilio secret is: a destroyed stack's secret never blocks the next.
    const secret = new aws.secretsmanager.Secret(
      name,
      { description: "GoCardless access token and webhook secret for signon" },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      name,
      {
        secretId: secret.id,
        secretString: pulumi.secret(pulumi.jsonStringify({ accessToken: args.accessToken, webhookSecret: args.webhookSecret })),
      },
      { parent: this },
    );
    this.secretName = secret.name;
    this.secretArn = secret.arn;
    this.registerOutputs({ secretName: this.secretName, secretArn: this.secretArn });
  }
}
