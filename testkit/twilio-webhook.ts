/** Webhook requests as Twilio sends them: form-encoded and signed with the twilio package's own function. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import { proxyEvent } from "../local/gateway/proxy-event";
import { twilioSid } from "../local/stand-ins/twilio/ids";
import { parentMessage, testCredentials, webhookUrl } from "./fixtures";
import { recordSensitive } from "./log-capture";

export function inboundMessage(overrides: Record<string, string> = {}): Record<string, string> {
  // Twilio sends the same SID under both names.
  const sid = twilioSid("SM");
  recordSensitive("parent's MessageSid", [sid]);
  return {
    MessageSid: sid,
    SmsMessageSid: sid,
    AccountSid: testCredentials.accountSid,
    From: "whatsapp:+447700900123",
    To: "whatsapp:+447700900000",
    Body: parentMessage.body,
    NumMedia: "0",
    NumSegments: "1",
    ProfileName: parentMessage.profileName,
    WaId: "447700900123",
    MessageType: "text",
    ApiVersion: "2010-04-01",
    ...overrides,
  };
}

// 900600 to 900899: numbers no test invites.
let strangersSoFar = 0;

/**
 * A message from a number with no invite, a new number at each call, as a number with no invite gets
 * one reply a day (handlers/webhook.ts): for a test of what a message is answered with, not how often.
 */
export function strangerMessage(overrides: Record<string, string> = {}): Record<string, string> {
  const tel = `+447700900${600 + (strangersSoFar++ % 300)}`;
  return inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1), ...overrides });
}

/**
 * A webhook's clock a day later at each reading (once per message): every message on a day of its
 * own, for tests of many messages from one number with no invite that are about what each is
 * answered with, not how often.
 */
export function aDayPerMessage(first = new Date("2025-07-01T12:00:00.000Z")): () => Date {
  let days = 0;
  return () => new Date(first.getTime() + days++ * 24 * 60 * 60 * 1000);
}

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export interface SigningOptions {
  /** The URL Twilio signed for; the fixtures' webhook URL unless given. */
  url?: string;
  /** The auth token it signed with; the test account's unless given. */
  token?: string;
}

/** X-Twilio-Signature for `fields` (a repeated field with all its values), as Twilio makes it. */
export function twilioSignature(
  fields: Record<string, string | string[]>,
  { url = webhookUrl, token = testCredentials.authToken }: SigningOptions = {},
): string {
  return getExpectedTwilioSignature(token, url, fields);
}

export interface SignedEventOptions extends SigningOptions {
  header?: string;
  base64?: boolean;
  /** A body other than the signed fields, to forge a change after signing. */
  body?: string;
}

/** A POST /webhook event carrying `fields`, signed as Twilio would sign them. */
export function signedEvent(fields: Record<string, string>, options: SignedEventOptions = {}): APIGatewayProxyEvent {
  const body = options.body ?? formBody(fields);
  return proxyEvent({
    path: "/webhook",
    body: options.base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: options.base64,
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      [options.header ?? "X-Twilio-Signature"]: twilioSignature(fields, options),
    },
  });
}

const stagedUrl = new URL(webhookUrl);
const pathWithoutStage = stagedUrl.pathname.replace(/^\/[^/]+/, "");

/** URLs a signature may have been made for that are not the one pasted into Twilio, by what is wrong with each. */
export const otherWebhookUrls = {
  "the URL without its stage path": `${stagedUrl.origin}${pathWithoutStage}`,
  "another stage": `${stagedUrl.origin}/prod${pathWithoutStage}`,
  "http instead of https": webhookUrl.replace(/^https:/, "http:"),
  "another API's host": webhookUrl.replace(stagedUrl.hostname, "f6g7h8i9j0.execute-api.eu-north-1.amazonaws.com"),
  "the URL with a query string": `${webhookUrl}?from=twilio`,
  "the URL with a trailing slash": `${webhookUrl}/`,
  "another route": webhookUrl.replace(/webhook$/, "trigger"),
};

/** The webhook's own URL with the default port written out, which Twilio's validator also accepts. */
export const webhookUrlWithPort = webhookUrl.replace(stagedUrl.hostname, `${stagedUrl.hostname}:443`);
