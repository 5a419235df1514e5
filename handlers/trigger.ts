/**
 * POST /trigger: validates an invite, fills the template's nine variables and sends the
 * WhatsApp template message through Twilio, once: parse the request, run the send under the
 * duplicate check, answer what happened (handlers/trigger-answers.ts).
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { awsCallContext, createAwsCallScope } from "../aws/aws-retry";
import {
  createInviteDeduplicator,
  type Deduplicated,
  type InviteDeduplicator,
  type SentInvite,
} from "../aws/idempotency/invite-deduplicator";
import { createSettingsReader, type HandlerSettings, type SettingsReader } from "../aws/settings-reader";
import { createInviteParser, type InviteParseResult, type InviteRequest, parseJsonBody, templateVariables } from "../domain/invite";
import { answerLogged } from "../plumbing/answer-logged";
import { bodyText, bodyTooLarge, headerValue, type ProxyHandler, type RemainingTime, requestIdOf } from "../plumbing/api-gateway-event";
import { InviteNotSentError, isInviteNotSentError } from "../plumbing/errors";
import { createLog, type LineWriter, type Log, maskPhone } from "../plumbing/log";
import { createMessagesClient, type MessagesClient } from "../twilio/messages-client";
import type { FunctionDeclaration, TriggerSettingKey } from "./functions";
import {
  duplicateCheckAnswer,
  internalErrorAnswer,
  notSentAnswer,
  refusedAnswer,
  sentAnswer,
  type TriggerRefusal,
} from "./trigger-answers";

export interface TriggerDependencies {
  /** The Lambda's environment unless given. */
  env: NodeJS.ProcessEnv;
  readSettings: SettingsReader<TriggerSettingKey>;
  messagesClient: MessagesClient;
  deduplicator: InviteDeduplicator;
  writeLog?: LineWriter;
}

export type TriggerHandler = ProxyHandler;

/** What every step of one request shares. */
interface TriggerRequest {
  requestId: string;
  log: Log;
  remaining: RemainingTime;
}

// Time kept back from the Lambda's budget so a retried send still answers before the timeout.
const responseReserveMs = 1_500;
// Visible ASCII, as the IETF Idempotency-Key draft and Stripe's keys use; UUIDs fit.
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

/** The invite and its Idempotency-Key, or why the request is refused. */
function parseRequest(
  event: APIGatewayProxyEvent,
  parseInvite: (payload: unknown) => InviteParseResult,
  log: Log,
): { invite: InviteRequest; idempotencyKey?: string } | TriggerRefusal {
  const tooLarge = bodyTooLarge(event);
  if (tooLarge) return { refused: "body_too_large", message: tooLarge };
  const body = parseJsonBody(bodyText(event));
  if (!body.ok) return { refused: "invalid_request", problems: body.problems };
  const parsed = parseInvite(body.value);
  if (!parsed.ok) {
    log("info", "invite_rejected", { detail: parsed.problems.map((problem) => problem.field).join(",") });
    return { refused: "invalid_request", problems: parsed.problems };
  }
  const idempotencyKey = headerValue(event, "Idempotency-Key")?.trim();
  if (idempotencyKey !== undefined && !idempotencyKeyPattern.test(idempotencyKey)) return { refused: "invalid_idempotency_key" };
  return { invite: parsed.invite, idempotencyKey };
}

/**
 * Sends the invite through Twilio and returns what is kept of the send. A send Twilio may or may
 * not have taken is kept too, so that a repeat does not risk a second invite; one that made no
 * message throws InviteNotSentError, so that nothing is kept and the caller can try again.
 */
async function sendInvite(
  messagesClient: MessagesClient,
  invite: InviteRequest,
  settings: Promise<HandlerSettings<TriggerSettingKey>>,
  { requestId, log, remaining }: TriggerRequest,
): Promise<SentInvite> {
  const { values, twilio } = await settings;
  const message = {
    from: `whatsapp:${values.whatsappNumber}`,
    to: `whatsapp:${invite.parent_tel}`,
    contentSid: values.templateSid,
    contentVariables: JSON.stringify(templateVariables(invite, values)),
  };
  const outcome = await messagesClient.sendTemplate(twilio, message, Date.now() + remaining.getRemainingTimeInMillis() - responseReserveMs);
  const sentAt = new Date().toISOString();
  const to = maskPhone(invite.parent_tel);
  if (outcome.outcome === "unconfirmed") {
    log("warn", "invite_unconfirmed", { to, twilio_status: outcome.httpStatus, attempts: outcome.attempts });
    return { request_id: requestId, sent_at: sentAt };
  }
  if (outcome.outcome !== "sent") throw new InviteNotSentError(outcome);
  log("info", "invite_sent", { to, message_sid: outcome.sid });
  return { message_sid: outcome.sid, twilio_status: outcome.status, request_id: requestId, sent_at: sentAt };
}

/** Powertools wraps the table's failure: its cause's code or name (ECONNREFUSED, ResourceNotFoundException) is what a volunteer can act on. */
function causeName(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; name?: unknown } | undefined) : undefined;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.name === "string" ? cause.name : undefined;
  const name = error instanceof Error ? error.name : typeof error;
  return detail ? `${name}: ${detail}` : name;
}

/** The invite went, now or earlier. */
function answerSent(invite: InviteRequest, deduplicated: Deduplicated, { requestId, log }: TriggerRequest) {
  if (deduplicated.replayed) log("info", "duplicate_not_sent", { message_sid: deduplicated.sent.message_sid });
  // The invite went though its record was not kept: the caller must hear that it went.
  if (deduplicated.recordError !== undefined) {
    log("warn", "duplicate_record_not_saved", { message_sid: deduplicated.sent.message_sid, error: causeName(deduplicated.recordError) });
  }
  return sentAnswer(requestId, invite, deduplicated);
}

/** Nothing was sent: Twilio refused or stayed unavailable, or a duplicate check stopped the send. Anything else is rethrown. */
function answerNotSent(invite: InviteRequest, error: unknown, { requestId, log }: TriggerRequest) {
  if (isInviteNotSentError(error)) {
    const { outcome } = error;
    log("warn", `invite_${outcome.outcome}`, {
      to: maskPhone(invite.parent_tel),
      twilio_code: outcome.outcome === "refused" ? outcome.code : undefined,
      twilio_status: outcome.httpStatus,
      attempts: outcome.outcome === "unavailable" ? outcome.attempts : undefined,
    });
    return notSentAnswer(requestId, outcome);
  }
  const answer = duplicateCheckAnswer(requestId, error);
  if (!answer) throw error;
  log("warn", "duplicate_check_stopped_send", { error: causeName(error) });
  return answer;
}

export function createTriggerHandler(
  declaration: FunctionDeclaration<TriggerSettingKey>,
  dependencies: Partial<TriggerDependencies> = {},
): TriggerHandler {
  const env = dependencies.env ?? process.env;
  // Each invocation's deadline and log, for the AWS calls it makes however deep (aws/aws-retry.ts).
  const awsCalls = createAwsCallScope();
  const readSettings = dependencies.readSettings ?? createSettingsReader(declaration.settingKeys, { env, awsCalls });
  const messagesClient = dependencies.messagesClient ?? createMessagesClient({ apiBaseUrl: env.TWILIO_API_BASE_URL });
  const deduplicator = dependencies.deduplicator ?? createInviteDeduplicator(declaration.idempotencyKeyPrefix, env, awsCalls);
  const route = `${declaration.route.method} ${declaration.route.path}`;
  const parseInvite = createInviteParser();

  return async (event, context) => {
    const started = Date.now();
    const requestId = requestIdOf(event);
    const log = createLog({ request_id: requestId, route }, dependencies.writeLog);
    // Without a Lambda context (a direct call), the function's own budget from now.
    const remaining = context ?? { getRemainingTimeInMillis: () => declaration.timeoutSeconds * 1000 - (Date.now() - started) };
    const request: TriggerRequest = { requestId, log, remaining };

    const answer = async () => {
      const parsed = parseRequest(event, parseInvite, log);
      if ("refused" in parsed) return refusedAnswer(requestId, parsed);
      const { invite, idempotencyKey } = parsed;
      // Read while the duplicate check's first write is in flight: a cold start waits for one round trip, not two.
      const settings = readSettings();
      settings.catch(() => undefined); // awaited by the send; a duplicate never gets there
      return deduplicator
        .once({ invite, idempotencyKey }, remaining, () => sendInvite(messagesClient, invite, settings, request))
        .then(
          (deduplicated) => answerSent(invite, deduplicated, request),
          (error: unknown) => answerNotSent(invite, error, request),
        );
    };
    return awsCalls.run(awsCallContext(remaining.getRemainingTimeInMillis(), log), () =>
      answerLogged(log, answer, () => internalErrorAnswer(requestId)),
    );
  };
}
