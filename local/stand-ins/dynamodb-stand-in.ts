/**
 * A DynamoDB-compatible server (dynalite, in memory) on 127.0.0.1 holding the stack's
 * idempotency, registrations and erasure log tables, for `npm start` and the tests, behind a proxy that adds
 * the transactions dynalite lacks (dynamodb-transactions.ts). The handlers reach it through the
 * AWS SDK's standard AWS_ENDPOINT_URL_DYNAMODB. dynalite does not expire items by TTL; the
 * handlers check a record's expiry themselves, so that makes no difference to what is a duplicate.
 */
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { boardTable, boardTableDefinition } from "../../aws/board-store";
import { createIdempotencyTableClient } from "../../aws/dynamodb";
import { idempotencyTable } from "../../aws/idempotency/table-layout";
import { erasureLog, erasureLogTableDefinition } from "../../config/erasure-log";
import { registrationsTable, registrationsTableDefinition } from "../../config/registrations-table";
import { environmentVariables } from "../../config/settings";
import { startTransactionsProxy } from "./dynamodb-transactions";

export interface DynamoDbStandIn {
  url: string;
  tableName: string;
  /** What a handler needs to reach the table: endpoint, region, made-up credentials, table name. */
  env: Record<string, string>;
  /** Another table of the same shape: the name a deployed function was given. */
  createTable(tableName: string): Promise<void>;
  /** Every record in the table (or another), as DynamoDB returns items. */
  items(table?: string): Promise<Record<string, Record<string, string>>[]>;
  /** Forgets every record: a test's invites count as new again. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

const tableName = "signon-local-idempotency";
const registrationsTableName = "signon-local-registrations";
const erasureLogTableName = "signon-local-erasures";
const boardTableName = "signon-local-board";

export async function startDynamoDbStandIn(): Promise<DynamoDbStandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const proxy = await startTransactionsProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const { url } = proxy;
  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: url,
    AWS_REGION: "eu-north-1",
    AWS_ACCESS_KEY_ID: "fake-access-key-for-local-stand-ins",
    AWS_SECRET_ACCESS_KEY: "fake-secret-key-for-local-stand-ins",
    [environmentVariables.idempotencyTable]: tableName,
    [environmentVariables.registrationsTable]: registrationsTableName,
    [environmentVariables.erasureLogTable]: erasureLogTableName,
    [environmentVariables.boardTable]: boardTableName,
  };
  const { call } = createIdempotencyTableClient(env);
  // As the Pulumi program declares it (infra/idempotency-table.ts), less the TTL setting dynalite lacks.
  const createTable = async (name: string) => {
    await call("CreateTable", {
      TableName: name,
      AttributeDefinitions: [{ AttributeName: idempotencyTable.keyAttribute, AttributeType: "S" }],
      KeySchema: [{ AttributeName: idempotencyTable.keyAttribute, KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    });
  };
  await createTable(tableName);
  // As the Pulumi program declares it (infra/registrations-table.ts), less TTL, PITR and encryption.
  await call("CreateTable", registrationsTableDefinition(registrationsTableName));
  await call("CreateTable", erasureLogTableDefinition(erasureLogTableName));
  // As infra/board-table.ts declares it, less TTL, PITR and encryption.
  await call("CreateTable", boardTableDefinition(boardTableName));
  const items = async (table = tableName) =>
    ((await call("Scan", { TableName: table, ConsistentRead: true })).Items ?? []) as Record<string, Record<string, string>>[];
  return {
    url,
    tableName,
    env,
    createTable,
    items,
    async clear() {
      for (const item of await items()) {
        await call("DeleteItem", { TableName: tableName, Key: { [idempotencyTable.keyAttribute]: item[idempotencyTable.keyAttribute] } });
      }
      for (const [table, { partitionKey, sortKey }] of [
        [registrationsTableName, registrationsTable],
        [boardTableName, boardTable],
      ] as const) {
        for (const item of await items(table)) {
          await call("DeleteItem", { TableName: table, Key: { [partitionKey]: item[partitionKey], [sortKey]: item[sortKey] } });
        }
      }
      for (const item of await items(erasureLogTableName)) {
        await call("DeleteItem", { TableName: erasureLogTableName, Key: { [erasureLog.partitionKey]: item[erasureLog.partitionKey] } });
      }
    },
    close: async () => {
      await proxy.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
