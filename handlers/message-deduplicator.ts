/**
 * Answers each Twilio MessageSid once. Twilio delivers a message again when it thinks the
 * first delivery failed, and anyone holding a signed request can replay it: a parent must
 * never get two replies, so a repeat within a day gets no reply at all.
 */
import { idempotencyKeyPrefixes } from "../config/idempotency";
import { createRunOnce, type RemainingTime } from "./idempotent";

export interface MessageDeduplicator {
  /** True for a MessageSid's first delivery; false for a repeat, or while another delivery of it is being answered. */
  firstDelivery(messageSid: string, context: RemainingTime): Promise<boolean>;
}

export const messageWindowSeconds = 24 * 60 * 60;

export function createMessageDeduplicator(env: NodeJS.ProcessEnv = process.env): MessageDeduplicator {
  const once = createRunOnce<{ messageSid: string }, Record<string, never>>(
    { keyField: "messageSid", expiresAfterSeconds: messageWindowSeconds, keyPrefix: idempotencyKeyPrefixes.messageSid },
    env,
  );
  return {
    async firstDelivery(messageSid, context) {
      try {
        const { replayed } = await once({ messageSid }, context, async () => ({}));
        return !replayed;
      } catch (error) {
        if (error instanceof Error && error.name === "IdempotencyAlreadyInProgressError") return false;
        throw error;
      }
    },
  };
}
