/**
 * `npm start`'s options: the stack, the port, the API key and Twilio credentials. Each comes
 * from the command line or the environment, then `.env`, then a local default that is
 * printed at start-up so a volunteer can use it.
 */
import * as fs from "node:fs";
import { parseArgs, parseEnv } from "node:util";
import { ConfigError } from "../config/schema";
import { madeUpTwilioAccount } from "./stand-ins/twilio/ids";

export interface LocalOptions {
  stack: string;
  port: number;
  apiKey: string;
  /** The export key: GET and DELETE /registrations. */
  exportApiKey: string;
  twilioAccountSid: string;
  twilioAuthToken: string;
  /** Send through real Twilio with the given credentials instead of the built-in stand-in. */
  live: boolean;
  /** Another Twilio stand-in to send through (TWILIO_API_BASE_URL). */
  twilioApiBaseUrl?: string;
  /** Twilio Verify's base URL (the board's sign-in codes): the built-in stand-in unless set, or Verify itself with --live. */
  twilioVerifyBaseUrl?: string;
  /**
   * A stack with signon:payments: GoCardless's API (GOCARDLESS_API_BASE_URL, the built-in stand-in
   * unless set) and its secrets (GOCARDLESS_ACCESS_TOKEN, GOCARDLESS_WEBHOOK_SECRET, made up for
   * the run unless set: the built-in stand-in takes any).
   */
  goCardlessApiBaseUrl?: string;
  goCardlessAccessToken?: string;
  goCardlessWebhookSecret?: string;
  /** The settings that fell back to local defaults, to say so at start-up. */
  defaulted: string[];
}

const madeUpAccount = madeUpTwilioAccount();

/**
 * What each setting falls back to. The Twilio account is made up at each start (the built-in
 * stand-in takes it, nothing else does); the API key stays the same so scripts keep working.
 */
export const localDefaults = {
  SIGNON_API_KEY: "local-signon-api-key-not-secret",
  SIGNON_EXPORT_API_KEY: "local-signon-export-key-not-secret",
  TWILIO_ACCOUNT_SID: madeUpAccount.accountSid,
  TWILIO_AUTH_TOKEN: madeUpAccount.authToken,
  SIGNON_STACK: "dev",
  PORT: "3000",
} as const;

export const usage =
  "Usage: npm start [-- --stack <name>] [-- --live]   (PORT, SIGNON_STACK, SIGNON_API_KEY, SIGNON_EXPORT_API_KEY, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, GOCARDLESS_API_BASE_URL, GOCARDLESS_ACCESS_TOKEN, GOCARDLESS_WEBHOOK_SECRET from the environment or .env)";

function readDotEnv(file: string): Record<string, string> {
  return fs.existsSync(file) ? (parseEnv(fs.readFileSync(file, "utf8")) as Record<string, string>) : {};
}

export function localOptions(argv: string[], env: NodeJS.ProcessEnv, dotEnvFile: string): LocalOptions {
  let flags: { stack?: string; live?: boolean };
  try {
    ({ values: flags } = parseArgs({ args: argv, options: { stack: { type: "string" }, live: { type: "boolean" } } }));
  } catch (error) {
    throw new ConfigError([`${(error as Error).message}. ${usage}`]);
  }
  const dotEnv = readDotEnv(dotEnvFile);
  const defaulted: string[] = [];
  const setting = (name: keyof typeof localDefaults): string => {
    const value = env[name] || dotEnv[name];
    if (value) return value;
    defaulted.push(name);
    return localDefaults[name];
  };

  const port = Number(setting("PORT"));
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError([`PORT must be a port number such as 3000, not "${env.PORT ?? dotEnv.PORT}"`]);
  const options: LocalOptions = {
    stack: flags.stack ?? setting("SIGNON_STACK"),
    port,
    apiKey: setting("SIGNON_API_KEY"),
    exportApiKey: setting("SIGNON_EXPORT_API_KEY"),
    twilioAccountSid: setting("TWILIO_ACCOUNT_SID"),
    twilioAuthToken: setting("TWILIO_AUTH_TOKEN"),
    live: flags.live ?? false,
    twilioApiBaseUrl: env.TWILIO_API_BASE_URL || dotEnv.TWILIO_API_BASE_URL || undefined,
    twilioVerifyBaseUrl: env.TWILIO_VERIFY_BASE_URL || dotEnv.TWILIO_VERIFY_BASE_URL || undefined,
    goCardlessApiBaseUrl: env.GOCARDLESS_API_BASE_URL || dotEnv.GOCARDLESS_API_BASE_URL || undefined,
    goCardlessAccessToken: env.GOCARDLESS_ACCESS_TOKEN || dotEnv.GOCARDLESS_ACCESS_TOKEN || undefined,
    goCardlessWebhookSecret: env.GOCARDLESS_WEBHOOK_SECRET || dotEnv.GOCARDLESS_WEBHOOK_SECRET || undefined,
    defaulted,
  };
  if (options.live && (defaulted.includes("TWILIO_ACCOUNT_SID") || defaulted.includes("TWILIO_AUTH_TOKEN"))) {
    throw new ConfigError([
      "--live sends real WhatsApp messages and needs your own TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment or .env",
    ]);
  }
  return options;
}
