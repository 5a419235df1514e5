/**
 * Sends each invite once. A double click or a retried automation repeats the same invite:
 * within an hour of the first it is answered from the record of that send instead of
 * reaching Twilio again. A caller that sends an `Idempotency-Key` header decides for itself:
 * the key, not the invite, is what repeats, for a day, and a new key sends again.
 */

import type { InviteRequest } from "../../domain/invite";
import type { RemainingTime } from "../../plumbing/api-gateway-event";
import type { AwsCallScope } from "../aws-retry";
import { createRunOnce } from "./run-once";

/**
 * What is remembered of a send: no name, no number, only what the caller needs to hear again.
 * Without a message SID it is a send Twilio may or may not have taken (its answer was lost and
 * the lookup failed): remembered all the same, so a repeat does not risk a second invite.
 */
export interface SentInvite {
  message_sid?: string;
  twilio_status?: string;
  request_id: string;
  sent_at: string;
}

export interface Deduplicated {
  sent: SentInvite;
  /** True when this answer comes from an earlier request's record: nothing was sent now. */
  replayed: boolean;
  /** Sent now, but its record could not be kept (this is why): a repeat would send it again. */
  recordError?: unknown;
}

export interface InviteDeduplicator {
  /**
   * Runs `send` unless this invite (or key) was sent already or is being sent right now.
   * Throws Powertools' errors: IdempotencyAlreadyInProgressError, IdempotencyValidationError
   * (a key reused for another invite), IdempotencyPersistenceLayerError (the table is out of reach).
   * Whatever `send` throws is rethrown, and nothing is remembered, so the caller can try again.
   */
  once(
    identity: { invite: InviteRequest; idempotencyKey?: string },
    context: RemainingTime,
    send: () => Promise<SentInvite>,
  ): Promise<Deduplicated>;
}

export const duplicateWindowSeconds = { invite: 60 * 60, idempotencyKey: 24 * 60 * 60 } as const;

type Identity = { invite: InviteRequest; key?: string };

/** Records under `functionKeyPrefix` (the trigger's own), one kind for invites and one for keys. */
export function createInviteDeduplicator(
  functionKeyPrefix: string,
  env: NodeJS.ProcessEnv = process.env,
  awsCalls?: AwsCallScope,
): InviteDeduplicator {
  const byInvite = createRunOnce<Identity, SentInvite>(
    { keyField: "invite", expiresAfterSeconds: duplicateWindowSeconds.invite, keyPrefix: `${functionKeyPrefix}invite` },
    env,
    awsCalls,
  );
  // A key reused with another invite is refused, not answered with the first invite's result.
  const byKey = createRunOnce<Identity, SentInvite>(
    {
      keyField: "key",
      sameField: "invite",
      expiresAfterSeconds: duplicateWindowSeconds.idempotencyKey,
      keyPrefix: `${functionKeyPrefix}idempotency-key`,
    },
    env,
    awsCalls,
  );
  return {
    async once({ invite, idempotencyKey }, context, send) {
      const { result, replayed, recordError } = await (idempotencyKey === undefined ? byInvite : byKey)(
        { invite, key: idempotencyKey },
        context,
        send,
      );
      return { sent: result, replayed, recordError };
    },
  };
}
