/**
 * Powertools Idempotency's records, kept in the stack's DynamoDB table. Powertools decides
 * what a duplicate is (in progress, completed, expired); this layer only stores records, with
 * the same item layout and conditions as Powertools' own DynamoDBPersistenceLayer, but over
 * a signed request of our own instead of the AWS SDK's DynamoDB client (about 75 ms of a
 * cold start to load). One difference: the first write accepts its own earlier attempt
 * (`ownWrite`), so a retry after a lost answer is not refused as a request in progress.
 */
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from "@aws-lambda-powertools/idempotency";
import { BasePersistenceLayer, IdempotencyRecord } from "@aws-lambda-powertools/idempotency/persistence";
import type { IdempotencyRecordOptions, IdempotencyRecordStatusValue } from "@aws-lambda-powertools/idempotency/types";
import { isAwsError } from "../../plumbing/errors";
import type { AwsCallScope } from "../aws-retry";
import { createIdempotencyTableClient, type Item, ownWrite } from "../dynamodb";
import { idempotencyTable } from "./table-layout";

const attributes = {
  key: idempotencyTable.keyAttribute,
  expiry: idempotencyTable.expiryAttribute,
  status: idempotencyTable.statusAttribute,
  inProgressExpiry: "in_progress_expiration",
  data: "data",
  validation: "validation",
} as const;

function text(item: Item, name: string): string | undefined {
  const value = item[name];
  return value && "S" in value ? value.S : undefined;
}

function number(item: Item, name: string): number | undefined {
  const value = item[name];
  return value && "N" in value ? Number(value.N) : undefined;
}

function recordFrom(item: Item): IdempotencyRecord {
  const data = text(item, attributes.data);
  return new IdempotencyRecord({
    idempotencyKey: text(item, attributes.key) ?? "",
    status: text(item, attributes.status) as IdempotencyRecordStatusValue,
    expiryTimestamp: number(item, attributes.expiry),
    inProgressExpiryTimestamp: number(item, attributes.inProgressExpiry),
    // Stored as JSON text: one attribute type, no marshalling of nested maps.
    responseData: data === undefined ? undefined : (JSON.parse(data) as IdempotencyRecordOptions["responseData"]),
    payloadHash: text(item, attributes.validation),
  });
}

/**
 * A store on the table named by SIGNON_IDEMPOTENCY_TABLE. The class is declared in here, not
 * at the top level, so that Pulumi's closure serializer captures Powertools' module (emitted as
 * a require) rather than serializing its base class by value.
 */
export function createIdempotencyStore(env: NodeJS.ProcessEnv = process.env, awsCalls?: AwsCallScope): BasePersistenceLayer {
  const { call, tableName } = createIdempotencyTableClient(env, awsCalls);
  const keyOf = (idempotencyKey: string): Item => ({ [attributes.key]: { S: idempotencyKey } });

  class DynamoDbIdempotencyStore extends BasePersistenceLayer {
    protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
      const answer = await call("GetItem", { TableName: tableName(), Key: keyOf(idempotencyKey), ConsistentRead: true });
      if (!answer.Item) throw new IdempotencyItemNotFoundError();
      return recordFrom(answer.Item as Item);
    }

    protected async _putRecord(record: IdempotencyRecord): Promise<void> {
      const item: Item = {
        ...keyOf(record.idempotencyKey),
        [attributes.expiry]: { N: String(record.expiryTimestamp) },
        [attributes.status]: { S: record.getStatus() },
      };
      if (record.inProgressExpiryTimestamp !== undefined)
        item[attributes.inProgressExpiry] = { N: String(record.inProgressExpiryTimestamp) };
      if (this.isPayloadValidationEnabled() && record.payloadHash !== undefined) item[attributes.validation] = { S: record.payloadHash };
      const now = Date.now();
      const own = ownWrite();
      try {
        await call("PutItem", {
          TableName: tableName(),
          Item: { ...item, ...own.item },
          // New, or expired, or in progress by an invocation that has run out of time, or this write's own.
          ConditionExpression: `attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis) OR ${own.condition}`,
          ExpressionAttributeNames: {
            "#id": attributes.key,
            "#expiry": attributes.expiry,
            "#status": attributes.status,
            "#in_progress_expiry": attributes.inProgressExpiry,
            ...own.names,
          },
          ExpressionAttributeValues: {
            ":now": { N: String(now / 1000) },
            ":now_in_millis": { N: String(now) },
            ":inprogress": { S: "INPROGRESS" },
            ...own.values,
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        });
      } catch (error) {
        if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
        const existing = error.answer.Item as Item | undefined;
        // The message names only the hashed key.
        throw new IdempotencyItemAlreadyExistsError(`record ${record.idempotencyKey} exists`, existing && recordFrom(existing));
      }
    }

    protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
      const names: Record<string, string> = { "#expiry": attributes.expiry, "#status": attributes.status };
      const values: Item = { ":expiry": { N: String(record.expiryTimestamp) }, ":status": { S: record.getStatus() } };
      if (record.responseData !== undefined) {
        names["#data"] = attributes.data;
        values[":data"] = { S: JSON.stringify(record.responseData) };
      }
      if (this.isPayloadValidationEnabled() && record.payloadHash !== undefined) {
        names["#validation"] = attributes.validation;
        values[":validation"] = { S: record.payloadHash };
      }
      await call("UpdateItem", {
        TableName: tableName(),
        Key: keyOf(record.idempotencyKey),
        UpdateExpression: `SET ${Object.keys(names)
          .map((name) => `${name} = :${name.slice(1)}`)
          .join(", ")}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    }

    protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
      await call("DeleteItem", { TableName: tableName(), Key: keyOf(record.idempotencyKey) });
    }
  }

  return new DynamoDbIdempotencyStore();
}
