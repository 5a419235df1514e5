/**
 * One call to an AWS JSON-protocol API (SSM, DynamoDB) as a signed POST with Node's own
 * client: what the AWS SDK does, without the SDK's cold-start cost. The endpoint follows the
 * SDK's rules, so local stand-ins are reached the same way: AWS_ENDPOINT_URL_<SERVICE>, then
 * AWS_ENDPOINT_URL, then the service's regional endpoint.
 */
import { AwsError } from "../plumbing/errors";
import { jsonObject } from "../plumbing/json";
import type { SendRequest } from "../plumbing/outbound-http";
import { signedPostHeaders } from "./sigv4";

export interface AwsJsonService {
  /** Signing name and endpoint host prefix: `ssm`, `dynamodb`. */
  service: string;
  /** X-Amz-Target is this, a dot and the action: `AmazonSSM`, `DynamoDB_20120810`. */
  targetPrefix: string;
  /** `1.1` for SSM, `1.0` for DynamoDB. */
  jsonVersion: "1.0" | "1.1";
}

export type AwsJsonCall = (action: string, input: object) => Promise<Record<string, unknown>>;

/** The error type an answer names (`com.amazonaws.ssm#ParameterNotFound` → `ParameterNotFound`), or its HTTP status. */
function errorType(answer: Record<string, unknown>, status: number): string {
  const type = answer.__type;
  return typeof type === "string" && type ? type.split("#").pop()!.split(":")[0] : `HTTP${status}`;
}

/** A variable the function needs; throws `missing(name)` when it is not set. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string, missing: (name: string) => Error): string {
  const value = env[name];
  if (!value) throw missing(name);
  return value;
}

export function createAwsJsonCall(
  { service, targetPrefix, jsonVersion }: AwsJsonService,
  send: SendRequest,
  env: NodeJS.ProcessEnv,
  missing: (variable: string) => Error,
): AwsJsonCall {
  return async (action, input) => {
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || requiredEnv(env, "AWS_REGION", missing);
    const endpoint = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL || `https://${service}.${region}.amazonaws.com`;
    const url = new URL(endpoint);
    const body = JSON.stringify(input);
    const headers = signedPostHeaders({
      url,
      headers: { "Content-Type": `application/x-amz-json-${jsonVersion}`, "X-Amz-Target": `${targetPrefix}.${action}` },
      body,
      credentials: {
        accessKeyId: requiredEnv(env, "AWS_ACCESS_KEY_ID", missing),
        secretAccessKey: requiredEnv(env, "AWS_SECRET_ACCESS_KEY", missing),
        sessionToken: env.AWS_SESSION_TOKEN,
      },
      region,
      service,
    });
    const response = await send({ url, method: "POST", headers, body, timeoutMs: 5_000 });
    // An unreadable answer is reported by its HTTP status.
    const answer = jsonObject(response.body);
    if (response.status !== 200) throw new AwsError(service, errorType(answer, response.status), answer);
    return answer;
  };
}
