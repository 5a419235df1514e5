/**
 * Which failed AWS calls are worth another attempt, and how long to wait between attempts
 * (each call's deadline and log come from plumbing/aws-call-scope.ts). The rules are the AWS SDK's standard retry
 * mode (@smithy/core 3.41's retry module, which the SDK's clients here use): throttles,
 * 5xx, timeouts and network faults are retried with exponential backoff and full jitter;
 * anything else (a 4xx such as a validation error or a failed condition) is final.
 * tests/aws-faults.test.ts holds these lists and figures to the SDK's own.
 */
import type { RetryPolicy } from "../plumbing/retry";

export interface AwsRetryPolicy extends RetryPolicy {
  /** The backoff's base after a throttle: the service asked for less traffic, so wait longer. */
  throttlingBaseDelayMs: number;
}

// The SDK's standard mode caps every wait at 20 s; a function's deadline usually cuts it shorter.
const maximumRetryDelayMs = 20_000;
const throttlingBaseDelayMs = 1_000;

/** As the SDK's SSM client retries (its defaults: 3 attempts, 50 ms base). */
export const parameterStoreRetryPolicy: AwsRetryPolicy = {
  attempts: 3,
  baseDelayMs: 50,
  throttlingBaseDelayMs,
  maxDelayMs: maximumRetryDelayMs,
};

/** As the SDK's DynamoDB client retries: it overrides the defaults with 4 attempts and a 25 ms base. */
export const dynamoDbRetryPolicy: AwsRetryPolicy = { attempts: 4, baseDelayMs: 25, throttlingBaseDelayMs, maxDelayMs: maximumRetryDelayMs };

export const throttlingErrorNames: readonly string[] = [
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
];
// The last is one DynamoDB's API itself marks retryable, as the SDK's DynamoDB client knows.
export const transientErrorNames: readonly string[] = [
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ReplicatedWriteConflictException",
];
export const transientStatuses: readonly number[] = [500, 502, 503, 504];
/** Node's codes for a connection that failed, broke or timed out (a keep-alive socket gone stale while Lambda froze the container resets). */
export const transientNetworkCodes: readonly string[] = [
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
];

export type RetryKind = "throttling" | "transient";

/**
 * Why a failed call may be retried, or undefined when it may not. `error` is what the call
 * failed with: an AWS error answer (its `name` the API's error type, its `status` the HTTP
 * status) or a network error (its `code`).
 */
export function retryKind(error: unknown): RetryKind | undefined {
  if (!(error instanceof Error)) return undefined;
  const { status, code } = error as { status?: unknown; code?: unknown };
  if (status === 429 || throttlingErrorNames.includes(error.name)) return "throttling";
  if (transientErrorNames.includes(error.name)) return "transient";
  if (typeof status === "number" && transientStatuses.includes(status)) return "transient";
  if (typeof code === "string" && transientNetworkCodes.includes(code)) return "transient";
  return undefined;
}
