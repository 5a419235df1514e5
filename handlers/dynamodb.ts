/** The stack's idempotency table over DynamoDB's JSON API, with a signed request of our own (handlers/aws-json.ts). */
import { environmentVariables } from "../config/settings";
import { createAwsJsonCall, requiredEnv, type AwsJsonCall } from "./aws-json";
import { dynamoDbRetryPolicy, type AwsCallScope } from "./aws-retry";
import { createRequestSender } from "./request";

export type AttributeValue = { S: string } | { N: string };
export type Item = Record<string, AttributeValue>;

/** The table cannot be used as deployed; named so the handlers can log it without its message. */
const missingVariable = (variable: string) =>
  Object.assign(new Error(`environment variable ${variable} is not set`), { name: "IdempotencyStoreError" });

export interface IdempotencyTableClient {
  call: AwsJsonCall;
  /** Read at each call, like the AWS settings: a missing variable fails the request that needs it, with its name. */
  tableName(): string;
}

export function createIdempotencyTableClient(env: NodeJS.ProcessEnv, awsCalls?: AwsCallScope): IdempotencyTableClient {
  return {
    call: createAwsJsonCall(
      { service: "dynamodb", targetPrefix: "DynamoDB_20120810", jsonVersion: "1.0", retry: dynamoDbRetryPolicy },
      createRequestSender(),
      env,
      missingVariable,
      awsCalls,
    ),
    tableName: () => requiredEnv(env, environmentVariables.idempotencyTable, missingVariable),
  };
}

