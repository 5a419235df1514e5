/**
 * One reply a day to a number with no invite (domain/conversation/reply-limits.ts says why): a
 * conditional PutItem claims the number's slot for the day in the idempotency table. The number
 * itself is not stored, only a digest of it, and the slot goes with the day (TTL).
 */

import { createHash } from "node:crypto";
import { replyLimitWindowSeconds } from "../../domain/conversation/reply-limits";
import type { AwsCallScope } from "../../plumbing/aws-call-scope";
import { isAwsError } from "../../plumbing/errors";
import { createIdempotencyTableClient, ownWrite } from "../dynamodb";
import { idempotencyTable } from "./table-layout";

export interface StrangerReplyLimit {
  /** True when `tel` (E.164) may be answered at `now`: its first claim in a day; false until that day has passed. */
  claim(tel: string, now: Date): Promise<boolean>;
}

/** Slots under `functionKeyPrefix`, the webhook's own. */
export function createStrangerReplyLimit(
  functionKeyPrefix: string,
  env: NodeJS.ProcessEnv = process.env,
  awsCalls?: AwsCallScope,
): StrangerReplyLimit {
  const { call, tableName } = createIdempotencyTableClient(env, awsCalls);
  return {
    async claim(tel, now) {
      const seconds = Math.floor(now.getTime() / 1000);
      const digest = createHash("sha256").update(tel).digest("base64url");
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
