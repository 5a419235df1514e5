/**
 * What the trigger answers its caller for each way a request ends: the status, the error code a
 * script can act on, and a message a secretary can read. Every answer carries the request id.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import type { StoredRegistration } from "../aws/stored-registration";
import type { FieldProblem, InviteRequest } from "../domain/invite";
import { jsonResponse } from "../plumbing/api-gateway-event";
import type { NotSentOutcome } from "../twilio/messages-client";

/** What the answers tell of a registration: its id and status, and its invite's last send. */
type AnsweredRegistration = Pick<
  StoredRegistration,
  | "registration_id"
  | "status"
  | "sending"
  | "invite_message_sid"
  | "invite_twilio_status"
  | "invite_sent_at"
  | "invite_request_id"
  | "invite_unconfirmed_at"
>;

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

const registrationFields = (registration: AnsweredRegistration) => ({
  registration_id: registration.registration_id,
  registration_status: registration.status,
});

/** A send whose outcome nobody knows: answered 504 without a retry hint, now and for every repeat until a resend. */
export function unconfirmedAnswer(requestId: string, registration: AnsweredRegistration, duplicate: boolean): APIGatewayProxyResult {
  const when = registration.invite_unconfirmed_at ?? registration.sending?.since;
  return jsonResponse(504, {
    error: "twilio_unconfirmed",
    message: `${duplicate ? `An earlier request for this invite (${registration.invite_request_id ?? registration.sending?.request_id}, at ${when})` : "This request"} lost touch with Twilio, which may have sent the invite; signon could not confirm it and will not send this invite again on its own. Check the parent's messages in Twilio's Messaging logs; to send it anyway, send it again with "resend": true.`,
    duplicate,
    ...registrationFields(registration),
    request_id: requestId,
  });
}

/** The invite went: now, or earlier (`duplicate`), when this request sent nothing. */
export function sentAnswer(
  requestId: string,
  invite: InviteRequest,
  registration: AnsweredRegistration,
  duplicate: boolean,
): APIGatewayProxyResult {
  const player = fullName(invite.player_first_name, invite.player_last_name);
  const team = `${invite.team_name} ${invite.age_group}`;
  return jsonResponse(200, {
    message: duplicate
      ? `Invite already sent on WhatsApp to ${invite.parent_first_name} for ${player} (${team}) at ${registration.invite_sent_at} by request ${registration.invite_request_id}; not sent again (send "resend": true to send it again)`
      : `Invite sent on WhatsApp to ${invite.parent_first_name} to register ${player} for ${team}`,
    player,
    parent: fullName(invite.parent_first_name, invite.parent_last_name),
    team,
    status: "message_sent",
    message_sid: registration.invite_message_sid,
    twilio_status: registration.invite_twilio_status,
    duplicate,
    ...(duplicate ? { first_request_id: registration.invite_request_id, sent_at: registration.invite_sent_at } : {}),
    ...registrationFields(registration),
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

export function inProgressAnswer(requestId: string): APIGatewayProxyResult {
  return tryAgainLater(409, inProgressRetryAfterSeconds, {
    error: "invite_in_progress",
    message: `The same invite is being sent by another request right now; it will be sent once. Ask again in ${inProgressRetryAfterSeconds} seconds to see its result.`,
    request_id: requestId,
  });
}

export function optedOutAnswer(requestId: string): APIGatewayProxyResult {
  return jsonResponse(409, {
    error: "parent_opted_out",
    message:
      "The parent asked for no more WhatsApp messages from the club (STOP); nothing was sent. They can send START to hear from the club again.",
    request_id: requestId,
  });
}

/** A resend of a registration that is finished with: the parent is not asked again. */
export function registrationClosedAnswer(requestId: string, registration: AnsweredRegistration): APIGatewayProxyResult {
  return jsonResponse(409, {
    error: "registration_closed",
    message: `This player's registration is ${registration.status.replace("_", " ")}, so the invite is not sent again.`,
    ...registrationFields(registration),
    request_id: requestId,
  });
}

/** The export key at /trigger: API Gateway lets either key through, but only the invite key sends invites. */
export function notTheInviteKeyAnswer(requestId: string): APIGatewayProxyResult {
  return jsonResponse(403, {
    error: "not_the_invite_key",
    message: "Forbidden: POST /trigger needs the invite API key; the export key cannot send invites.",
    request_id: requestId,
  });
}

export function keyReusedAnswer(requestId: string): APIGatewayProxyResult {
  return jsonResponse(422, {
    error: "idempotency_key_reused",
    message: "This Idempotency-Key was used for a different invite in the last 24 hours; nothing was sent. Use a new key for a new invite.",
    request_id: requestId,
  });
}

export function storeUnavailableAnswer(requestId: string): APIGatewayProxyResult {
  return tryAgainLater(503, retryAfterSeconds, {
    error: "duplicate_check_unavailable",
    message: `signon could not check whether this invite was sent already, so it sent nothing. Try again in ${retryAfterSeconds} seconds.`,
    request_id: requestId,
  });
}

/** A problem on signon's side: the caller learns only the request id to quote. */
export function internalErrorAnswer(requestId: string): APIGatewayProxyResult {
  return jsonResponse(500, {
    error: "internal_error",
    message: `signon could not send the invite because of a problem on our side; nothing was sent. Quote request ${requestId} to the club's tech volunteer.`,
    request_id: requestId,
  });
}
