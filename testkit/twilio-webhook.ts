/** Webhook requests as Twilio sends them: form-encoded and signed with the twilio package's own function. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import { proxyEvent } from "../local/gateway/proxy-event";
import { twilioSid } from "../local/stand-ins/twilio/ids";
import { testCredentials, webhookUrl } from "./fixtures";
import { recordSensitive } from "./log-capture";

export function inboundMessage(overrides: Record<string, string> = {}): Record<string, string> {
  // Twilio sends the same SID under both names.
  const sid = twilioSid("SM");
  return {
    MessageSid: sid,
    SmsMessageSid: sid,
    AccountSid: testCredentials.accountSid,
    From: "whatsapp:+447700900123",
    To: "whatsapp:+447700900000",
    Body: "Ready to register Alfie",
    NumMedia: "0",
    NumSegments: "1",
    ProfileName: "Sarah Testington",
    WaId: "447700900123",
    MessageType: "text",
    ApiVersion: "2010-04-01",
    ...overrides,
  };
}

// The default message's text and sender: what the log scan must never find.
recordSensitive("message body", [inboundMessage().Body]);
recordSensitive("name", [inboundMessage().ProfileName]);

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export interface SigningOptions {
  /** The URL Twilio signed for; the fixtures' webhook URL unless given. */
  url?: string;
  token?: string;
  header?: string;
  base64?: boolean;
  /** A body other than the signed fields, to forge a change after signing. */
  body?: string;
}

/** A POST /webhook event carrying `fields`, signed as Twilio would sign them. */
export function signedEvent(fields: Record<string, string>, options: SigningOptions = {}): APIGatewayProxyEvent {
  const body = options.body ?? formBody(fields);
  const signature = getExpectedTwilioSignature(options.token ?? testCredentials.authToken, options.url ?? webhookUrl, fields);
  return proxyEvent({
    path: "/webhook",
    body: options.base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: options.base64,
    headers: { "Content-Type": "application/x-www-form-urlencoded", [options.header ?? "X-Twilio-Signature"]: signature },
  });
}
