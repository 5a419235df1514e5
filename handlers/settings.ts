/**
 * Reads a handler's settings and the Twilio credentials from Parameter Store at run time,
 * cached per container. The credentials come through Parameter Store's pass-through to
 * Secrets Manager, so one SDK client serves both and nothing secret sits in the environment.
 */
import { GetParameterCommand, GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import {
  environmentVariables,
  secretsManagerReferencePrefix,
  settingParameterName,
  type SettingKey,
} from "../config/settings";

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export interface HandlerSettings<K extends SettingKey> {
  values: Record<K, string>;
  twilio: TwilioCredentials;
}

export type SettingsReader<K extends SettingKey> = () => Promise<HandlerSettings<K>>;

/** A failure to read settings; its message names parameters, never values. */
function settingsError(message: string): Error {
  return Object.assign(new Error(message), { name: "SettingsError" });
}

export function isSettingsError(error: unknown): error is Error {
  return error instanceof Error && error.name === "SettingsError";
}

export interface SettingsReaderOptions {
  env?: NodeJS.ProcessEnv;
  /** How long values are reused; a changed parameter is picked up after this. */
  cacheMs?: number;
}

function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw settingsError(`environment variable ${name} is not set`);
  return value;
}

function parseCredentials(secretString: string | undefined): TwilioCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? "");
  } catch {
    parsed = undefined;
  }
  const { accountSid, authToken } = (parsed ?? {}) as Partial<TwilioCredentials>;
  if (typeof accountSid !== "string" || typeof authToken !== "string" || !accountSid || !authToken) {
    throw settingsError("the Twilio secret is not JSON with accountSid and authToken");
  }
  return { accountSid, authToken };
}

export function createSettingsReader<K extends SettingKey>(
  keys: readonly K[],
  { env = process.env, cacheMs = 5 * 60_000 }: SettingsReaderOptions = {},
): SettingsReader<K> {
  const ssm = new SSMClient({});
  let cached: { expires: number; settings: Promise<HandlerSettings<K>> } | undefined;

  async function load(): Promise<HandlerSettings<K>> {
    const parameterPath = requiredEnv(env, environmentVariables.parameterPath);
    const secretName = requiredEnv(env, environmentVariables.twilioSecretName);
    const names = keys.map((key) => settingParameterName(parameterPath, key));
    const [parameters, secret] = await Promise.all([
      ssm.send(new GetParametersCommand({ Names: names })),
      ssm.send(new GetParameterCommand({ Name: `${secretsManagerReferencePrefix}${secretName}`, WithDecryption: true })),
    ]);
    const byName = new Map((parameters.Parameters ?? []).map((parameter) => [parameter.Name, parameter.Value]));
    const missing = names.filter((name) => !byName.get(name));
    if (missing.length > 0) throw settingsError(`missing parameters ${missing.join(", ")}`);
    const values = Object.fromEntries(keys.map((key, index) => [key, byName.get(names[index])])) as Record<K, string>;
    return { values, twilio: parseCredentials(secret.Parameter?.Value) };
  }

  return () => {
    const now = Date.now();
    if (!cached || cached.expires <= now) {
      const settings = load();
      cached = { expires: now + cacheMs, settings };
      // A failed read is not kept: the next invocation tries again.
      settings.catch(() => {
        if (cached?.settings === settings) cached = undefined;
      });
    }
    return cached.settings;
  };
}
