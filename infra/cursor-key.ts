import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * The key the export seals its cursors with (handlers/export-cursor.ts): 32 random bytes, base64,
 * drawn once per stack and held in Secrets Manager, so another stack's cursor never opens here.
 * Replacing it only makes cursors already given out a 400: the secretary starts the export again.
 */
export class CursorKey extends pulumi.ComponentResource {
  /** The name the export references through `/aws/reference/secretsmanager/<name>`. */
  readonly secretName: pulumi.Output<string>;
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("signon:secrets:CursorKey", name, {}, opts);
    const key = new random.RandomBytes(name, { length: 32 }, { parent: this });
    // Auto-named, as the Twilio secret is (infra/twilio-secret.ts): a destroyed stack's never blocks the next.
    const secret = new aws.secretsmanager.Secret(name, { description: "Key sealing the signon export's cursors" }, { parent: this });
    new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString: key.base64 }, { parent: this });
    this.secretName = secret.name;
    this.secretArn = secret.arn;
    this.registerOutputs({ secretName: this.secretName, secretArn: this.secretArn });
  }
}
