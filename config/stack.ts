import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, type StackConfig, twilioSecretsSchema } from "./schema";

export interface LoadedStackConfig extends StackConfig {
  twilioAccountSid: pulumi.Output<string>;
  twilioAuthToken: pulumi.Output<string>;
  apiKey?: pulumi.Output<string>;
  exportApiKey?: pulumi.Output<string>;
  gocardlessAccessToken?: pulumi.Output<string>;
  gocardlessWebhookSecret?: pulumi.Output<string>;
}

/**
 * A group of settings as Pulumi holds it, JSON text. Text that is not JSON (`signon:club: Sale`)
 * goes to the schema as it is, to be listed with the other problems rather than stop alone.
 */
function section(config: pulumi.Config, key: string): unknown {
  const text = config.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Every key of `config`'s namespace that the stack sets, known to signon or not (a misspelt
 * `signon:registraton` too), from the program's whole config map; secrets apart, by name only.
 */
function namespaceSections(config: pulumi.Config): Record<string, unknown> {
  const prefix = `${config.name}:`;
  const secrets: readonly string[] = Object.keys(twilioSecretsSchema.shape);
  const keys = Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length));
  return Object.fromEntries(keys.filter((key) => !secrets.includes(key)).map((key) => [key, section(config, key)]));
}

/**
 * Reads and validates the `signon:` namespace. A problem stops `pulumi up` before any
 * resource is touched, with every bad key listed (and no secret value shown).
 */
export function loadStackConfig(config: pulumi.Config, stack: string): LoadedStackConfig {
  try {
    const { settings } = parseStackConfig(
      { "aws:region": new pulumi.Config("aws").get("region"), ...namespaceSections(config) },
      {
        twilioAccountSid: config.get("twilioAccountSid"),
        twilioAuthToken: config.get("twilioAuthToken"),
        apiKey: config.get("apiKey"),
        exportApiKey: config.get("exportApiKey"),
        gocardlessAccessToken: config.get("gocardlessAccessToken"),
        gocardlessWebhookSecret: config.get("gocardlessWebhookSecret"),
      },
      stack,
    );
    return {
      ...settings,
      twilioAccountSid: config.requireSecret("twilioAccountSid"),
      twilioAuthToken: config.requireSecret("twilioAuthToken"),
      apiKey: config.getSecret("apiKey"),
      exportApiKey: config.getSecret("exportApiKey"),
      gocardlessAccessToken: config.getSecret("gocardlessAccessToken"),
      gocardlessWebhookSecret: config.getSecret("gocardlessWebhookSecret"),
    };
  } catch (error) {
    // RunError prints the message alone, without a stack trace.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
