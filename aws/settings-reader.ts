/**
 * Reads a handler's settings, the Twilio credentials and the export's cursor key from Parameter
 * Store at run time, cached per container. The secrets come through Parameter Store's pass-through to
 * Secrets Manager, so one API serves both and nothing secret sits in the environment.
 * Parameter Store is called with a signed request of our own: loading the AWS SDK's SSM
 * client would cost a cold start more than the whole webhook otherwise does.
 */
import { environmentVariables, type SettingKey, secretsManagerReferencePrefix, settingParameterName } from "../config/settings";
import type { AwsCallScope } from "../plumbing/aws-call-scope";
import { settingsError } from "../plumbing/errors";
import { jsonObject } from "../plumbing/json";
import { createRequestSender } from "../plumbing/outbound-http";
import type { TwilioCredentials } from "../twilio/messages-client";
import { createAwsJsonCall, requiredEnv } from "./aws-json";
import { parameterStoreRetryPolicy } from "./aws-retry";

export interface HandlerSettings<K extends SettingKey> {
  values: Record<K, string>;
  twilio: TwilioCredentials;
}

export type SettingsReader<K extends SettingKey> = () => Promise<HandlerSettings<K>>;

export interface SettingsReaderOptions {
  env?: NodeJS.ProcessEnv;
  /** How long values are reused; a changed parameter is picked up after this. */
  cacheMs?: number;
  /** The invocations whose deadline bounds the reads' retries and whose log names them. */
  awsCalls?: AwsCallScope;
}

const missingVariable = (variable: string) => settingsError(`environment variable ${variable} is not set`);

function parseCredentials(secretString: string | undefined): TwilioCredentials {
  const { accountSid, authToken } = jsonObject(secretString ?? "");
  if (typeof accountSid !== "string" || typeof authToken !== "string" || !accountSid || !authToken) {
    throw settingsError("the Twilio secret is not JSON with accountSid and authToken");
  }
  return { accountSid, authToken };
}

type SsmParameter = { Name?: string; Value?: string };

const parameterStore = { service: "ssm", targetPrefix: "AmazonSSM", jsonVersion: "1.1", retry: parameterStoreRetryPolicy } as const;

/** Reads `load` at most once per `cacheMs`; a failed read is not kept: the next invocation tries again. */
function cachedRead<T>(load: () => Promise<T>, cacheMs: number): () => Promise<T> {
  let cached: { expires: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || cached.expires <= now) {
      const value = load();
      cached = { expires: now + cacheMs, value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}

/** The settings' values, and the Twilio credentials when `withTwilio`. */
function createLoader<K extends SettingKey>(keys: readonly K[], env: NodeJS.ProcessEnv, awsCalls: AwsCallScope | undefined) {
  const callSsm = createAwsJsonCall(parameterStore, createRequestSender(), env, missingVariable, awsCalls);
  async function readValues(parameterPath: string): Promise<Record<K, string>> {
    const names = keys.map((key) => settingParameterName(parameterPath, key));
    const parameters = await callSsm("GetParameters", { Names: names });
    const byName = new Map(((parameters.Parameters ?? []) as SsmParameter[]).map((parameter) => [parameter.Name, parameter.Value]));
    const missing = names.filter((name) => !byName.get(name));
    if (missing.length > 0) throw settingsError(`missing parameters ${missing.join(", ")}`);
    return Object.fromEntries(keys.map((key, index) => [key, byName.get(names[index])])) as Record<K, string>;
  }
  async function readSecret(secretName: string): Promise<string | undefined> {
    const secret = await callSsm("GetParameter", { Name: `${secretsManagerReferencePrefix}${secretName}`, WithDecryption: true });
    return (secret.Parameter as SsmParameter | undefined)?.Value;
  }
  const readTwilio = async (secretName: string) => parseCredentials(await readSecret(secretName));
  return { readValues, readTwilio, readSecret };
}

export function createSettingsReader<K extends SettingKey>(
  keys: readonly K[],
  { env = process.env, cacheMs = 5 * 60_000, awsCalls }: SettingsReaderOptions = {},
): SettingsReader<K> {
  const { readValues, readTwilio } = createLoader(keys, env, awsCalls);
  return cachedRead(async () => {
    const parameterPath = requiredEnv(env, environmentVariables.parameterPath, missingVariable);
    const secretName = requiredEnv(env, environmentVariables.twilioSecretName, missingVariable);
    const [values, twilio] = await Promise.all([readValues(parameterPath), readTwilio(secretName)]);
    return { values, twilio };
  }, cacheMs);
}

/** The settings alone, for a function that never calls Twilio (the export): its role may not read the secret. */
export type SettingValuesReader<K extends SettingKey> = () => Promise<Pick<HandlerSettings<K>, "values">>;

export function createSettingValuesReader<K extends SettingKey>(
  keys: readonly K[],
  { env = process.env, cacheMs = 5 * 60_000, awsCalls }: SettingsReaderOptions = {},
): SettingValuesReader<K> {
  const { readValues } = createLoader(keys, env, awsCalls);
  return cachedRead(
    async () => ({ values: await readValues(requiredEnv(env, environmentVariables.parameterPath, missingVariable)) }),
    cacheMs,
  );
}

/** The payment provider's secrets (infra/payment-secret.ts). */
export interface PaymentSecrets {
  accessToken: string;
  webhookSecret: string;
}

export type PaymentSecretsReader = () => Promise<PaymentSecrets>;

/** The payment provider's secrets, read when first needed and kept as the settings are (a rotated token is picked up within `cacheMs`). */
export function createPaymentSecretsReader({
  env = process.env,
  cacheMs = 5 * 60_000,
  awsCalls,
}: SettingsReaderOptions = {}): PaymentSecretsReader {
  const { readSecret } = createLoader([], env, awsCalls);
  return cachedRead(async () => {
    const { accessToken, webhookSecret } = jsonObject(
      (await readSecret(requiredEnv(env, environmentVariables.paymentSecretName, missingVariable))) ?? "",
    );
    if (typeof accessToken !== "string" || typeof webhookSecret !== "string" || !accessToken || !webhookSecret) {
      throw settingsError("the payment secret is not JSON with accessToken and webhookSecret");
    }
    return { accessToken, webhookSecret };
  }, cacheMs);
}

/** The key the export's cursors are sealed with: 32 bytes. */
export type CursorKeyReader = () => Promise<Uint8Array>;

/**
 * The cursor key from its Secrets Manager secret (base64 of 32 random bytes, infra/cursor-key.ts),
 * read when a cursor is first sealed or opened and kept for the container's life: it never changes.
 */
export function createCursorKeyReader({ env = process.env, awsCalls }: Omit<SettingsReaderOptions, "cacheMs"> = {}): CursorKeyReader {
  const { readSecret } = createLoader([], env, awsCalls);
  return cachedRead(async () => {
    const key = Buffer.from(
      (await readSecret(requiredEnv(env, environmentVariables.cursorKeySecretName, missingVariable))) ?? "",
      "base64",
    );
    if (key.length !== 32) throw settingsError("the cursor key secret is not 32 bytes in base64");
    return key;
  }, Number.POSITIVE_INFINITY);
}
