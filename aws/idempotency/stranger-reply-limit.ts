/**
 * One reply a day to a number with no invite (domain/conversation/reply-limits.ts says why): a
 * conditional PutItem claims the number's slot for the day in the idempotency table. The number
 * itself is not stored, only a keyed digest of it (HMAC-SHA256): a plain hash of a phone number is
 * undone by hashing every number, a keyed one not without the key. The slot goes with the day (TTL).
 */

import { createHmac } from "node:crypto";
import { replyLimitWindowSeconds } from "../../domain/conversation/reply-limits";
import type { AwsCallScope } from "../../plumbing/aws-call-scope";
import { isAwsError } from "../../plumbing/errors";
import { createIdempotencyTableClient, ownWrite } from "../dynamodb";
import { idempotencyTable } from "./table-layout";

export interface StrangerReplyLimit {
  /**
   * True when `tel` (E.164) may be answered at `now`: its first claim in a day; false until that day
   * has passed. `digestKey` keys the number's digest: a secret, the same on every call.
   */
  claim(tel: string, now: Date, digestKey: string): Promise<boolean>;
}

/** Slots under `functionKeyPrefix`, the webhook's own. */
export function createStrangerReplyLimit(
  functionKeyPrefix: string,
  env: NodeJS.ProcessEnv = process.env,
  awsCalls?: AwsCallScope,
): StrangerReplyLimit {
  const { call, tableName } = createIdempotencyTableClient(env, awsCalls);
  return {
    async claim(tel, now, digestKey) {
      const seconds = Math.floor(now.getTime() / 1000);
      const digest = createHmac("sha256", digestKey).update(tel).digest("base64url");
      const own = ownWrite();
      try {
        await call("PutItem", {
          TableName: tableName(),
          Item: {
            [idempotencyTable.keyAttribute]: { S: `${functionKeyPrefix}reply-limit#${digest}` },
            [idempotencyTable.expiryAttribute]: { N: String(seconds + replyLimitWindowSeconds) },
            ...own.item,
            [idempotencyTable.statusAttribute]: { S: "COMPLETED" },
          },
          // New, or a slot whose day has passed but which DynamoDB's TTL has not yet removed, or this write's own retry.
          ConditionExpression: `attribute_not_exists(#id) OR #expiry <= :now OR ${own.condition}`,
          ExpressionAttributeNames: { "#id": idempotencyTable.keyAttribute, "#expiry": idempotencyTable.expiryAttribute, ...own.names },
          ExpressionAttributeValues: { ":now": { N: String(seconds) }, ...own.values },
        });
        return true;
      } catch (error) {
        if (isAwsError(error, "ConditionalCheckFailedException")) return false;
        throw error;
      }
    },
  };
}
