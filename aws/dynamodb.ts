/** The stack's DynamoDB tables over DynamoDB's JSON API, with a signed request of our own (aws/aws-json.ts). */
import { randomUUID } from "node:crypto";
import { environmentVariables } from "../config/settings";
import type { AwsCallScope } from "../plumbing/aws-call-scope";
import { idempotencyStoreError } from "../plumbing/errors";
import { createRequestSender } from "../plumbing/outbound-http";
import { type AwsJsonCall, createAwsJsonCall, requiredEnv } from "./aws-json";
import { dynamoDbRetryPolicy } from "./aws-retry";

export type AttributeValue = { S: string } | { N: string };
export type Item = Record<string, AttributeValue>;

export interface DynamoDbTableClient {
  call: AwsJsonCall;
  /** Read at each call, like the AWS settings: a missing variable fails the request that needs it, with its name. */
  tableName(): string;
}

/**
 * One of the stack's tables over DynamoDB's JSON API, named by the environment variable
 * `tableVariable`; `missing` is the error a function without it raises (named for its logs).
 */
export function createDynamoDbTableClient(
  env: NodeJS.ProcessEnv,
  tableVariable: string,
  missing: (variable: string) => Error,
  awsCalls?: AwsCallScope,
): DynamoDbTableClient {
  return {
    call: createAwsJsonCall(
      { service: "dynamodb", targetPrefix: "DynamoDB_20120810", jsonVersion: "1.0", retry: dynamoDbRetryPolicy },
      createRequestSender(),
      env,
      missing,
      awsCalls,
    ),
    tableName: () => requiredEnv(env, tableVariable, missing),
  };
}

export function createIdempotencyTableClient(env: NodeJS.ProcessEnv, awsCalls?: AwsCallScope): DynamoDbTableClient {
  return createDynamoDbTableClient(
    env,
    environmentVariables.idempotencyTable,
    (variable) => idempotencyStoreError(`environment variable ${variable} is not set`),
    awsCalls,
  );
}

/**
 * A conditional PutItem retried after a lost answer (a reset once the request had gone) can
 * meet the record its own first attempt wrote and fail its condition, a false duplicate. So
 * each such write carries a random id, and its condition also accepts a record holding that
 * id: the retry succeeds as its first attempt did, and any other request is still refused.
 */
export function ownWrite(): { item: Item; condition: string; names: Record<string, string>; values: Item } {
  const id: AttributeValue = { S: randomUUID() };
  return { item: { write_id: id }, condition: "#write_id = :write_id", names: { "#write_id": "write_id" }, values: { ":write_id": id } };
}
