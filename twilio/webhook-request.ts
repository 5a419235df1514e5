/** What Twilio posts to the messaging webhook: its form fields, and the signature over them. */
import { validateRequest } from "twilio/lib/webhooks/webhooks";

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
