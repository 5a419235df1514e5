/** Webhook requests as Twilio sends them: form-encoded and signed with the twilio package's own function. */
import { randomBytes } from "node:crypto";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import { testCredentials } from "./fixtures";

export function inboundMessage(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    MessageSid: `SM${randomBytes(16).toString("hex")}`,
    SmsMessageSid: "SM00000000000000000000000000000000",
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

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export function twilioSignature(authToken: string, url: string, fields: Record<string, string>): string {
  return getExpectedTwilioSignature(authToken, url, fields);
}
