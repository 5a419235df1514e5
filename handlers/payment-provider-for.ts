/**
 * The payment provider a stack's settings name, made from its secrets: GoCardless, or none (the
 * stack sends registration.paymentUrl, as before PAYMENTS.md). Handlers call this per invocation
 * with their cached settings and secrets; the client is made once per access token.
 */
import type { PaymentSecrets } from "../aws/settings-reader";
import { environmentVariables, noPaymentProvider } from "../config/settings";
import { createGoCardlessClient, type GoCardlessEnvironment, goCardlessBaseUrl } from "../gocardless/gocardless-client";
import type { PaymentProvider } from "../payments/payment-provider";

export interface PaymentProviderSettings {
  paymentProvider: string;
  paymentsEnvironment: string;
}

/** Whether the stack takes payments through a provider: its settings name one. */
export const takesPayments = (values: PaymentProviderSettings) => values.paymentProvider !== noPaymentProvider;

/** A provider per access token, so its kept-open connections are reused across invocations. */
export function paymentProviderCache(env: NodeJS.ProcessEnv) {
  let cached: { key: string; provider: PaymentProvider } | undefined;
  return (values: PaymentProviderSettings, secrets: PaymentSecrets): PaymentProvider | undefined => {
    if (!takesPayments(values)) return undefined;
    const key = `${values.paymentsEnvironment} ${secrets.accessToken}`;
    if (cached?.key !== key) {
      const baseUrl = goCardlessBaseUrl(
        values.paymentsEnvironment as GoCardlessEnvironment,
        env[environmentVariables.goCardlessApiBaseUrl],
      );
      cached = { key, provider: createGoCardlessClient(secrets.accessToken, { baseUrl }) };
    }
    return cached.provider;
  };
}
