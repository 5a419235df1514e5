/**
 * POST /payments/gocardless: GoCardless's webhook (PAYMENTS.md, "GoCardless calls back"), and
 * GET /payments/thanks, the page GoCardless's hosted page sends the parent back to.
 *
 * A webhook's `Webhook-Signature` is checked against the raw body first; then each event finds
 * its registration through its resource's reference (aws/payment-store.ts), and the events of one
 * registration are applied together (domain/payments.ts: each once, by its id, statuses forward
 * only) in one write conditional on the record's version, read again after a lost race. A fulfilled
 * billing request brings the fee's payment and the mandate (read from GoCardless), and the
 * monthly subscription is made on the mandate. An event that overtook its resource's reference
 * waits in that reference's partition and is applied once the reference is written; an event
 * for a resource signon never learns of waits there until it expires.
 *
 * The answer: 204 once every event is stored (applied, waiting, or ignored as signon's to
 * ignore); 500 when one could not be, so GoCardless sends the batch again, and the events
 * already applied are skipped by their ids. GoCardless not answering while the subscription is
 * made is not such a case: what was learnt is stored, 204, and the subscription is asked for
 * again with the registration's next event (the mandate's events follow the fulfilled request's).
 */
import { createHash } from "node:crypto";
import type { APIGatewayProxyResult } from "aws-lambda";
import { createPaymentStore, type LinkedEvent, type PaymentStore } from "../aws/payment-store";
import { createPaymentSecretsReader, type PaymentSecretsReader, type SettingsReader } from "../aws/settings-reader";
import type { ParentContact, StoredRegistration } from "../aws/stored-registration";
import { paymentReturnPath, type SettingKey } from "../config/settings";
import { penceOf, poundsAmount } from "../domain/money";
import { applyPaymentEvent, noPayment, type PaymentEffect, type RecordedPayment, recordSubscription } from "../domain/payments";
import { insideWhatsAppWindow } from "../domain/reminders";
import { isGoCardlessSignatureValid } from "../gocardless/webhook-signature";
import type { PaymentProvider } from "../payments/payment-provider";
import { answerProxyInvocation, logFailure } from "../plumbing/answer-logged";
import { bodyText, bytesTooLarge, headerValue, type ProxyHandler, plainTextResponse } from "../plumbing/api-gateway-event";
import { inTime } from "../plumbing/in-time";
import type { Log } from "../plumbing/log";
import { createMessagesClient, type MessagesClient } from "../twilio/messages-client";
import type { FunctionDeclaration, HandlerWiring } from "./function-declaration";
import { handlerSetup } from "./handler-setup";
import { paymentProviderCache, takesPayments } from "./payment-provider-for";

/** The settings the payments function reads: its role may read these parameters and no others. */
export const paymentsSettingKeys = [
  "paymentProvider",
  "paymentsEnvironment",
  "subscriptionMonths",
  // The thank-you page and message, and the subscription's name.
  "clubName",
  // The sender of the thank-you message.
  "whatsappNumber",
] as const satisfies readonly SettingKey[];
export type PaymentsSettingKey = (typeof paymentsSettingKeys)[number];

export interface PaymentsDependencies extends Pick<HandlerWiring, "env" | "writeLog"> {
  readSettings: SettingsReader<PaymentsSettingKey>;
  readPaymentSecrets: PaymentSecretsReader;
  store: PaymentStore;
  messagesClient: MessagesClient;
  clock: () => Date;
}

const signatureHeader = "Webhook-Signature";
/** GoCardless sends at most this many events in one request. */
export const maxEventsPerRequest = 250;
/** 250 events of GoCardless's are some 150 KB; the handlers' usual 64 KB would refuse a full batch. */
const maxWebhookBytes = 1024 * 1024;
/** The parent's conversation may win a race or two. */
const writeAttempts = 5;
/** Event ids kept on the record: enough for a registration's events over a season, each applied once. */
const appliedEventsKept = 50;
/** Registrations settled at once: a batch of 250 events is answered well inside GoCardless's 10 s. */
const parallelRegistrations = 8;
/** Room left for the answer, and the least time worth starting a call to GoCardless or Twilio with. */
const answerMarginMs = 1_000;
const shortestCallMs = 1_000;

/** Each resource signon follows, and the link that names its id in an event. */
const linkOfResource = {
  billing_requests: "billing_request",
  payments: "payment",
  mandates: "mandate",
  subscriptions: "subscription",
} as const;
type FollowedResource = keyof typeof linkOfResource;
const isFollowed = (resource: string): resource is FollowedResource => Object.hasOwn(linkOfResource, resource);

// GoCardless's ids: a prefix and letters and digits (EV0123ABCD, PM0123ABCD).
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
const actionPattern = /^[a-z_]{1,64}$/;

type ParsedBody = { events: LinkedEvent[]; ignored: number } | { problem: string };

/** The events of GoCardless's body that signon follows, or what is wrong with it. */
function eventsOf(text: string): ParsedBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problem: "the body is not JSON" };
  }
  const events = (body as { events?: unknown } | null)?.events;
  if (typeof body !== "object" || body === null || !Array.isArray(events)) {
    return { problem: "the body must be a JSON object with an events array" };
  }
  if (events.length > maxEventsPerRequest) {
    return { problem: `events holds ${events.length} events; GoCardless sends at most ${maxEventsPerRequest}` };
  }
  const followed: LinkedEvent[] = [];
  for (const [index, event] of events.entries()) {
    const at = `events[${index}]`;
    if (typeof event !== "object" || event === null || Array.isArray(event)) return { problem: `${at} must be an object` };
    const { id, resource_type, action, created_at, links } = event as Record<string, unknown>;
    if (typeof id !== "string" || !idPattern.test(id)) return { problem: `${at}.id must be GoCardless's event id` };
    if (typeof resource_type !== "string" || !actionPattern.test(resource_type)) return { problem: `${at}.resource_type is missing` };
    if (typeof action !== "string" || !actionPattern.test(action)) return { problem: `${at}.action is missing` };
    if (typeof created_at !== "string" || Number.isNaN(Date.parse(created_at))) return { problem: `${at}.created_at must be a time` };
    if (!isFollowed(resource_type)) continue;
    const link = linkOfResource[resource_type];
    const resourceId = typeof links === "object" && links !== null ? (links as Record<string, unknown>)[link] : undefined;
    if (typeof resourceId !== "string" || !idPattern.test(resourceId)) return { problem: `${at}.links.${link} must be GoCardless's id` };
    followed.push({ resourceId, event: { id, resource: resource_type, action, at: new Date(created_at).toISOString() } });
  }
  return { events: followed, ignored: events.length - followed.length };
}

/** `values` run through `work`, at most `limit` at a time. */
async function eachLimited<T, R>(values: readonly T[], limit: number, work: (value: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(values.length);
  let next = 0;
  const worker = async () => {
    while (next < values.length) {
      const index = next++;
      results[index] = await work(values[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, values.length) }, worker));
  return results;
}

/** A flat record compared whatever the order of its keys. */
const sameRecord = (a: object, b: object) => {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return JSON.stringify(a, keys) === JSON.stringify(b, keys);
};

const htmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => htmlEscapes[character]);

const pageStyle =
  "body{margin:0;font-family:system-ui,sans-serif;font-size:1.125rem;line-height:1.5;color:#1a1a1a;background:#fff}" +
  "main{max-width:32rem;margin:0 auto;padding:2rem 1.25rem}h1{font-size:1.5rem;margin:0 0 1rem}";
/** As the board's (handlers/board/board-page.ts): nothing runs, nothing loads, the one style block by its hash. */
const pageSecurityHeaders: Readonly<Record<string, string>> = {
  "Content-Security-Policy": `default-src 'none'; style-src 'sha256-${createHash("sha256").update(pageStyle).digest("base64")}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/** The page GoCardless's hosted page returns the parent to: all done, back to the chat. */
export function thanksPage(clubName: string): APIGatewayProxyResult {
  const club = escapeHtml(clubName);
  const html = [
    "<!doctype html>",
    '<html lang="en-GB">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Thank you — ${club}</title><style>${pageStyle}</style></head>`,
    `<body><main><p>${club}</p><h1>Thank you — you can close this page and go back to WhatsApp</h1></main></body>`,
    "</html>",
  ].join("\n");
  return {
    statusCode: 200,
    headers: { ...pageSecurityHeaders, "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
    body: html,
  };
}

/** "Thank you: Urmston Town has received £40, and your £26 monthly Direct Debit is set up." */
export const thankYouText = (clubName: string, registration: Pick<StoredRegistration, "membership_fee" | "subscription_fee">) =>
  `Thank you: ${clubName} has received £${poundsAmount(registration.membership_fee) ?? registration.membership_fee}, and your £${
    poundsAmount(registration.subscription_fee) ?? registration.subscription_fee
  } monthly Direct Debit is set up.`;

type Settled = "stored" | "not_stored";

export function createPaymentsHandler(
  declaration: FunctionDeclaration<PaymentsSettingKey>,
  dependencies: Partial<PaymentsDependencies> = {},
): ProxyHandler {
  const { env, awsCalls, readSettings, writeLog, route, metrics } = handlerSetup(declaration, dependencies);
  const readPaymentSecrets = dependencies.readPaymentSecrets ?? createPaymentSecretsReader({ env, awsCalls });
  const store = dependencies.store ?? createPaymentStore(env, awsCalls);
  const messagesClient = dependencies.messagesClient ?? createMessagesClient({ apiBaseUrl: env.TWILIO_API_BASE_URL });
  const clock = dependencies.clock ?? (() => new Date());
  const providerFor = paymentProviderCache(env);

  /** One request's events: the provider, the time left, and what the request found. */
  interface Batch {
    log: Log;
    values: Record<PaymentsSettingKey, string>;
    twilio: Awaited<ReturnType<SettingsReader<PaymentsSettingKey>>>["twilio"];
    provider: PaymentProvider;
    now: Date;
    /** Epoch ms by which the answer must be on its way. */
    deadline: number;
  }

  /** The provider's answer, or `late` when it would come after the deadline. */
  async function beforeDeadline<T>(batch: Batch, call: () => Promise<T>): Promise<T | "late"> {
    const left = batch.deadline - Date.now();
    return left < shortestCallMs ? "late" : inTime(call(), left, "late" as const);
  }

  async function thankParent(batch: Batch, registration: StoredRegistration, contact: ParentContact | undefined) {
    const { log, values, twilio, now } = batch;
    const { registration_id } = registration;
    if (contact?.opted_out) return log("info", "parent_not_thanked", { registration_id, detail: "opted_out" });
    if (!insideWhatsAppWindow(contact, now))
      return log("info", "parent_not_thanked", { registration_id, detail: "outside_whatsapp_window" });
    const outcome = await messagesClient.sendText(
      twilio,
      {
        from: `whatsapp:${values.whatsappNumber}`,
        to: `whatsapp:${registration.parent_tel}`,
        body: thankYouText(values.clubName, registration),
      },
      batch.deadline,
    );
    if (outcome.outcome === "sent") log("info", "parent_thanked", { registration_id, message_sid: outcome.sid });
    else
      log("warn", "parent_not_thanked", {
        registration_id,
        detail: outcome.outcome,
        twilio_status: outcome.httpStatus,
        twilio_code: outcome.outcome === "refused" ? outcome.code : undefined,
      });
  }

  /** The monthly payments on the mandate: one per registration, by the client's Idempotency-Key. */
  async function createSubscription(
    batch: Batch,
    registration: StoredRegistration,
    mandateId: string,
  ): Promise<{ id: string } | "not_created"> {
    const { log, values, provider } = batch;
    const amountPence = penceOf(registration.subscription_fee);
    const outcome =
      amountPence === undefined
        ? undefined
        : await beforeDeadline(batch, () =>
            provider.createSubscription({
              registrationId: registration.registration_id,
              mandateId,
              amountPence,
              months: Number(values.subscriptionMonths),
              name: `${values.clubName} ${registration.season}`,
            }),
          );
    if (outcome !== undefined && outcome !== "late" && outcome.outcome === "created") return { id: outcome.subscriptionId };
    log("warn", "subscription_not_created", {
      registration_id: registration.registration_id,
      detail: outcome === undefined ? "subscription_fee" : outcome === "late" ? "deadline" : outcome.code,
      provider_status: outcome === undefined || outcome === "late" ? undefined : outcome.httpStatus,
    });
    return "not_created";
  }

  /**
   * Applies one registration's events, with those waiting for its resources, in one write on the
   * version read; again after a lost race, and once more after references are written, for the
   * events that were waiting on them.
   */
  async function settle(batch: Batch, registrationId: string, events: readonly LinkedEvent[]): Promise<Settled> {
    const { log, provider, now } = batch;
    let arriving = events;
    let written: Settled | undefined;
    // Asked once per request: a pass after a lost race reuses what GoCardless made, and after it did not answer does not wait again.
    let subscription: { id: string } | "not_created" | undefined;
    for (let attempt = 1; attempt <= writeAttempts; attempt++) {
      const read = await store.readRegistration(registrationId);
      if (read.found !== "registration") {
        log("info", "payment_events_ignored", { registration_id: registrationId, detail: read.found, count: arriving.length });
        return written ?? "stored";
      }
      const { registration, contact } = read;
      const before: RecordedPayment = registration.payment ?? noPayment;
      const known = [...new Set([before.payment_id, before.mandate_id, before.subscription_id].filter((id) => id !== undefined))];
      // At most what one transaction takes beside the record and its references; the rest at the next event.
      const waiting = (await store.readPending(known)).slice(0, 90);
      const applied = new Set(before.applied_event_ids ?? []);
      const fresh = [...arriving, ...waiting].filter(({ event }, index, all) => {
        if (applied.has(event.id)) return false;
        return all.findIndex((other) => other.event.id === event.id) === index;
      });

      let payment: RecordedPayment = { ...before };
      let stored: Settled = "stored";
      const fulfilled = fresh.find(({ event }) => event.resource === "billing_requests" && event.action === "fulfilled");
      let unreadFulfilled: string | undefined;
      if (fulfilled && payment.mandate_id === undefined) {
        const outcome = await beforeDeadline(batch, () => provider.readFulfilledRequest(fulfilled.resourceId));
        if (outcome !== "late" && outcome.outcome === "fulfilled") {
          payment = {
            ...payment,
            payment_id: outcome.paymentId ?? payment.payment_id,
            mandate_id: outcome.mandateId ?? payment.mandate_id,
          };
        } else if (outcome === "late" || outcome.outcome === "unavailable") {
          // Nothing learnt: the event is not taken, and GoCardless sends it again.
          unreadFulfilled = fulfilled.event.id;
          stored = "not_stored";
          log("warn", "payment_request_unread", {
            registration_id: registrationId,
            detail: outcome === "late" ? "deadline" : outcome.code,
            provider_status: outcome === "late" ? undefined : outcome.httpStatus,
          });
        } else {
          log("warn", "payment_request_not_fulfilled", {
            registration_id: registrationId,
            detail: outcome.outcome === "not_found" ? "not_found" : outcome.status,
          });
        }
      }

      const effects: PaymentEffect[] = [];
      const taken = fresh.filter(({ event }) => event.id !== unreadFulfilled);
      for (const { event } of taken) {
        const outcome = applyPaymentEvent(payment, event, now);
        payment = { ...payment, ...outcome.state };
        effects.push(...outcome.effects);
      }
      if (taken.length > 0) {
        payment.applied_event_ids = [...(before.applied_event_ids ?? []), ...taken.map(({ event }) => event.id)].slice(-appliedEventsKept);
      }

      // Owed whenever the mandate is known and no subscription is: after a fulfilled request, or GoCardless not answering then.
      if (payment.mandate_id !== undefined && payment.subscription_id === undefined && subscription === undefined) {
        subscription = await createSubscription(batch, registration, payment.mandate_id);
      }
      if (payment.subscription_id === undefined && typeof subscription === "object") {
        payment = { ...payment, ...recordSubscription(payment, subscription.id) };
      }

      const references = [payment.payment_id, payment.mandate_id, payment.subscription_id].filter(
        (id): id is string => id !== undefined && !known.includes(id),
      );
      if (sameRecord(payment, before) && references.length === 0 && waiting.length === 0) {
        if (arriving.length > 0) log("info", "payment_events_repeated", { registration_id: registrationId, count: arriving.length });
        return written ?? stored;
      }
      const takenWaiting = waiting.filter(({ event }) => event.id !== unreadFulfilled);
      if (!(await store.writePayment({ registration, payment, updatedAt: now.toISOString(), references, taken: takenWaiting }))) {
        log("info", "payment_conflict", { registration_id: registrationId, attempts: attempt });
        continue;
      }
      written = written === "not_stored" ? written : stored;
      log("info", "payment_recorded", {
        registration_id: registrationId,
        detail: [...new Set(taken.map(({ event }) => `${event.resource}.${event.action}`))].join(","),
        count: taken.length,
      });
      // Once per fee: the write is conditional on the version read, and an event applied is not applied again.
      if (payment.fee_status !== before.fee_status && payment.fee_status === "paid") metrics("PaymentsReceived");
      if (payment.fee_status !== before.fee_status && payment.fee_status === "failed") metrics("PaymentsFailed");
      if (effects.some((effect) => effect.kind === "thank_parent")) await thankParent(batch, registration, contact);
      // Events that overtook these references wait under them: the next pass takes them.
      if (references.length === 0) return written;
      arriving = [];
    }
    log("warn", "payment_not_recorded", { registration_id: registrationId, attempts: writeAttempts });
    return "not_stored";
  }

  /** Every event stored somewhere: under its registration, waiting for its reference, or ignored. */
  async function storeEvents(batch: Batch, events: readonly LinkedEvent[]): Promise<Settled[]> {
    const { log, now } = batch;
    const resourceIds = [...new Set(events.map(({ resourceId }) => resourceId))];
    const registrationOf = new Map(
      await eachLimited(resourceIds, parallelRegistrations, async (id) => [id, await store.findReference(id)] as const),
    );
    const byRegistration = new Map<string, LinkedEvent[]>();
    const addTo = (registrationId: string, linked: LinkedEvent) =>
      byRegistration.set(registrationId, [...(byRegistration.get(registrationId) ?? []), linked]);
    const unreferenced = events.filter((linked) => {
      const registrationId = registrationOf.get(linked.resourceId);
      if (registrationId !== undefined) addTo(registrationId, linked);
      return registrationId === undefined;
    });
    const kept = await eachLimited(unreferenced, parallelRegistrations, async (linked): Promise<Settled> => {
      const detail = `${linked.event.resource}.${linked.event.action}`;
      // signon writes a billing request's reference as it makes the link: one it has not is none of its own.
      if (linked.event.resource === "billing_requests") {
        log("info", "payment_event_unknown", { detail });
        return "stored";
      }
      if ((await store.keepPending(linked, now)) === "kept") {
        log("info", "payment_event_waiting", { detail });
        return "stored";
      }
      // Its reference was written meanwhile.
      const registrationId = await store.findReference(linked.resourceId);
      if (registrationId !== undefined) addTo(registrationId, linked);
      return "stored";
    });
    const settled = await eachLimited([...byRegistration], parallelRegistrations, async ([registrationId, linked]) => {
      try {
        return await settle(batch, registrationId, linked);
      } catch (error) {
        // One registration's failure leaves the others' events stored; GoCardless sends the batch again.
        logFailure(log, error);
        return "not_stored" as const;
      }
    });
    return [...kept, ...settled];
  }

  async function respondToWebhook(event: Parameters<ProxyHandler>[0], log: Log, remainingMs: number): Promise<APIGatewayProxyResult> {
    const deadline = Date.now() + remainingMs - answerMarginMs;
    const text = bodyText(event);
    const tooLarge = bytesTooLarge(Buffer.byteLength(text), maxWebhookBytes);
    if (tooLarge) return plainTextResponse(413, `Payload too large: ${tooLarge}`);
    const { values, twilio } = await readSettings();
    if (!takesPayments(values)) {
      log("warn", "payments_not_taken");
      return plainTextResponse(404, "Not found: this club takes no payments through GoCardless.");
    }
    const secrets = await readPaymentSecrets();
    if (!isGoCardlessSignatureValid(text, headerValue(event, signatureHeader), secrets.webhookSecret)) {
      log("warn", "payments_signature_refused");
      // GoCardless's advice for a signature that does not match: 498 Token Invalid.
      return plainTextResponse(498, `Invalid token: ${signatureHeader} does not match this body`);
    }
    const parsed = eventsOf(text);
    if ("problem" in parsed) {
      log("warn", "payments_body_rejected");
      return plainTextResponse(400, `Bad request: ${parsed.problem}`);
    }
    const provider = providerFor(values, secrets)!;
    const outcomes = await storeEvents({ log, values, twilio, provider, now: clock(), deadline }, parsed.events);
    const notStored = outcomes.filter((outcome) => outcome === "not_stored").length;
    log(notStored > 0 ? "warn" : "info", "payment_events_done", {
      count: parsed.events.length,
      detail: `ignored ${parsed.ignored}, not stored ${notStored}`,
    });
    if (notStored > 0) return plainTextResponse(500, "signon could not store every event; please send them again.");
    return { statusCode: 204, headers: { "Cache-Control": "no-store" }, body: "" };
  }

  return async (event, context) => {
    const { timeoutSeconds } = declaration;
    const thanks = event.httpMethod === "GET";
    const remainingMs = context?.getRemainingTimeInMillis() ?? timeoutSeconds * 1000;
    const respond = async (log: Log): Promise<APIGatewayProxyResult> =>
      thanks ? thanksPage((await readSettings()).values.clubName) : respondToWebhook(event, log, remainingMs);
    return answerProxyInvocation(
      awsCalls,
      { event, context, route: thanks ? `GET ${paymentReturnPath}` : route, timeoutSeconds, writeLog },
      respond,
      () =>
        plainTextResponse(
          500,
          thanks ? "signon could not show this page; please try again." : "signon could not take these events; please send them again.",
        ),
    );
  };
}
