/**
 * GoCardless's webhook signature: `Webhook-Signature` is the hex HMAC-SHA256 of the raw body with
 * the endpoint's secret. Compared in constant time, so the answer's timing tells nothing of the secret.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function goCardlessSignature(rawBody: string, secret: string): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest("hex");
}

/** Whether `signature` (the header as sent, if any) is the body's with this secret. */
export function isGoCardlessSignatureValid(rawBody: string, signature: string | undefined, secret: string): boolean {
  if (signature === undefined || !/^[0-9a-f]{64}$/i.test(signature.trim())) return false;
  return timingSafeEqual(Buffer.from(goCardlessSignature(rawBody, secret), "hex"), Buffer.from(signature.trim(), "hex"));
}
