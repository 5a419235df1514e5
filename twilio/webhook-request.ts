/** What Twilio posts to signon (messages, delivery statuses): its form fields, and the signature over them. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { validateRequest } from "twilio/lib/webhooks/webhooks";
import { bodyText, bodyTooLarge, headerValue, plainTextResponse } from "../plumbing/api-gateway-event";
import type { Log } from "../plumbing/log";

export type WebhookFields = Record<string, string | string[]>;

/** Twilio's form fields; a repeated name keeps all its values, as the signature covers them all. */
export function parseForm(text: string): WebhookFields {
  // No prototype: a field may be called __proto__ or constructor, and its value must stay a field.
  const fields: WebhookFields = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = fields[name];
    fields[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return fields;
}

/** A WhatsApp address's number: `whatsapp:+447700900123` → `+447700900123`. */
export const telOf = (address: string) => address.replace(/^whatsapp:/, "");

/** A field's value, or the first of a repeated field's. */
export function firstValue(field: string | string[] | undefined): string | undefined {
  return Array.isArray(field) ? field[0] : field;
}

/**
 * Whether X-Twilio-Signature is Twilio's signature of these fields posted to `url`, made with the
 * account's auth token: checked by the twilio package's own validator.
 */
export function signedByTwilio(authToken: string, signature: string, url: string, fields: WebhookFields): boolean {
  return validateRequest(authToken, signature, url, fields);
}

/** A request Twilio signs, as API Gateway passed it: its form fields and its X-Twilio-Signature. */
export interface TwilioRequest {
  fields: WebhookFields;
  signature?: string;
}

/** The request's form and signature, or the 413 answer for a body too large to be Twilio's. */
export function twilioRequestOf(event: APIGatewayProxyEvent): TwilioRequest | { refusal: APIGatewayProxyResult } {
  const tooLarge = bodyTooLarge(event);
  if (tooLarge) return { refusal: plainTextResponse(413, tooLarge) };
  return { fields: parseForm(bodyText(event)), signature: headerValue(event, "X-Twilio-Signature") };
}

/** The 403 answer, logged, unless the request carries Twilio's signature for `url`; undefined when it does. */
export function refusalUnlessSigned(request: TwilioRequest, authToken: string, url: string, log: Log): APIGatewayProxyResult | undefined {
  if (request.signature && signedByTwilio(authToken, request.signature, url, request.fields)) return undefined;
  log("warn", request.signature ? "signature_mismatch" : "signature_missing");
  return plainTextResponse(403, "Forbidden: X-Twilio-Signature does not match this request");
}
