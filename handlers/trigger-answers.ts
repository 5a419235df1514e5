/**
 * What the trigger answers its caller for each way a request ends: the status, the error code a
 * script can act on, and a message a secretary can read. Every answer carries the request id.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
} from "@aws-lambda-powertools/idempotency";
import type { APIGatewayProxyResult } from "aws-lambda";
import type { Deduplicated, SentInvite } from "../aws/idempotency/invite-deduplicator";
import type { FieldProblem, InviteRequest } from "../domain/invite";
import { jsonResponse } from "../plumbing/api-gateway-event";
import type { NotSentOutcome } from "../twilio/messages-client";

// Seconds a caller should wait before trying again when Twilio stays unavailable.
const retryAfterSeconds = 30;
// What a caller waits before asking again about an invite another request is sending.
const inProgressRetryAfterSeconds = 2;

/** Why a request was refused before anything was sent or checked. */
export type TriggerRefusal =
  | { refused: "body_too_large"; message: string }
  | { refused: "invalid_request"; problems: FieldProblem[] }
  | { refused: "invalid_idempotency_key" };

/** An answer that asks the caller to come back: the wait in the body and in Retry-After. */
function tryAgainLater(
  status: number,
  seconds: number,
  body: { error: string; message: string; request_id: string },
): APIGatewayProxyResult {
  return jsonResponse(status, { ...body, retry_after_seconds: seconds }, { "Retry-After": String(seconds) });
}

function fullName(first: string, last: string | undefined): string {
  return last ? `${first} ${last}` : first;
}

export function refusedAnswer(requestId: string, refusal: TriggerRefusal): APIGatewayProxyResult {
  switch (refusal.refused) {
    case "body_too_large":
      return jsonResponse(413, { error: "body_too_large", message: refusal.message, request_id: requestId });
    case "invalid_request": {
      const { problems } = refusal;
      const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
      return jsonResponse(400, {
        error: "invalid_request",
        message: `The invite has ${count}: ${problems.map((problem) => `${problem.field} ${problem.message}`).join("; ")}`,
        problems,
        request_id: requestId,
      });
    }
    case "invalid_idempotency_key":
      return jsonResponse(400, {
        error: "invalid_idempotency_key",
        message: "The Idempotency-Key header must be 1 to 255 visible ASCII characters, such as a UUID",
        request_id: requestId,
      });
  }
}

/** A send whose outcome nobody knows: answered 504 without a retry hint, now and for every repeat in the window. */
function unconfirmedAnswer(requestId: string, record: SentInvite, replayed: boolean): APIGatewayProxyResult {
  return jsonResponse(504, {
    error: "twilio_unconfirmed",
    message: `${replayed ? `An earlier request for this invite (${record.request_id}, at ${record.sent_at})` : "This request"} lost touch with Twilio, which may have sent the invite; signon could not confirm it and will not send this invite again for now. Check the parent's messages in Twilio's Messaging logs; to send it anyway, send it again with a new Idempotency-Key header.`,
    duplicate: replayed,
    request_id: requestId,
  });
}

/** The invite went, now or in the earlier request whose record answers this one. */
export function sentAnswer(requestId: string, invite: InviteRequest, { sent: record, replayed }: Deduplicated): APIGatewayProxyResult {
  if (!record.message_sid) return unconfirmedAnswer(requestId, record, replayed);
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

/** Twilio refused the invite, or stayed unavailable: nothing was sent. */
export function notSentAnswer(requestId: string, outcome: NotSentOutcome): APIGatewayProxyResult {
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

/**
 * The duplicate checks that stop a send: another request has it, a key was reused, the table is
 * out of reach. Undefined for any other error.
 */
export function duplicateCheckAnswer(requestId: string, error: unknown): APIGatewayProxyResult | undefined {
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return tryAgainLater(409, inProgressRetryAfterSeconds, {
      error: "invite_in_progress",
      message: `The same invite is being sent by another request right now; it will be sent once. Ask again in ${inProgressRetryAfterSeconds} seconds to see its result.`,
      request_id: requestId,
    });
  }
  if (error instanceof IdempotencyValidationError) {
    return jsonResponse(422, {
      error: "idempotency_key_reused",
      message:
        "This Idempotency-Key was used for a different invite in the last 24 hours; nothing was sent. Use a new key for a new invite.",
      request_id: requestId,
    });
  }
  if (error instanceof IdempotencyPersistenceLayerError) {
    return tryAgainLater(503, retryAfterSeconds, {
      error: "duplicate_check_unavailable",
      message: `signon could not check whether this invite was sent already, so it sent nothing. Try again in ${retryAfterSeconds} seconds.`,
      request_id: requestId,
    });
  }
  return undefined;
}

/** A problem on signon's side: the caller learns only the request id to quote. */
export function internalErrorAnswer(requestId: string): APIGatewayProxyResult {
  return jsonResponse(500, {
    error: "internal_error",
    message: `signon could not send the invite because of a problem on our side; nothing was sent. Quote request ${requestId} to the club's tech volunteer.`,
    request_id: requestId,
  });
}
