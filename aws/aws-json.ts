/**
 * One call to an AWS JSON-protocol API (SSM, DynamoDB) as a signed POST with Node's own
 * client: what the AWS SDK does, without the SDK's cold-start cost. The endpoint follows the
 * SDK's rules, so local stand-ins are reached the same way: AWS_ENDPOINT_URL_<SERVICE>, then
 * AWS_ENDPOINT_URL, then the service's regional endpoint. A throttle, a 5xx or a network
 * fault is retried as the SDK's standard mode retries it (aws/aws-retry.ts).
 *
 * A retried write may have been applied by an attempt whose answer was lost: a conditional
 * write must then accept its own earlier attempt, or it would report its own record as
 * someone else's (`ownWrite` in aws/dynamodb.ts).
 */

import type { AwsCallScope } from "../plumbing/aws-call-scope";
import { awsError } from "../plumbing/errors";
import { jsonObject } from "../plumbing/json";
import type { SendRequest } from "../plumbing/outbound-http";
import { retryUntil } from "../plumbing/retry";
import { type AwsRetryPolicy, type RetryKind, retryKind } from "./aws-retry";
import { createSigningKeyCache, signedPostHeaders } from "./sigv4";

export interface AwsJsonService {
  /** Signing name and endpoint host prefix: `ssm`, `dynamodb`. */
  service: string;
  /** X-Amz-Target is this, a dot and the action: `AmazonSSM`, `DynamoDB_20120810`. */
  targetPrefix: string;
  /** `1.1` for SSM, `1.0` for DynamoDB. */
  jsonVersion: "1.0" | "1.1";
  /** Attempts and backoff, as the SDK's client for the service has them. */
  retry: AwsRetryPolicy;
}

export type AwsJsonCall = (action: string, input: object) => Promise<Record<string, unknown>>;

/** The error type an answer names (`com.amazonaws.ssm#ParameterNotFound` → `ParameterNotFound`), or its HTTP status. */
function errorType(answer: Record<string, unknown>, status: number): string {
  const type = answer.__type;
  return typeof type === "string" && type ? type.split("#").pop()!.split(":")[0] : `HTTP${status}`;
}

/** What a failure is called in a log line: a network error's code (ECONNRESET) or the error's name (ThrottlingException). */
function failureName(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : typeof error;
}

// No attempt gets less time than this, however close the deadline: less cannot reach AWS and back.
const shortestRequestMs = 100;
const longestRequestMs = 5_000;

type Attempt = { answer: Record<string, unknown> } | { error: unknown; retry?: RetryKind };

/** A variable the function needs; throws `missing(name)` when it is not set. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string, missing: (name: string) => Error): string {
  const value = env[name];
  if (!value) throw missing(name);
  return value;
}

export function createAwsJsonCall(
  { service, targetPrefix, jsonVersion, retry }: AwsJsonService,
  send: SendRequest,
  env: NodeJS.ProcessEnv,
  missing: (variable: string) => Error,
  /** Where the calling invocation's deadline and log are found; without one, retries are bounded by attempts alone and not logged. */
  awsCalls?: AwsCallScope,
): AwsJsonCall {
  const signingKeys = createSigningKeyCache();
  return async (action, input) => {
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || requiredEnv(env, "AWS_REGION", missing);
    const endpoint =
      env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL || `https://${service}.${region}.amazonaws.com`;
    const url = new URL(endpoint);
    const body = JSON.stringify(input);
    const credentials = {
      accessKeyId: requiredEnv(env, "AWS_ACCESS_KEY_ID", missing),
      secretAccessKey: requiredEnv(env, "AWS_SECRET_ACCESS_KEY", missing),
      sessionToken: env.AWS_SESSION_TOKEN,
    };
    const invocation = awsCalls?.current();
    const deadline = invocation?.deadline ?? Number.POSITIVE_INFINITY;

    // Signed at each attempt, as the SDK does: the signature carries the time it was made.
    const attempt = (): Promise<Attempt> => {
      const headers = signedPostHeaders({
        url,
        headers: { "Content-Type": `application/x-amz-json-${jsonVersion}`, "X-Amz-Target": `${targetPrefix}.${action}` },
        body,
        credentials,
        region,
        service,
        signingKeys,
      });
      const timeoutMs = Math.max(shortestRequestMs, Math.min(longestRequestMs, deadline - Date.now()));
      return send({ url, method: "POST", headers, body, timeoutMs }).then(
        (response) => {
          // An unreadable answer is reported by its HTTP status.
          const answer = jsonObject(response.body);
          if (response.status === 200) return { answer };
          const error = awsError(service, errorType(answer, response.status), answer, response.status);
          return { error, retry: retryKind(error) };
        },
        (error: unknown) => ({ error, retry: retryKind(error) }),
      );
    };

    const { result } = await retryUntil(attempt, {
      isFinal: (outcome) => !("error" in outcome) || outcome.retry === undefined,
      policy: retry,
      deadline,
      baseDelayMs: (outcome) => ("retry" in outcome && outcome.retry === "throttling" ? retry.throttlingBaseDelayMs : retry.baseDelayMs),
      onRetry: (outcome, attempts, delayMs) =>
        invocation?.log("warn", "aws_call_retried", {
          aws_call: `${service}.${action}`,
          error: "error" in outcome ? failureName(outcome.error) : undefined,
          attempts,
          retry_in_ms: delayMs,
        }),
    });
    if ("error" in result) throw result.error;
    return result.answer;
  };
}
