/** The stack's idempotency table over DynamoDB's JSON API, with a signed request of our own (aws/aws-json.ts). */
import { environmentVariables } from "../config/settings";
import { IdempotencyStoreError } from "../plumbing/errors";
import { createRequestSender } from "../plumbing/outbound-http";
import { createAwsJsonCall, requiredEnv, type AwsJsonCall } from "./aws-json";

export type AttributeValue = { S: string } | { N: string };
export type Item = Record<string, AttributeValue>;

const missingVariable = (variable: string) => new IdempotencyStoreError(`environment variable ${variable} is not set`);

export interface IdempotencyTableClient {
  call: AwsJsonCall;
  /** Read at each call, like the AWS settings: a missing variable fails the request that needs it, with its name. */
  tableName(): string;
}

export function createIdempotencyTableClient(env: NodeJS.ProcessEnv): IdempotencyTableClient {
  return {
    call: createAwsJsonCall({ service: "dynamodb", targetPrefix: "DynamoDB_20120810", jsonVersion: "1.0" }, createRequestSender(), env, missingVariable),
    tableName: () => requiredEnv(env, environmentVariables.idempotencyTable, missingVariable),
  };
}
