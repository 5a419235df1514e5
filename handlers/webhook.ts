/**
 * POST /webhook: Twilio's messaging webhook. Checks Twilio's signature against the public
 * URL, answers each MessageSid once, and replies with TwiML.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { validateRequest } from "twilio/lib/webhooks/webhooks";
import { functionTimeoutSeconds } from "../config/function-timeouts";
import { webhookSettingKeys } from "../config/settings";
import { answerLogged } from "./answer";
import { awsCallContext, createAwsCallScope } from "./aws-retry";
import { bodyText, bodyTooLarge, headerValue, requestIdOf, textResponse } from "./http";
import { createLog, maskPhone, type LineWriter } from "./log";
import { createMessageDeduplicator, type MessageDeduplicator } from "./message-deduplicator";
import { acknowledgement } from "./replies";
import { createSettingsReader, type SettingsReader } from "./settings";
import { twimlResponse } from "./twiml";

export type WebhookSettingKey = (typeof webhookSettingKeys)[number];

export interface WebhookDependencies {
  readSettings: SettingsReader<WebhookSettingKey>;
  deduplicator: MessageDeduplicator;
  writeLog?: LineWriter;
}

export type WebhookHandler = (event: APIGatewayProxyEvent, context?: Pick<Context, "getRemainingTimeInMillis">) => Promise<APIGatewayProxyResult>;

/** Twilio's form fields; a repeated name keeps all its values, as the signature covers them all. */
export function parseForm(text: string): Record<string, string | string[]> {
  // No prototype: a field may be called __proto__ or constructor, and its value must stay a field.
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = fields[name];
    fields[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return fields;
}

function firstValue(field: string | string[] | undefined): string | undefined {
  return Array.isArray(field) ? field[0] : field;
}

const twiml = (reply?: string) => textResponse(200, "text/xml", twimlResponse(reply));

export function createWebhookHandler(dependencies: Partial<WebhookDependencies> = {}): WebhookHandler {
  const awsCalls = createAwsCallScope();
  const readSettings = dependencies.readSettings ?? createSettingsReader(webhookSettingKeys, { awsCalls });
  const deduplicator = dependencies.deduplicator ?? createMessageDeduplicator(process.env, awsCalls);

  return async (event, context) => {
    const log = createLog({ request_id: requestIdOf(event), route: "POST /webhook" }, dependencies.writeLog);
    // Without a Lambda context (a direct call), the function's whole budget.
    const remainingMs = context?.getRemainingTimeInMillis() ?? functionTimeoutSeconds.webhook * 1000;

    const respond = async (): Promise<APIGatewayProxyResult> => {
      const tooLarge = bodyTooLarge(event);
      if (tooLarge) return textResponse(413, "text/plain; charset=utf-8", tooLarge);
      const fields = parseForm(bodyText(event));
      const signature = headerValue(event, "X-Twilio-Signature");
      const { values, twilio } = await readSettings();
      if (!signature || !validateRequest(twilio.authToken, signature, values.webhookUrl, fields)) {
        log("warn", signature ? "signature_mismatch" : "signature_missing");
        return textResponse(403, "text/plain; charset=utf-8", "Forbidden: X-Twilio-Signature does not match this request");
      }
      const messageSid = firstValue(fields.MessageSid);
      const from = firstValue(fields.From);
      if (!messageSid) {
        log("info", "ignored_without_message_sid");
        return twiml();
      }
      if (!(await deduplicator.firstDelivery(messageSid))) {
        log("info", "duplicate_ignored", { message_sid: messageSid });
        return twiml();
      }
      log("info", "message_received", { message_sid: messageSid, from: from ? maskPhone(from) : undefined });
      return twiml(acknowledgement({ assistantName: values.assistantName, clubName: values.clubName }));
    };

    return awsCalls.run(awsCallContext(remainingMs, log), () =>
      answerLogged(log, respond, () => textResponse(500, "text/plain; charset=utf-8", "signon could not handle this message; please try again.")),
    );
  };
}
