/**
 * Twilio-shaped identifiers made up on the spot: the stand-in's message SIDs, and accounts for
 * local runs and tests, so nothing that looks like a real credential is ever committed.
 */
import { randomBytes } from "node:crypto";
import type { TwilioCredentials } from "../../../twilio/messages-client";

const randomHex = () => randomBytes(16).toString("hex");

/** `SM…`, `AC…`, `MG…`: a prefix and 32 hex characters, as Twilio writes its SIDs. */
export const twilioSid = (prefix: string) => `${prefix}${randomHex()}`;

export function madeUpTwilioAccount(): TwilioCredentials {
  return { accountSid: twilioSid("AC"), authToken: randomHex() };
}
