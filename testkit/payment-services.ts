/**
 * The local stand-ins for a stack that takes payments through GoCardless (PAYMENTS.md): the
 * settings naming the provider and a payment template, the provider's secret in the SSM stand-in
 * where SIGNON_PAYMENT_SECRET_NAME finds it, and the GoCardless stand-in GOCARDLESS_API_BASE_URL
 * points at, on a clock a test may move. The handlers read all of it as in AWS, so the uploaded
 * packages (the `package` project) are wired the same way.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { SettingKey } from "../config/settings";
import { environmentVariables } from "../config/settings";
import { type GoCardlessStandIn, startGoCardlessStandIn } from "../local/stand-ins/gocardless/stand-in";
import {
  clubSettings,
  cursorKeySecretName,
  parameterPath,
  settingsParameters,
  testCredentials,
  testCursorKey,
  twilioSecretName,
} from "./fixtures";
import type { TestWiring } from "./handler-under-test";
import { type LocalServices, startLocalServices } from "./local-services";
import { capturing, recordSensitive } from "./log-capture";

export const paymentSecretName = "signon-urmston-test-payments-0a1b2c3";
/** Drawn per run in GoCardless's shapes, so nothing resembling a real credential is committed. */
export const goCardlessSecrets = {
  accessToken: `sandbox_${randomBytes(24).toString("base64url")}`,
  webhookSecret: randomBytes(24).toString("base64url"),
};
/** An approved payment template's SID as the stack config would hold it. */
export const paymentTemplateSid = "HX5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a";

/** The dev stack's settings with GoCardless's sandbox and a payment template. */
export const paymentSettings: Record<SettingKey, string> = {
  ...clubSettings,
  paymentProvider: "gocardless",
  paymentsEnvironment: "sandbox",
  paymentTemplateSid,
};

export interface PaymentStandIns {
  services(): LocalServices;
  goCardless(): GoCardlessStandIn;
  wiring(): TestWiring;
  logLines: string[];
  /** Sets GoCardless's clock (a flow expires seven days after it is made); undefined: the real one. */
  setGoCardlessNow(now: Date | undefined): void;
}

/** Starts the stand-ins with `settings` before the file's tests and stops them after. */
export function paymentStandInsForFile(settings: Record<SettingKey, string> = paymentSettings): PaymentStandIns {
  const logLines: string[] = [];
  const writeLog = capturing((line) => logLines.push(line));
  let services: LocalServices | undefined;
  let goCardless: GoCardlessStandIn | undefined;
  let goCardlessNow: Date | undefined;
  beforeAll(async () => {
    recordSensitive("API key", [goCardlessSecrets.accessToken, goCardlessSecrets.webhookSecret]);
    services = await startLocalServices({
      parameters: settingsParameters(parameterPath, settings),
      secrets: {
        [twilioSecretName]: JSON.stringify(testCredentials),
        [cursorKeySecretName]: testCursorKey,
        [paymentSecretName]: JSON.stringify(goCardlessSecrets),
      },
    });
    goCardless = await startGoCardlessStandIn({ ...goCardlessSecrets, now: () => goCardlessNow ?? new Date() });
  });
  afterAll(async () => {
    await Promise.all([services?.close(), goCardless?.close()]);
  });
  const env = () => ({
    ...services!.env,
    [environmentVariables.paymentSecretName]: paymentSecretName,
    [environmentVariables.goCardlessApiBaseUrl]: goCardless!.url,
  });
  return {
    services: () => services!,
    goCardless: () => goCardless!,
    wiring: () => ({ env: env(), writeLog }),
    logLines,
    setGoCardlessNow: (now) => {
      goCardlessNow = now;
    },
  };
}
