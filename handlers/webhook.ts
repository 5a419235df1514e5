/**
 * POST /webhook: Twilio's messaging webhook. Checks Twilio's signature against the public
 * URL, then runs the parent's message through the registration conversation
 * (domain/conversation/engine.ts): reads the parent's registrations and contact in one
 * consistent Query, applies the message, and writes the result and the MessageSid's mark in one
 * transaction conditional on the versions read. Answers with TwiML carrying every reply.
 *
 * In a stack with a payment provider, a submission's reply carries the provider's link
 * (PAYMENTS.md, "The flow" 1): asked for once the submission is written, within a few seconds
 * of Twilio's fifteen, and kept on the registration. A provider out of reach loses nothing: the
 * reply says the link follows, and the reminders run sends it (handlers/reminders.ts).
 */
import { createHash } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { createMessageDeduplicator, type MessageDeduplicator } from "../aws/idempotency/message-deduplicator";
import { createStrangerReplyLimit, type StrangerReplyLimit } from "../aws/idempotency/stranger-reply-limit";
import { type ConversationWrite, createRegistrationStore, type RegistrationStore } from "../aws/registration-store";
import type { PaymentSecretsReader, SettingsReader } from "../aws/settings-reader";
import type { ParentContact, StoredRegistration } from "../aws/stored-registration";
import type { SettingKey } from "../config/settings";
import { type ConversationTurn, converse, packReplies } from "../domain/conversation/engine";
import { replies as say } from "../domain/conversation/replies";
import { buildScript, type OptionalStepId, optionalStepIds, type Script } from "../domain/conversation/script";
import { awaitsPayment, sentPaymentLink } from "../domain/payment-link";
import type { ParentState } from "../domain/registration";
import { contactRetainUntil } from "../domain/retention";
import { answerProxyInvocation } from "../plumbing/answer-logged";
import { plainTextResponse, type RemainingTime, textResponse } from "../plumbing/api-gateway-event";
import { conversationConflictError } from "../plumbing/errors";
import { errorName, type LineWriter, type Log, maskPhone } from "../plumbing/log";
import type { CountMetric } from "../plumbing/metrics";
import { twimlResponse } from "../twilio/twiml";
import { firstValue, refusalUnlessSigned, telOf, twilioRequestOf } from "../twilio/webhook-request";
import type { FunctionDeclaration } from "./function-declaration";
import { handlerSetup } from "./handler-setup";
import { askForPaymentLink, changeRegistration, paymentProviderOf } from "./payment-links";
import { takesPayments } from "./payment-provider-for";

/** The settings the webhook reads: its role may read these parameters and no others. */
export const webhookSettingKeys = [
  "webhookUrl",
  "clubName",
  "assistantName",
  // The one season a parent's message addresses (domain/conversation/engine.ts).
  "season",
  // The conversation's script (domain/conversation/script.ts).
  "codeOfConductUrl",
  "privacyNoticeUrl",
  "paymentUrl",
  "optionalSteps",
  // The payment provider, and where its page returns the parent (handlers/payment-links.ts).
  "paymentProvider",
  "paymentsEnvironment",
  "paymentReturnUrl",
] as const satisfies readonly SettingKey[];
export type WebhookSettingKey = (typeof webhookSettingKeys)[number];

export interface WebhookDependencies {
  /** The Lambda's environment unless given. */
  env: NodeJS.ProcessEnv;
  readSettings: SettingsReader<WebhookSettingKey>;
  deduplicator: MessageDeduplicator;
  strangerReplyLimit: StrangerReplyLimit;
  store: RegistrationStore;
  clock: () => Date;
  /** The payment provider's secrets, read only in a stack with a provider. */
  readPaymentSecrets: PaymentSecretsReader;
  writeLog?: LineWriter;
}

export type WebhookHandler = (event: APIGatewayProxyEvent, context?: RemainingTime) => Promise<APIGatewayProxyResult>;

const twiml = (replies: string[] = []) => textResponse(200, "text/xml", twimlResponse(...replies));

/** Enough recent MessageSids to catch Twilio's retries and a parent's double sends, small enough for one item. */
const recentMessagesKept = 50;
/** Another message from the same parent may win each race; a few more tries fit well inside Twilio's 15 s. */
const conversationAttempts = 5;

/** The longest a submission's reply waits for the payment link: well inside Twilio's 15 s with the rest of the turn. */
const paymentLinkWaitMs = 4_000;
/** Kept back from the invocation's remaining time for writing the link down and answering. */
const paymentLinkReserveMs = 3_000;

/** A MessageSid as the contact and the idempotency table keep it: a digest, so neither holds anything Twilio could look up. */
const messageMark = (messageSid: string) => createHash("sha256").update(messageSid).digest("base64url").slice(0, 22);

function parentStateOf(contact: ParentContact | undefined): ParentState | undefined {
  if (!contact) return undefined;
  const { parent_tel: _tel, recent_messages: _recent, last_message_at: _last, retain_until: _until, ...state } = contact;
  return state;
}

/** Counts what a written turn did: the message applied, and the registrations it submitted or handed to the club, and a STOP. */
function countTurn(
  metrics: CountMetric,
  registrations: readonly StoredRegistration[],
  contact: ParentContact | undefined,
  turn: ConversationTurn,
) {
  const before = new Map(registrations.map((registration) => [registration.registration_id, registration.status]));
  const became = (status: string) =>
    turn.registrations.filter((after) => after.status === status && before.get(after.registration_id) !== status).length;
  metrics("MessagesApplied");
  const submitted = became("submitted");
  if (submitted > 0) metrics("RegistrationsSubmitted", { count: submitted });
  const handed = became("needs_club");
  if (handed > 0) metrics("HandedToClub", { count: handed });
  // A parent, not a registration: STOP opts the number out whatever it was invited for.
  if (turn.parent?.opted_out && !contact?.opted_out) metrics("OptedOut");
}

/** The script for one value of the club's settings; settings change rarely, so the last one is kept. */
function scriptCache() {
  let cached: { key: string; script: Script } | undefined;
  return (values: Record<WebhookSettingKey, string>): Script => {
    const key = JSON.stringify(values);
    if (cached?.key !== key) {
      // Parameter Store holds the optional questions asked, comma-separated (config/settings.ts).
      const asked = new Set(values.optionalSteps.split(",").map((step) => step.trim()));
      const optionalSteps = Object.fromEntries(optionalStepIds.map((id) => [id, asked.has(id)])) as Record<OptionalStepId, boolean>;
      const { clubName, assistantName, codeOfConductUrl, privacyNoticeUrl, paymentUrl } = values;
      cached = {
        key,
        script: buildScript({
          clubName,
          assistantName,
          codeOfConductUrl,
          privacyNoticeUrl,
          paymentUrl,
          optionalSteps,
          takesPayments: takesPayments(values),
        }),
      };
    }
    return cached.script;
  };
}

/** The transaction that applies `turn`: the contact with the new state and the message's mark, and each changed registration. */
function conversationWrite(
  tel: string,
  contact: ParentContact | undefined,
  registrations: readonly StoredRegistration[],
  turn: ConversationTurn,
  mark: string,
  now: Date,
): ConversationWrite {
  const state = turn.parent ?? { ...(parentStateOf(contact) ?? { opted_out: false }), version: (contact?.version ?? 0) + 1 };
  const read = new Map(registrations.map((registration) => [registration.registration_id, registration]));
  const erased = new Set(turn.registrations.filter((after) => after.status === "erased").map((after) => after.registration_id));
  const kept = registrations.filter((registration) => !erased.has(registration.registration_id));
  const after: ParentContact = {
    ...state,
    parent_tel: tel,
    recent_messages: [mark, ...(contact?.recent_messages ?? [])].slice(0, recentMessagesKept),
    last_message_at: now.toISOString(),
    retain_until: contactRetainUntil(state.opted_out, kept, now),
  };
  return {
    tel,
    contact: { before: contact, after: erasesEverything(registrations, turn) ? undefined : after },
    registrations: turn.registrations.map((after) => {
      const before = read.get(after.registration_id)!;
      // The engine keeps every field it does not change, retain_until among them.
      return { before, after: after.status === "erased" ? after : (after as StoredRegistration) };
    }),
  };
}

/**
 * DELETE MY DATA confirmed, and no STOP to keep: the parent's number goes with their
 * registrations, so the contact (and the message's mark in it) goes too.
 */
function erasesEverything(registrations: readonly StoredRegistration[], turn: ConversationTurn): boolean {
  const erased = new Set(turn.registrations.filter((after) => after.status === "erased").map((after) => after.registration_id));
  return erased.size > 0 && registrations.every((read) => erased.has(read.registration_id)) && !turn.parent?.opted_out;
}

export function createWebhookHandler(
  // Its idempotency records: messages from numbers with no invite (aws/idempotency/message-deduplicator.ts) and
  // their daily reply (aws/idempotency/stranger-reply-limit.ts).
  declaration: FunctionDeclaration<WebhookSettingKey> & { idempotencyKeyPrefix: string },
  dependencies: Partial<WebhookDependencies> = {},
): WebhookHandler {
  const { env, awsCalls, readSettings, writeLog, route, metrics } = handlerSetup(declaration, dependencies);
  const deduplicator = dependencies.deduplicator ?? createMessageDeduplicator(declaration.idempotencyKeyPrefix, env, awsCalls);
  const strangerReplyLimit = dependencies.strangerReplyLimit ?? createStrangerReplyLimit(declaration.idempotencyKeyPrefix, env, awsCalls);
  const store = dependencies.store ?? createRegistrationStore(env, awsCalls);
  const clock = dependencies.clock ?? (() => new Date());
  const scriptFor = scriptCache();
  const providerFor = paymentProviderOf(env, awsCalls, dependencies.readPaymentSecrets);

  /**
   * The replies of a turn that submitted registrations in a stack with a provider, or told a parent
   * whose link no longer works where things stand: each slot filled with the provider's link, asked
   * for and kept on the registration now that the turn is written, or with "the link follows" when
   * it could not be had in time.
   */
  async function withPaymentLinks(
    turn: ConversationTurn & { replyParts: NonNullable<ConversationTurn["replyParts"]> },
    read: readonly StoredRegistration[],
    write: ConversationWrite,
    values: Record<WebhookSettingKey, string>,
    remainingMs: number,
    log: Log,
  ): Promise<string[]> {
    // As written by the turn, or as read when the turn left it alone (a "where is my registration").
    const written = new Map([
      ...read.map((registration) => [registration.registration_id, registration] as const),
      ...write.registrations.map(({ after }) => [after.registration_id, after as StoredRegistration] as const),
    ]);
    const links = new Map<string, string>();
    const started = Date.now();
    for (const part of turn.replyParts) {
      if (typeof part === "string") continue;
      const registration = written.get(part.paymentLinkFor)!;
      const { registration_id } = registration;
      try {
        const provider = await providerFor(values);
        if (!provider) continue;
        const timeoutMs = Math.min(paymentLinkWaitMs, remainingMs - paymentLinkReserveMs) - (Date.now() - started);
        const outcome = await askForPaymentLink(provider, registration, values, { store, timeoutMs, log });
        if (outcome.outcome !== "created") {
          continue;
        }
        const { link } = outcome;
        // Its reference is written: the link may go even if keeping it on the registration fails (the
        // reminders run then sends it again), as the provider's events will find the registration.
        links.set(registration_id, link.url);
        const kept = await changeRegistration(store, registration, (current) =>
          current.status === "submitted" && current.payment && awaitsPayment(current.payment)
            ? { ...current, payment: sentPaymentLink(current.payment, link), version: current.version + 1 }
            : undefined,
        );
        log(kept ? "info" : "warn", kept ? "payment_link_sent" : "payment_link_not_kept", { registration_id });
      } catch (error) {
        // The secret or the table out of reach: before the link, it follows; after, it goes unkept.
        const event = links.has(registration_id) ? "payment_link_not_kept" : "payment_link_unavailable";
        log("warn", event, { registration_id, error: errorName(error) });
      }
    }
    return packReplies(turn.replyParts, (registrationId) => {
      const registration = written.get(registrationId)!;
      const url = links.get(registrationId);
      return url ? say.paymentLink(registration, url) : say.paymentLinkFollows(registration);
    });
  }

  return async (event, context) => {
    const respond = async (log: Log): Promise<APIGatewayProxyResult> => {
      const request = twilioRequestOf(event);
      if ("refusal" in request) return request.refusal;
      const { fields, signature } = request;
      const messageSid = firstValue(fields.MessageSid);
      const from = firstValue(fields.From);
      // In a cold container the settings are a round trip of their own, so the parent's
      // partition is read meanwhile rather than after them (bench/README.md). Nothing
      // read is used before the signature is checked; a forged request costs one Query and
      // learns nothing, and its read's failure, if any, is dropped with it.
      const firstRead = signature && messageSid && from ? store.readParent(telOf(from)) : undefined;
      firstRead?.catch(() => undefined);
      const { values, twilio } = await readSettings();
      const refusal = refusalUnlessSigned(request, twilio.authToken, values.webhookUrl, log);
      if (refusal) return refusal;
      if (!messageSid || !from) {
        log("info", messageSid ? "ignored_without_sender" : "ignored_without_message_sid");
        return twiml();
      }
      const tel = telOf(from);
      const mark = messageMark(messageSid);
      log("info", "message_received", { message_mark: mark, from: maskPhone(tel) });
      const message = { text: firstValue(fields.Body) ?? "", numMedia: Number(firstValue(fields.NumMedia)) || 0 };
      const script = scriptFor(values);

      let pendingRead = firstRead;
      for (let attempt = 1; attempt <= conversationAttempts; attempt++) {
        const { contact, registrations } = await (pendingRead ?? store.readParent(tel));
        pendingRead = undefined;
        if (contact?.recent_messages.includes(mark)) {
          log("info", "duplicate_ignored", { message_mark: mark });
          return twiml();
        }
        const now = clock();
        const turn = converse({ parent: parentStateOf(contact), registrations, message, now, script, season: values.season });
        if (turn.stranger && !turn.parent) {
          // No invite for this number: nothing stored, but a retried delivery gets no second reply.
          if (!(await deduplicator.firstDelivery(mark))) {
            log("info", "duplicate_ignored", { message_mark: mark });
            return twiml();
          }
          // Another business's auto-reply bot must not loop with ours: one reply a day. The number's digest is
          // keyed with the auth token the webhook already holds; rotating the token only restarts the day's count.
          if (!(await strangerReplyLimit.claim(tel, now, twilio.authToken))) {
            log("info", "stranger_reply_limited", { message_mark: mark });
            return twiml();
          }
          log("info", "stranger_answered", { message_mark: mark });
          return twiml(turn.replies);
        }
        const write = conversationWrite(tel, contact, registrations, turn, mark, now);
        // With the contact gone, the number is a stranger's again: a retried delivery of this message, or of any the
        // contact remembers, must find it marked where strangers' are. Marked first, so a failure between the two
        // leaves the message to be applied, not lost.
        if (!write.contact.after) await deduplicator.markDelivered([mark, ...(contact?.recent_messages ?? [])]);
        if (await store.writeConversation(write)) {
          log("info", "message_applied", { message_mark: mark, attempts: attempt });
          countTurn(metrics, registrations, contact, turn);
          if (!turn.replyParts) return twiml(turn.replies);
          const remainingMs = context?.getRemainingTimeInMillis() ?? declaration.timeoutSeconds * 1000;
          return twiml(await withPaymentLinks({ ...turn, replyParts: turn.replyParts }, registrations, write, values, remainingMs, log));
        }
        log("info", "conversation_conflict", { message_mark: mark, attempts: attempt });
      }
      throw conversationConflictError(conversationAttempts);
    };

    const { timeoutSeconds } = declaration;
    return answerProxyInvocation(awsCalls, { event, context, route, timeoutSeconds, writeLog }, respond, () =>
      plainTextResponse(500, "signon could not handle this message; please try again."),
    );
  };
}
