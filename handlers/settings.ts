/**
 * Reads a handler's settings and the Twilio credentials from Parameter Store at run time,
 * cached per container. The credentials come through Parameter Store's pass-through to
 * Secrets Manager, so one API serves both and nothing secret sits in the environment.
 * Parameter Store is called with a signed request of our own: loading the AWS SDK's SSM
 * client would cost a cold start more than the whole webhook otherwise does.
 */
import {
  environmentVariables,
  secretsManagerReferencePrefix,
  settingParameterName,
  type SettingKey,
} from "../config/settings";
import { jsonObject } from "./json";
import { createRequestSender, type SendRequest } from "./request";
import { signedPostHeaders } from "./sigv4";

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
  const { accountSid, authToken } = jsonObject(secretString ?? "");
  if (typeof accountSid !== "string" || typeof authToken !== "string" || !accountSid || !authToken) {
    throw settingsError("the Twilio secret is not JSON with accountSid and authToken");
  }
  return { accountSid, authToken };
}

type SsmParameter = { Name?: string; Value?: string };

/** An error as the AWS SDK would raise it: named after the API's error type (e.g. ParameterNotFound). */
function awsError(type: unknown, status: number): Error {
  const name = typeof type === "string" && type ? type.split("#").pop()!.split(":")[0] : `HTTP${status}`;
  return Object.assign(new Error(`SSM answered ${name}`), { name });
}

/** Calls one Parameter Store action with the function's own credentials, at AWS_ENDPOINT_URL when set. */
async function callSsm(send: SendRequest, env: NodeJS.ProcessEnv, action: string, input: object): Promise<Record<string, unknown>> {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || requiredEnv(env, "AWS_REGION");
  const url = new URL(env.AWS_ENDPOINT_URL_SSM || env.AWS_ENDPOINT_URL || `https://ssm.${region}.amazonaws.com`);
  const body = JSON.stringify(input);
  const credentials = {
    accessKeyId: requiredEnv(env, "AWS_ACCESS_KEY_ID"),
    secretAccessKey: requiredEnv(env, "AWS_SECRET_ACCESS_KEY"),
    sessionToken: env.AWS_SESSION_TOKEN,
  };
  const headers = signedPostHeaders({
    url,
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AmazonSSM.${action}` },
    body,
    credentials,
    region,
    service: "ssm",
  });
  const response = await send({ url, method: "POST", headers, body, timeoutMs: 5_000 });
  // An unreadable answer is reported by its HTTP status.
  const answer = jsonObject(response.body);
  if (response.status !== 200) throw awsError(answer.__type, response.status);
  return answer;
}

export function createSettingsReader<K extends SettingKey>(
  keys: readonly K[],
  { env = process.env, cacheMs = 5 * 60_000 }: SettingsReaderOptions = {},
): SettingsReader<K> {
  const send = createRequestSender();
  let cached: { expires: number; settings: Promise<HandlerSettings<K>> } | undefined;

  async function load(): Promise<HandlerSettings<K>> {
    const parameterPath = requiredEnv(env, environmentVariables.parameterPath);
    const secretName = requiredEnv(env, environmentVariables.twilioSecretName);
    const names = keys.map((key) => settingParameterName(parameterPath, key));
    const [parameters, secret] = await Promise.all([
      callSsm(send, env, "GetParameters", { Names: names }),
      callSsm(send, env, "GetParameter", { Name: `${secretsManagerReferencePrefix}${secretName}`, WithDecryption: true }),
    ]);
    const byName = new Map(((parameters.Parameters ?? []) as SsmParameter[]).map((parameter) => [parameter.Name, parameter.Value]));
    const missing = names.filter((name) => !byName.get(name));
    if (missing.length > 0) throw settingsError(`missing parameters ${missing.join(", ")}`);
    const values = Object.fromEntries(keys.map((key, index) => [key, byName.get(names[index])])) as Record<K, string>;
    return { values, twilio: parseCredentials((secret.Parameter as SsmParameter | undefined)?.Value) };
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
