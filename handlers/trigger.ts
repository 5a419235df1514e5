/**
 * POST /trigger: validates an invite, fills the template's nine variables and sends the
 * WhatsApp template message through Twilio.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { functionTimeoutSeconds } from "../config/function-timeouts";
import { triggerSettingKeys } from "../config/settings";
import { answerLogged } from "./answer";
import { awsCallContext, createAwsCallScope } from "./aws-retry";
import { bodyText, bodyTooLarge, headerValue, jsonResponse, requestIdOf } from "./http";
import { createInviteDeduplicator, type Deduplicated, type InviteDeduplicator, type SentInvite } from "./invite-deduplicator";
import { createInviteParser, parseJsonBody, templateVariables, type FieldProblem, type InviteRequest } from "./invite";
import { createLog, maskPhone, type LineWriter } from "./log";
import { createMessenger, type Messenger, type SendOutcome } from "./messenger";
import { createSettingsReader, type SettingsReader } from "./settings";

export type TriggerSettingKey = (typeof triggerSettingKeys)[number];

export interface TriggerDependencies {
  readSettings: SettingsReader<TriggerSettingKey>;
  messenger: Messenger;
  deduplicator: InviteDeduplicator;
  writeLog?: LineWriter;
}

export type TriggerHandler = (event: APIGatewayProxyEvent, context?: Pick<Context, "getRemainingTimeInMillis">) => Promise<APIGatewayProxyResult>;

// Seconds a caller should wait before trying again when Twilio stays unavailable.
const retryAfterSeconds = 30;
// Time kept back from the Lambda's budget so a retried send still answers before the timeout.
const responseReserveMs = 1_500;
// What a caller waits before asking again about an invite another request is sending.
const inProgressRetryAfterSeconds = 2;
// Visible ASCII, as the IETF Idempotency-Key draft and Stripe's keys use; UUIDs fit.
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

type NotSentOutcome = Extract<SendOutcome, { outcome: "refused" | "unavailable" }>;

/** A send that ended without a message: thrown so no record of it is kept; its outcome becomes the answer. */
function notSent(outcome: NotSentOutcome): Error & { outcome: NotSentOutcome } {
  return Object.assign(new Error(`invite ${outcome.outcome}`), { name: "NotSent", outcome });
}

const errorNamed = (error: unknown, name: string) => error instanceof Error && error.name === name;
const isNotSent = (error: unknown): error is Error & { outcome: NotSentOutcome } => errorNamed(error, "NotSent");

/** An answer that asks the caller to come back: the wait in the body and in Retry-After. */
function tryAgainLater(status: number, seconds: number, body: { error: string; message: string; request_id: string }): APIGatewayProxyResult {
  return jsonResponse(status, { ...body, retry_after_seconds: seconds }, { "Retry-After": String(seconds) });
}

/** Powertools wraps the table's failure: its cause's code or name (ECONNREFUSED, ResourceNotFoundException) is what a volunteer can act on. */
function causeName(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; name?: unknown } | undefined) : undefined;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.name === "string" ? cause.name : undefined;
  const name = error instanceof Error ? error.name : typeof error;
  return detail ? `${name}: ${detail}` : name;
}

function invalidRequest(requestId: string, problems: FieldProblem[]): APIGatewayProxyResult {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return jsonResponse(400, {
    error: "invalid_request",
    message: `The invite has ${count}: ${problems.map((problem) => `${problem.field} ${problem.message}`).join("; ")}`,
    problems,
    request_id: requestId,
  });
}

function fullName(first: string, last: string | undefined): string {
  return last ? `${first} ${last}` : first;
}

function sendFailure(requestId: string, outcome: NotSentOutcome): APIGatewayProxyResult {
  if (outcome.outcome === "unavailable") {
    return tryAgainLater(503, retryAfterSeconds, {
      error: "twilio_unavailable",
      message: `Twilio could not take the invite after ${outcome.attempts} attempts (${outcome.reason}); nothing was sent. Try again in ${retryAfterSeconds} seconds.`,
      request_id: requestId,
    });
  }
  // Twilio rejecting our own credentials is the deployment's fault, not the caller's.
  const credentialsRejected = outcome.httpStatus === 401 || outcome.httpStatus === 403;
  return jsonResponse(credentialsRejected ? 502 : 422, {
    error: credentialsRejected ? "twilio_credentials_rejected" : "twilio_rejected",
    message: `Twilio refused the invite${outcome.code ? ` (error ${outcome.code})` : ""}: ${outcome.message}`,
    twilio_code: outcome.code,
    twilio_status: outcome.httpStatus,
    more_info: outcome.moreInfo,
    request_id: requestId,
  });
}

/** A send whose outcome nobody knows: answered 504 without a retry hint, now and for every repeat in the window. */
function unconfirmed(requestId: string, record: SentInvite, replayed: boolean): APIGatewayProxyResult {
  return jsonResponse(504, {
    error: "twilio_unconfirmed",
    message: `${replayed ? `An earlier request for this invite (${record.request_id}, at ${record.sent_at})` : "This request"} lost touch with Twilio, which may have sent the invite; signon could not confirm it and will not send this invite again for now. Check the parent's messages in Twilio's Messaging logs; to send it anyway, send it again with a new Idempotency-Key header.`,
    duplicate: replayed,
    request_id: requestId,
  });
}

function sent(requestId: string, invite: InviteRequest, { sent: record, replayed }: Deduplicated): APIGatewayProxyResult {
  if (!record.message_sid) return unconfirmed(requestId, record, replayed);
  const player = fullName(invite.player_first_name, invite.player_last_name);
  const team = `${invite.team_name} ${invite.age_group}`;
  return jsonResponse(200, {
    message: replayed
      ? `Invite already sent on WhatsApp to ${invite.parent_first_name} for ${player} (${team}) at ${record.sent_at} by request ${record.request_id}; not sent again`
      : `Invite sent on WhatsApp to ${invite.parent_first_name} to register ${player} for ${team}`,
    player,
    parent: fullName(invite.parent_first_name, invite.parent_last_name),
    team,
    status: "message_sent",
    message_sid: record.message_sid,
    twilio_status: record.twilio_status,
    duplicate: replayed,
    ...(replayed ? { first_request_id: record.request_id, sent_at: record.sent_at } : {}),
    request_id: requestId,
  });
}

function badIdempotencyKey(requestId: string): APIGatewayProxyResult {
  return jsonResponse(400, {
    error: "invalid_idempotency_key",
    message: "The Idempotency-Key header must be 1 to 255 visible ASCII characters, such as a UUID",
    request_id: requestId,
  });
}

/** Answers for the duplicate checks that stop a send: another request has it, a key was reused, the table is out of reach. */
function duplicateCheckFailure(requestId: string, error: unknown): APIGatewayProxyResult | undefined {
  if (errorNamed(error, "IdempotencyAlreadyInProgressError")) {
    return tryAgainLater(409, inProgressRetryAfterSeconds, {
      error: "invite_in_progress",
      message: `The same invite is being sent by another request right now; it will be sent once. Ask again in ${inProgressRetryAfterSeconds} seconds to see its result.`,
      request_id: requestId,
    });
  }
  if (errorNamed(error, "IdempotencyValidationError")) {
    return jsonResponse(422, {
      error: "idempotency_key_reused",
      message: "This Idempotency-Key was used for a different invite in the last 24 hours; nothing was sent. Use a new key for a new invite.",
      request_id: requestId,
    });
  }
  if (errorNamed(error, "IdempotencyPersistenceLayerError")) {
    return tryAgainLater(503, retryAfterSeconds, {
      error: "duplicate_check_unavailable",
      message: `signon could not check whether this invite was sent already, so it sent nothing. Try again in ${retryAfterSeconds} seconds.`,
      request_id: requestId,
    });
  }
  return undefined;
}

export function createTriggerHandler(dependencies: Partial<TriggerDependencies> = {}): TriggerHandler {
  const awsCalls = createAwsCallScope();
  const readSettings = dependencies.readSettings ?? createSettingsReader(triggerSettingKeys, { awsCalls });
  const messenger = dependencies.messenger ?? createMessenger();
  const deduplicator = dependencies.deduplicator ?? createInviteDeduplicator(process.env, awsCalls);
  const parseInvite = createInviteParser();

  return async (event, context) => {
    const started = Date.now();
    const requestId = requestIdOf(event);
    const log = createLog({ request_id: requestId, route: "POST /trigger" }, dependencies.writeLog);
    // Without a Lambda context (a direct call), the function's own budget from now.
    const remaining = context ?? { getRemainingTimeInMillis: () => functionTimeoutSeconds.trigger * 1000 - (Date.now() - started) };

    const respond = async (): Promise<APIGatewayProxyResult> => {
      const tooLarge = bodyTooLarge(event);
      if (tooLarge) return jsonResponse(413, { error: "body_too_large", message: tooLarge, request_id: requestId });
      const body = parseJsonBody(bodyText(event));
      if (!body.ok) return invalidRequest(requestId, body.problems);
      const parsed = parseInvite(body.value);
      if (!parsed.ok) {
        log("info", "invite_rejected", { detail: parsed.problems.map((problem) => problem.field).join(",") });
        return invalidRequest(requestId, parsed.problems);
      }
      const { invite } = parsed;
      const idempotencyKey = headerValue(event, "Idempotency-Key")?.trim();
      if (idempotencyKey !== undefined && !idempotencyKeyPattern.test(idempotencyKey)) return badIdempotencyKey(requestId);
      // Read while the duplicate check's first write is in flight: a cold start waits for one round trip, not two.
      const settings = readSettings();
      settings.catch(() => undefined); // awaited in send; a duplicate never gets there
      const to = maskPhone(invite.parent_tel);
      let delivered: SentInvite | undefined;

      const send = async (): Promise<SentInvite> => {
        const { values, twilio } = await settings;
        const outcome = await messenger.sendTemplate(
          twilio,
          {
            from: `whatsapp:${values.whatsappNumber}`,
            to: `whatsapp:${invite.parent_tel}`,
            contentSid: values.templateSid,
            contentVariables: JSON.stringify(templateVariables(invite, values)),
          },
          Date.now() + remaining.getRemainingTimeInMillis() - responseReserveMs,
        );
        const sentAt = new Date().toISOString();
        if (outcome.outcome === "unconfirmed") {
          log("warn", "invite_unconfirmed", { to, twilio_status: outcome.httpStatus, attempts: outcome.attempts });
          // Kept like a send: a repeat must not risk a second invite.
          delivered = { request_id: requestId, sent_at: sentAt };
          return delivered;
        }
        if (outcome.outcome !== "sent") throw notSent(outcome);
        log("info", "invite_sent", { to, message_sid: outcome.sid });
        delivered = { message_sid: outcome.sid, twilio_status: outcome.status, request_id: requestId, sent_at: sentAt };
        return delivered;
      };

      try {
        const result = await deduplicator.once({ invite, idempotencyKey }, remaining, send);
        if (result.replayed) log("info", "duplicate_not_sent", { message_sid: result.sent.message_sid });
        return sent(requestId, invite, result);
      } catch (error) {
        if (isNotSent(error)) {
          const { outcome } = error;
          log("warn", `invite_${outcome.outcome}`, {
            to,
            twilio_code: outcome.outcome === "refused" ? outcome.code : undefined,
            twilio_status: outcome.httpStatus,
            attempts: outcome.outcome === "unavailable" ? outcome.attempts : undefined,
          });
          return sendFailure(requestId, outcome);
        }
        // Sent, but its record was not saved: the invite went, so the caller must hear so.
        if (delivered) {
          log("warn", "duplicate_record_not_saved", { message_sid: delivered.message_sid, error: causeName(error) });
          return sent(requestId, invite, { sent: delivered, replayed: false });
        }
        const refusal = duplicateCheckFailure(requestId, error);
        if (!refusal) throw error;
        log("warn", "duplicate_check_stopped_send", { error: causeName(error) });
        return refusal;
      }
    };

    return awsCalls.run(awsCallContext(remaining.getRemainingTimeInMillis(), log), () =>
      answerLogged(log, respond, () =>
        jsonResponse(500, {
          error: "internal_error",
          message: `signon could not send the invite because of a problem on our side; nothing was sent. Quote request ${requestId} to the club's tech volunteer.`,
          request_id: requestId,
        }),
      ),
    );
  };
}
