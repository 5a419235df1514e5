import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, type StackConfig } from "./schema";

export interface LoadedStackConfig extends StackConfig {
  twilioAccountSid: pulumi.Output<string>;
  twilioAuthToken: pulumi.Output<string>;
  apiKey?: pulumi.Output<string>;
}

/**
 * Reads and validates the `signon:` namespace. A problem stops `pulumi up` before any
 * resource is touched, with every bad key listed (and no secret value shown).
 */
export function loadStackConfig(config: pulumi.Config, stack: string): LoadedStackConfig {
  try {
    const { settings } = parseStackConfig(
      {
        club: config.getObject("club"),
        twilio: config.getObject("twilio"),
        registration: config.getObject("registration"),
        api: config.getObject("api"),
      },
      {
        twilioAccountSid: config.get("twilioAccountSid"),
        twilioAuthToken: config.get("twilioAuthToken"),
        apiKey: config.get("apiKey"),
      },
      stack,
    );
    return {
      ...settings,
      twilioAccountSid: config.requireSecret("twilioAccountSid"),
      twilioAuthToken: config.requireSecret("twilioAuthToken"),
      apiKey: config.getSecret("apiKey"),
    };
  } catch (error) {
    // RunError prints the message alone, without a stack trace.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
