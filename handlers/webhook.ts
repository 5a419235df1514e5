/**
 * POST /webhook: Twilio's messaging webhook. Checks Twilio's signature against the public
 * URL, answers each MessageSid once, and replies with TwiML.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { awsCallContext, createAwsCallScope } from "../aws/aws-retry";
import { createMessageDeduplicator, type MessageDeduplicator } from "../aws/idempotency/message-deduplicator";
import { createSettingsReader, type SettingsReader } from "../aws/settings-reader";
import { acknowledgement } from "../domain/replies";
import { answerLogged } from "../plumbing/answer-logged";
import { bodyText, bodyTooLarge, headerValue, type RemainingTime, requestIdOf, textResponse } from "../plumbing/api-gateway-event";
import { createLog, type LineWriter, maskPhone } from "../plumbing/log";
import { twimlResponse } from "../twilio/twiml";
import { firstValue, parseForm, signedByTwilio } from "../twilio/webhook-request";
import type { FunctionDeclaration, WebhookSettingKey } from "./functions";

export interface WebhookDependencies {
  /** The Lambda's environment unless given. */
  env: NodeJS.ProcessEnv;
  readSettings: SettingsReader<WebhookSettingKey>;
  deduplicator: MessageDeduplicator;
  writeLog?: LineWriter;
}

export type WebhookHandler = (event: APIGatewayProxyEvent, context?: RemainingTime) => Promise<APIGatewayProxyResult>;

const twiml = (reply?: string) => textResponse(200, "text/xml", twimlResponse(reply));

export function createWebhookHandler(
  declaration: FunctionDeclaration<WebhookSettingKey>,
  dependencies: Partial<WebhookDependencies> = {},
): WebhookHandler {
  const env = dependencies.env ?? process.env;
  // Each invocation's deadline and log, for the AWS calls it makes (aws/aws-retry.ts).
  const awsCalls = createAwsCallScope();
  const readSettings = dependencies.readSettings ?? createSettingsReader(declaration.settingKeys, { env, awsCalls });
  const deduplicator = dependencies.deduplicator ?? createMessageDeduplicator(declaration.idempotencyKeyPrefix, env, awsCalls);
  const route = `${declaration.route.method} ${declaration.route.path}`;

  return async (event, context) => {
    const log = createLog({ request_id: requestIdOf(event), route }, dependencies.writeLog);
    // Without a Lambda context (a direct call), the function's whole budget.
    const remainingMs = context?.getRemainingTimeInMillis() ?? declaration.timeoutSeconds * 1000;

    const respond = async (): Promise<APIGatewayProxyResult> => {
      const tooLarge = bodyTooLarge(event);
      if (tooLarge) return textResponse(413, "text/plain; charset=utf-8", tooLarge);
      const fields = parseForm(bodyText(event));
      const signature = headerValue(event, "X-Twilio-Signature");
      const { values, twilio } = await readSettings();
      if (!signature || !signedByTwilio(twilio.authToken, signature, values.webhookUrl, fields)) {
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
      answerLogged(log, respond, () =>
        textResponse(500, "text/plain; charset=utf-8", "signon could not handle this message; please try again."),
      ),
    );
  };
}
