/**
 * Answers each Twilio MessageSid once. Twilio delivers a message again when it thinks the
 * first delivery failed, and anyone holding a signed request can replay it: a parent must
 * never get two replies, so a repeat within a day gets no reply at all.
 *
 * One conditional write per message marks it, in the idempotency table (table-layout.ts). The
 * reply is only the TwiML answer, so there is no in-progress work to track. The write accepts its own
 * earlier attempt (`ownWrite`), so a retry after a lost answer is not taken for a repeat.
 */

import type { AwsCallScope } from "../../plumbing/aws-call-scope";
import { isAwsError } from "../../plumbing/errors";
import { createIdempotencyTableClient, ownWrite } from "../dynamodb";
import { idempotencyTable } from "./table-layout";

export interface MessageDeduplicator {
  /**
   * True for a message's first delivery; false for every repeat. `messageMark` is a digest of its
   * MessageSid (`messageMark` in handlers/webhook.ts), the same the parent's contact keeps, so the
   * table holds no SID in clear and a contact's marks can be carried over when it is erased.
   */
  firstDelivery(messageMark: string): Promise<boolean>;
  /** Marks each message as delivered, whether or not it was already: a contact's remembered messages, when it is erased. */
  markDelivered(messageMarks: readonly string[]): Promise<void>;
}

/** Erasure is rare and a contact remembers up to 50 messages: marked a few at a time, not 50 connections at once. */
const marksAtOnce = 10;

export const messageWindowSeconds = 24 * 60 * 60;

/** Marks under `functionKeyPrefix`, the webhook's own. */
export function createMessageDeduplicator(
  functionKeyPrefix: string,
  env: NodeJS.ProcessEnv = process.env,
  awsCalls?: AwsCallScope,
): MessageDeduplicator {
  const { call, tableName } = createIdempotencyTableClient(env, awsCalls);
  const firstDelivery = async (messageMark: string): Promise<boolean> => {
    const now = Math.floor(Date.now() / 1000);
    const key = `${functionKeyPrefix}message-sid#${messageMark}`;
    const own = ownWrite();
    try {
      await call("PutItem", {
        TableName: tableName(),
        Item: {
          [idempotencyTable.keyAttribute]: { S: key },
          [idempotencyTable.expiryAttribute]: { N: String(now + messageWindowSeconds) },
          ...own.item,
          [idempotencyTable.statusAttribute]: { S: "COMPLETED" },
        },
        // New, or a record whose day has passed but which DynamoDB's TTL has not yet removed, or this write's own.
        ConditionExpression: `attribute_not_exists(#id) OR #expiry < :now OR ${own.condition}`,
        ExpressionAttributeNames: { "#id": idempotencyTable.keyAttribute, "#expiry": idempotencyTable.expiryAttribute, ...own.names },
        ExpressionAttributeValues: { ":now": { N: String(now) }, ...own.values },
      });
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  };
  return {
    firstDelivery,
    async markDelivered(messageMarks) {
      for (let first = 0; first < messageMarks.length; first += marksAtOnce) {
        await Promise.all(messageMarks.slice(first, first + marksAtOnce).map(firstDelivery));
      }
    },
  };
}
