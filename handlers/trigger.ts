/**
 * POST /trigger: validates an invite, fills the template's nine variables and sends the
 * WhatsApp template message through Twilio.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { triggerSettingKeys } from "../config/settings";
import { answerLogged } from "./answer";
import { bodyText, jsonResponse, requestIdOf } from "./http";
import { createInviteParser, parseJsonBody, templateVariables, type FieldProblem, type InviteRequest } from "./invite";
import { createLog, maskPhone, type LineWriter } from "./log";
import { createMessenger, type Messenger, type SendOutcome } from "./messenger";
import { createSettingsReader, type SettingsReader } from "./settings";

export type TriggerSettingKey = (typeof triggerSettingKeys)[number];

export interface TriggerDependencies {
  readSettings: SettingsReader<TriggerSettingKey>;
  messenger: Messenger;
  writeLog?: LineWriter;
}

export type TriggerHandler = (event: APIGatewayProxyEvent, context?: Pick<Context, "getRemainingTimeInMillis">) => Promise<APIGatewayProxyResult>;

// Seconds a caller should wait before trying again when Twilio stays unavailable.
const retryAfterSeconds = 30;
// Time kept back from the Lambda's budget so a retried send still answers before the timeout.
const responseReserveMs = 1_500;

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

function sendFailure(requestId: string, outcome: Exclude<SendOutcome, { outcome: "sent" }>): APIGatewayProxyResult {
  if (outcome.outcome === "unavailable") {
    return jsonResponse(
      503,
      {
        error: "twilio_unavailable",
        message: `Twilio could not take the invite after ${outcome.attempts} attempts (${outcome.reason}); nothing was sent. Try again in ${retryAfterSeconds} seconds.`,
        retry_after_seconds: retryAfterSeconds,
        request_id: requestId,
      },
      { "Retry-After": String(retryAfterSeconds) },
    );
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

function sent(requestId: string, invite: InviteRequest, messageSid: string, twilioStatus: string): APIGatewayProxyResult {
  const player = fullName(invite.player_first_name, invite.player_last_name);
  const team = `${invite.team_name} ${invite.age_group}`;
  return jsonResponse(200, {
    message: `Invite sent on WhatsApp to ${invite.parent_first_name} to register ${player} for ${team}`,
    player,
    parent: fullName(invite.parent_first_name, invite.parent_last_name),
    team,
    status: "message_sent",
    message_sid: messageSid,
    twilio_status: twilioStatus,
    request_id: requestId,
  });
}

export function createTriggerHandler(dependencies: Partial<TriggerDependencies> = {}): TriggerHandler {
  const readSettings = dependencies.readSettings ?? createSettingsReader(triggerSettingKeys);
  const messenger = dependencies.messenger ?? createMessenger();
  const parseInvite = createInviteParser();

  return async (event, context) => {
    const started = Date.now();
    const requestId = requestIdOf(event);
    const log = createLog({ request_id: requestId, route: "POST /trigger" }, dependencies.writeLog);

    const respond = async (): Promise<APIGatewayProxyResult> => {
      const body = parseJsonBody(bodyText(event));
      if (!body.ok) return invalidRequest(requestId, body.problems);
      const parsed = parseInvite(body.value);
      if (!parsed.ok) {
        log("info", "invite_rejected", { detail: parsed.problems.map((problem) => problem.field).join(",") });
        return invalidRequest(requestId, parsed.problems);
      }
      const { invite } = parsed;
      const { values, twilio } = await readSettings();
      const deadline = context ? started + context.getRemainingTimeInMillis() - responseReserveMs : undefined;
      const outcome = await messenger.sendTemplate(
        twilio,
        {
          from: `whatsapp:${values.whatsappNumber}`,
          to: `whatsapp:${invite.parent_tel}`,
          contentSid: values.templateSid,
          contentVariables: JSON.stringify(templateVariables(invite, values)),
        },
        deadline,
      );
      const to = maskPhone(invite.parent_tel);
      if (outcome.outcome === "sent") {
        log("info", "invite_sent", { to, message_sid: outcome.sid });
        return sent(requestId, invite, outcome.sid, outcome.status);
      }
      log("warn", `invite_${outcome.outcome}`, {
        to,
        twilio_code: outcome.outcome === "refused" ? outcome.code : undefined,
        twilio_status: outcome.httpStatus,
        attempts: outcome.outcome === "unavailable" ? outcome.attempts : undefined,
      });
      return sendFailure(requestId, outcome);
    };

    return answerLogged(log, respond, () =>
      jsonResponse(500, {
        error: "internal_error",
        message: `signon could not send the invite because of a problem on our side; nothing was sent. Quote request ${requestId} to the club's tech volunteer.`,
        request_id: requestId,
      }),
    );
  };
}
