/**
 * POST /trigger: validates an invite, creates the player's registration and sends the parent the
 * WhatsApp template through Twilio, once per registration: parse the request, create the
 * registration (or find the one that exists), send, record the send, answer what happened
 * (handlers/trigger-answers.ts).
 *
 * The registration is the duplicate check: its key is the invite's natural key (season, team,
 * age group, player, parent), so the same player invited twice, with or without an
 * Idempotency-Key, is one registration and one message unless the caller asks to resend.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyResult } from "aws-lambda";
import { createRegistrationStore, type RegistrationStore } from "../aws/registration-store";
import type { HandlerSettings, SettingsReader } from "../aws/settings-reader";
import type { StoredRegistration } from "../aws/stored-registration";
import type { SettingKey } from "../config/settings";
import { isDeliveryStatus } from "../domain/delivery-status";
import {
  createInviteParser,
  feeOverrideProblems,
  type InviteParseResult,
  type InviteRequest,
  inviteFields,
  parseJsonBody,
  templateVariables,
} from "../domain/invite";
import { invitedRegistration } from "../domain/registration";
import { retainUntil } from "../domain/retention";
import { answerLogged, logFailure } from "../plumbing/answer-logged";
import { bodyText, bodyTooLarge, headerValue, type ProxyHandler, type RemainingTime, requestIdOf } from "../plumbing/api-gateway-event";
import { awsCallContext } from "../plumbing/aws-call-scope";
import { createLog, errorName, type LineWriter, type Log, maskPhone } from "../plumbing/log";
import type { CountMetric } from "../plumbing/metrics";
import { createMessagesClient, type MessagesClient } from "../twilio/messages-client";
import type { FunctionDeclaration } from "./function-declaration";
import { handlerSetup } from "./handler-setup";
import {
  inProgressAnswer,
  internalErrorAnswer,
  keyReusedAnswer,
  notSentAnswer,
  notTheInviteKeyAnswer,
  optedOutAnswer,
  refusedAnswer,
  registrationClosedAnswer,
  sentAnswer,
  storeUnavailableAnswer,
  type TriggerRefusal,
  unconfirmedAnswer,
} from "./trigger-answers";

/** The settings sending an invite reads (the trigger's, and the board's invites). */
export const inviteSettingKeys = [
  "whatsappNumber",
  "templateSid",
  "clubName",
  "season",
  "membershipFee",
  "subscriptionFee",
  "allowFeeOverrides",
  "retentionYears",
  "statusCallbackUrl",
] as const satisfies readonly SettingKey[];
export type InviteSettingKey = (typeof inviteSettingKeys)[number];

/** The settings the trigger reads: its role may read these parameters and no others. */
export const triggerSettingKeys = [
  ...inviteSettingKeys,
  // The export key is refused here: API Gateway lets either key through to any keyed route.
  "exportApiKeyId",
] as const satisfies readonly SettingKey[];
export type TriggerSettingKey = (typeof triggerSettingKeys)[number];

export interface TriggerDependencies {
  /** The Lambda's environment unless given. */
  env: NodeJS.ProcessEnv;
  readSettings: SettingsReader<TriggerSettingKey>;
  messagesClient: MessagesClient;
  registrations: RegistrationStore;
  writeLog?: LineWriter;
}

/** What the invite sender is given: where it sends, where it keeps registrations, and its function's metrics. */
export type InviteSenderDependencies = Pick<TriggerDependencies, "messagesClient" | "registrations"> & { metrics: CountMetric };

export type TriggerHandler = ProxyHandler;

/** One invite to send, from whoever asks (POST /trigger, the board): the trigger's work after the caller is let in. */
export interface InviteCall {
  requestId: string;
  log: Log;
  remaining: RemainingTime;
  settings: HandlerSettings<InviteSettingKey>;
  /** The invite as JSON text: POST /trigger's body. */
  body: string;
  /** As the caller gave it (trimmed), checked here: the `Idempotency-Key` header. */
  idempotencyKey?: string;
  /** The caller's own refusal of a valid invite (the board: a team not the person's), before anything is checked or sent. */
  refuse?: (invite: InviteRequest) => APIGatewayProxyResult | undefined;
}

/** Answers one invite exactly as POST /trigger would; never throws (a failure is the trigger's 500 answer). */
export type InviteSender = (call: InviteCall) => Promise<APIGatewayProxyResult>;

/** What every step of one request shares. */
interface TriggerRequest {
  requestId: string;
  log: Log;
  remaining: RemainingTime;
  invite: InviteRequest;
  idempotencyKey?: string;
  settings: HandlerSettings<InviteSettingKey>;
}

// Time kept back from the Lambda's budget so a retried send still answers before the timeout.
const responseReserveMs = 1_500;
// Visible ASCII, as the IETF Idempotency-Key draft and Stripe's keys use; UUIDs fit.
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;
// Finished with: the parent is not invited again, even when asked to resend.
const closedStatuses: readonly string[] = ["submitted", "opted_out"];

/** The invite for the stack's season (and fees, unless it allows others) and its Idempotency-Key, or why the request is refused. */
function parseRequest(
  { body: text, idempotencyKey }: Pick<InviteCall, "body" | "idempotencyKey">,
  parseInvite: (payload: unknown, stackSeason: string) => InviteParseResult,
  values: HandlerSettings<InviteSettingKey>["values"],
  log: Log,
): { invite: InviteRequest; idempotencyKey?: string } | TriggerRefusal {
  const body = parseJsonBody(text);
  if (!body.ok) return { refused: "invalid_request", problems: body.problems };
  const parsed = parseInvite(body.value, values.season);
  const problems = parsed.ok ? (values.allowFeeOverrides === "true" ? [] : feeOverrideProblems(parsed.invite, values)) : parsed.problems;
  if (!parsed.ok || problems.length > 0) {
    log("info", "invite_rejected", { detail: problems.map((problem) => problem.field).join(",") });
    return { refused: "invalid_request", problems };
  }
  if (idempotencyKey !== undefined && !idempotencyKeyPattern.test(idempotencyKey)) return { refused: "invalid_idempotency_key" };
  return { invite: parsed.invite, idempotencyKey };
}

/** The registration this invite makes, claimed for sending by this request. */
function newRegistration({ invite, settings, requestId }: TriggerRequest, now: Date): StoredRegistration {
  const fields = inviteFields(invite, settings.values);
  return {
    ...invitedRegistration(fields, randomUUID(), now),
    // The invite's season is the stack's, which the stack's config checked is a season.
    retain_until: retainUntil(fields.season, Number(settings.values.retentionYears), now),
    invites_sent: 0,
    sending: { request_id: requestId, since: now.toISOString() },
  };
}

/**
 * What the registration says to do: answer without sending, or send for `claimed` (the
 * registration this request now holds the sending marker of; `unclaimed` is how it stood before
 * a resend's claim, to go back to when the send makes no message).
 */
type Decision = { answer: APIGatewayProxyResult } | { send: StoredRegistration; unclaimed?: StoredRegistration };

/**
 * The trigger's work once a caller is let in: check the invite, create its registration or find
 * the player's, send, record, answer. `timeoutSeconds` is the calling function's: a sending
 * marker older than that belongs to a request that is over.
 */
export function createInviteSender(
  { timeoutSeconds }: { timeoutSeconds: number },
  { messagesClient, registrations: store, metrics }: InviteSenderDependencies,
): InviteSender {
  const parseInvite = createInviteParser();
  // A marker older than the function's timeout belongs to a request that is over: its send may have gone.
  const sendingNow = (registration: StoredRegistration) =>
    registration.sending !== undefined && Date.now() - Date.parse(registration.sending.since) < timeoutSeconds * 1000;

  /** Keeps what became of a send; the caller hears what happened even when that write fails. */
  async function keep(request: TriggerRequest, before: StoredRegistration, after: StoredRegistration | undefined) {
    try {
      if (after === undefined) await store.remove(before);
      else if (!(await store.replace(before, after)))
        request.log("warn", "registration_moved_on", { registration_id: before.registration_id });
    } catch (error) {
      request.log("warn", "registration_not_updated", { registration_id: before.registration_id, error: errorName(error) });
    }
  }

  /**
   * Sends the invite for `claimed` (a registration this request holds the sending marker of) and
   * records the outcome. A send that made no message leaves the registration as it was before the
   * claim (a new one is removed), so a retry sends; one Twilio may have taken is kept as such.
   */
  async function sendInvite(request: TriggerRequest, claimed: StoredRegistration, unclaimed: StoredRegistration | undefined) {
    const { invite, settings, requestId, log, remaining } = request;
    const { values, twilio } = settings;
    const message = {
      from: `whatsapp:${values.whatsappNumber}`,
      to: `whatsapp:${invite.parent_tel}`,
      contentSid: values.templateSid,
      contentVariables: JSON.stringify(templateVariables(invite, values)),
      statusCallback: values.statusCallbackUrl,
    };
    const outcome = await messagesClient.sendTemplate(
      twilio,
      message,
      Date.now() + remaining.getRemainingTimeInMillis() - responseReserveMs,
    );
    const now = new Date().toISOString();
    const to = maskPhone(invite.parent_tel);
    const done = { sending: undefined, updated_at: now, version: claimed.version + 1, invite_request_id: requestId };
    if (outcome.outcome === "sent") {
      log("info", "invite_sent", { to, message_sid: outcome.sid, registration_id: claimed.registration_id });
      metrics("InvitesSent");
      const sent: StoredRegistration = {
        ...claimed,
        ...done,
        invites_sent: claimed.invites_sent + 1,
        invite_message_sid: outcome.sid,
        invite_twilio_status: outcome.status,
        invite_sent_at: now,
        invite_unconfirmed_at: undefined,
        // A resend's message starts its delivery afresh: the old one's callbacks no longer match its SID.
        invite_status: isDeliveryStatus(outcome.status) ? outcome.status : undefined,
        invite_error_code: undefined,
        invite_status_at: isDeliveryStatus(outcome.status) ? now : undefined,
      };
      await keep(request, claimed, sent);
      return sentAnswer(requestId, invite, sent, false);
    }
    if (outcome.outcome === "unconfirmed") {
      log("warn", "invite_unconfirmed", { to, twilio_status: outcome.httpStatus, attempts: outcome.attempts });
      const unconfirmed: StoredRegistration = { ...claimed, ...done, invites_sent: claimed.invites_sent + 1, invite_unconfirmed_at: now };
      await keep(request, claimed, unconfirmed);
      return unconfirmedAnswer(requestId, unconfirmed, false);
    }
    log("warn", `invite_${outcome.outcome}`, {
      to,
      twilio_code: outcome.outcome === "refused" ? outcome.code : undefined,
      twilio_status: outcome.httpStatus,
      attempts: outcome.outcome === "unavailable" ? outcome.attempts : undefined,
    });
    // A disapproved template or a number not on WhatsApp shows here first (63016, 63024).
    if (outcome.outcome === "refused") metrics("InvitesRefused", { errorCode: outcome.code });
    await keep(request, claimed, unclaimed && { ...unclaimed, version: claimed.version + 1 });
    return notSentAnswer(requestId, outcome);
  }

  /** The player has a registration: answer from it, or resend when asked and allowed. */
  async function answerExisting(
    request: TriggerRequest,
    registration: StoredRegistration | undefined,
    mayResend: boolean,
  ): Promise<Decision> {
    const { requestId, invite, log } = request;
    const answer = (result: APIGatewayProxyResult) => ({ answer: result });
    // Removed since (its send made no message): the key is this invite's, so create it again without one.
    if (registration === undefined) return create({ ...request, idempotencyKey: undefined });
    if (invite.resend && mayResend) {
      if (closedStatuses.includes(registration.status)) return answer(registrationClosedAnswer(requestId, registration));
      if (sendingNow(registration)) return answer(inProgressAnswer(requestId));
      const now = new Date().toISOString();
      const claimed: StoredRegistration = {
        ...registration,
        sending: { request_id: requestId, since: now },
        updated_at: now,
        version: registration.version + 1,
      };
      const claim = await store.claimResend(registration, claimed, request.idempotencyKey);
      switch (claim.outcome) {
        case "created":
          return { send: claimed, unclaimed: registration };
        case "moved":
          return answer(inProgressAnswer(requestId));
        case "opted_out":
          return answer(optedOutAnswer(requestId));
        case "key_reused":
          return answer(keyReusedAnswer(requestId));
        case "key_repeated":
          return answerExisting(request, registration, false);
      }
    }
    if (sendingNow(registration)) return answer(inProgressAnswer(requestId));
    if (registration.invite_unconfirmed_at !== undefined || registration.sending !== undefined) {
      return answer(unconfirmedAnswer(requestId, registration, true));
    }
    log("info", "duplicate_not_sent", { message_sid: registration.invite_message_sid, registration_id: registration.registration_id });
    return answer(sentAnswer(requestId, invite, registration, true));
  }

  async function create(request: TriggerRequest): Promise<Decision> {
    const registration = newRegistration(request, new Date());
    const created = await store.create(registration, request.idempotencyKey);
    switch (created.outcome) {
      case "created":
        return { send: registration };
      case "exists":
        return answerExisting(request, created.registration, true);
      case "key_repeated":
        // A retry of a request already made: answered from where it stands, never a second send.
        return answerExisting(request, created.registration, false);
      case "opted_out":
        return { answer: optedOutAnswer(request.requestId) };
      case "key_reused":
        return { answer: keyReusedAnswer(request.requestId) };
    }
  }

  async function answer(call: InviteCall): Promise<APIGatewayProxyResult> {
    const { requestId, log, remaining, settings } = call;
    // The invite's season must be the stack's, and its fees too unless the stack allows others.
    const parsed = parseRequest(call, parseInvite, settings.values, log);
    if ("refused" in parsed) return refusedAnswer(requestId, parsed);
    const refusal = call.refuse?.(parsed.invite);
    if (refusal) return refusal;
    const request: TriggerRequest = { requestId, log, remaining, settings, ...parsed };
    let decision: Decision;
    try {
      decision = await create(request);
    } catch (error) {
      // The table out of reach: nothing is sent that might be a second invite.
      log("warn", "duplicate_check_stopped_send", { error: errorName(error) });
      return storeUnavailableAnswer(requestId);
    }
    return "answer" in decision ? decision.answer : sendInvite(request, decision.send, decision.unclaimed);
  }

  return async (call) => {
    try {
      return await answer(call);
    } catch (error) {
      logFailure(call.log, error);
      return internalErrorAnswer(call.requestId);
    }
  };
}

export function createTriggerHandler(
  declaration: FunctionDeclaration<TriggerSettingKey>,
  dependencies: Partial<TriggerDependencies> = {},
): TriggerHandler {
  const { env, awsCalls, readSettings, writeLog, route, metrics } = handlerSetup(declaration, dependencies);
  const sendInvite = createInviteSender(declaration, {
    metrics,
    messagesClient: dependencies.messagesClient ?? createMessagesClient({ apiBaseUrl: env.TWILIO_API_BASE_URL }),
    registrations: dependencies.registrations ?? createRegistrationStore(env, awsCalls),
  });

  return async (event, context) => {
    const started = Date.now();
    const requestId = requestIdOf(event);
    const log = createLog({ request_id: requestId, route }, writeLog);
    // Without a Lambda context (a direct call), the function's own budget from now.
    const remaining = context ?? { getRemainingTimeInMillis: () => declaration.timeoutSeconds * 1000 - (Date.now() - started) };

    const answer = async () => {
      const settings = await readSettings();
      if (event.requestContext?.identity?.apiKeyId === settings.values.exportApiKeyId) {
        log("warn", "not_the_invite_key");
        return notTheInviteKeyAnswer(requestId);
      }
      const tooLarge = bodyTooLarge(event);
      if (tooLarge) return refusedAnswer(requestId, { refused: "body_too_large", message: tooLarge });
      const idempotencyKey = headerValue(event, "Idempotency-Key")?.trim();
      return sendInvite({ requestId, log, remaining, settings, body: bodyText(event), idempotencyKey });
    };
    return awsCalls.run(awsCallContext(remaining.getRemainingTimeInMillis(), log), () =>
      answerLogged(log, answer, () => internalErrorAnswer(requestId)),
    );
  };
}
