/**
 * A registration's payment link from the stack's provider, shared by the webhook (the submission's
 * reply) and the reminders run (a link GoCardless could not give then, or a fresh one after expiry):
 * the provider made from the settings and its secret, the ask bounded in time, the billing
 * request's reference written before anyone is sent its link (the payments route finds the
 * registration by it), and the link kept on the registration with a write conditional on its version.
 */
import type { RegistrationStore } from "../aws/registration-store";
import { createPaymentSecretsReader, type PaymentSecretsReader } from "../aws/settings-reader";
import type { StoredRegistration } from "../aws/stored-registration";
import type { SettingKey } from "../config/settings";
import { paymentLinkRequest } from "../domain/payment-link";
import type { PaymentLinkOutcome, PaymentProvider } from "../payments/payment-provider";
import type { AwsCallScope } from "../plumbing/aws-call-scope";
import { inTime } from "../plumbing/in-time";
import type { Log } from "../plumbing/log";
import { paymentProviderCache, takesPayments } from "./payment-provider-for";

/** The settings asking for a link reads: the provider, and the club and return page its request names. */
type PaymentLinkSettingKey = Extract<SettingKey, "clubName" | "paymentProvider" | "paymentsEnvironment" | "paymentReturnUrl">;

/** Another writer (the parent's next message, the payments route) may win each race; a few more tries settle it. */
const recordAttempts = 3;

/** The provider for the stack's settings, its secret read only in a stack that has one; undefined without. */
export function paymentProviderOf(env: NodeJS.ProcessEnv, awsCalls: AwsCallScope, readPaymentSecrets?: PaymentSecretsReader) {
  const readSecrets = readPaymentSecrets ?? createPaymentSecretsReader({ env, awsCalls });
  const providerFor = paymentProviderCache(env);
  return async (values: Record<PaymentLinkSettingKey, string>): Promise<PaymentProvider | undefined> =>
    takesPayments(values) ? providerFor(values, await readSecrets()) : undefined;
}

/**
 * A link for `registration`: a fresh page for its billing request when it has one (the old link
 * expired), a new request otherwise (the same one again, by its Idempotency-Key, if an earlier try's
 * answer was lost). The request's reference is written before the link is handed back. No link is
 * logged `payment_link_unavailable` with why (GoCardless's code, or a fee that is not an amount).
 */
export async function askForPaymentLink(
  provider: PaymentProvider,
  registration: StoredRegistration,
  values: Record<PaymentLinkSettingKey, string>,
  { store, timeoutMs, log }: { store: RegistrationStore; timeoutMs: number; log: Log },
): Promise<PaymentLinkOutcome | { outcome: "not_an_amount" }> {
  const outcome = await linkFor(provider, registration, values, { store, timeoutMs });
  const { registration_id } = registration;
  if (outcome.outcome === "unavailable") {
    log("warn", "payment_link_unavailable", { registration_id, error: outcome.code, status: outcome.httpStatus });
  } else if (outcome.outcome === "not_an_amount") {
    log("warn", "payment_link_unavailable", { registration_id, detail: "membership_fee" });
  }
  return outcome;
}

async function linkFor(
  provider: PaymentProvider,
  registration: StoredRegistration,
  values: Record<PaymentLinkSettingKey, string>,
  { store, timeoutMs }: { store: RegistrationStore; timeoutMs: number },
): Promise<PaymentLinkOutcome | { outcome: "not_an_amount" }> {
  const request = paymentLinkRequest(registration, { clubName: values.clubName, redirectUrl: values.paymentReturnUrl });
  if (!request) return { outcome: "not_an_amount" };
  if (timeoutMs <= 0) return { outcome: "unavailable", code: "out_of_time" };
  const requestId = registration.payment?.request_id;
  const asked = requestId ? provider.createFreshLink(requestId, request) : provider.createPaymentLink(request);
  const late: PaymentLinkOutcome = { outcome: "unavailable", code: "timeout" };
  const outcome = await inTime(
    asked.catch(() => late),
    timeoutMs,
    late,
  );
  if (outcome.outcome === "created" && outcome.link.requestId !== requestId) {
    await store.putPaymentReference(outcome.link.requestId, registration);
  }
  return outcome;
}

/**
 * `change` applied to the registration as it stands, written conditional on its version, read again
 * and re-applied after a lost race. The registration as written; undefined when `change` has
 * nothing to do, the registration is gone, or the races went on.
 */
export async function changeRegistration(
  store: RegistrationStore,
  registration: StoredRegistration,
  change: (current: StoredRegistration) => StoredRegistration | undefined,
): Promise<StoredRegistration | undefined> {
  let current = registration;
  for (let attempt = 1; attempt <= recordAttempts; attempt++) {
    const next = change(current);
    if (!next) return undefined;
    if (await store.replace(current, next)) return next;
    const found = (await store.readParent(current.parent_tel)).registrations.find(
      (read) => read.registration_id === registration.registration_id,
    );
    if (!found) return undefined;
    current = found;
  }
  return undefined;
}
