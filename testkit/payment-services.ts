/**
 * A stack that takes payments through GoCardless (PAYMENTS.md), as the tests stand it in
 * (handler-under-test.ts paymentStandInsForFile): the settings naming the provider and a payment
 * template, and the provider's secret, which the SSM stand-in holds where SIGNON_PAYMENT_SECRET_NAME
 * finds it. The handlers read all of it as in AWS, so the uploaded packages are wired the same way.
 */
import { randomBytes } from "node:crypto";
import type { SettingKey } from "../config/settings";
import { clubSettings, cursorKeySecretName, testCredentials, testCursorKey, twilioSecretName } from "./fixtures";

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

/** What the SSM stand-in holds for such a stack: its secrets, the provider's among them. */
export const paymentStackSecrets = {
  [twilioSecretName]: JSON.stringify(testCredentials),
  [cursorKeySecretName]: testCursorKey,
  [paymentSecretName]: JSON.stringify(goCardlessSecrets),
};
