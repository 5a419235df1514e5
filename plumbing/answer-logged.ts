import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { type RemainingTime, requestIdOf } from "./api-gateway-event";
import { type AwsCallScope, awsCallContext } from "./aws-call-scope";
import { isSettingsError } from "./errors";
import { createLog, type LineWriter, type Log } from "./log";

/**
 * Runs one request's handling and logs how it ended. Anything thrown becomes `failure`:
 * the caller learns nothing of the error, the log gets its name (and, for settings, which
 * parameter), never its message or stack.
 */
export async function answerLogged(
  log: Log,
  respond: () => Promise<APIGatewayProxyResult>,
  failure: () => APIGatewayProxyResult,
): Promise<APIGatewayProxyResult> {
  const started = Date.now();
  let response: APIGatewayProxyResult;
  try {
    response = await respond();
  } catch (error) {
    logFailure(log, error);
    response = failure();
  }
  log("info", "request_done", { status: response.statusCode, latency_ms: Date.now() - started });
  return response;
}

/**
 * Logs what a request's handling threw: its name, given by `nameOf` (for settings, also which
 * parameter), never its message or stack.
 */
export function logFailure(
  log: Log,
  error: unknown,
  nameOf = (thrown: unknown) => (thrown instanceof Error ? thrown.name : typeof thrown),
) {
  log("error", isSettingsError(error) ? "settings_unreadable" : "unexpected_error", {
    error: nameOf(error),
    detail: isSettingsError(error) ? error.message : undefined,
  });
}

/** One API Gateway invocation of a function, as its handler received it. */
export interface ProxyInvocation {
  event: APIGatewayProxyEvent;
  context?: RemainingTime;
  /** For the log lines: `POST /webhook`. */
  route: string;
  /** The function's timeout: the invocation's budget when there is no Lambda context (a direct call). */
  timeoutSeconds: number;
  writeLog?: LineWriter;
}

/**
 * Answers one API Gateway invocation: a log named by its request id and route, the AWS calls it
 * makes bound to its deadline and that log (aws-call-scope.ts), its handling run by answerLogged.
 */
export function answerProxyInvocation(
  awsCalls: AwsCallScope,
  { event, context, route, timeoutSeconds, writeLog }: ProxyInvocation,
  respond: (log: Log) => Promise<APIGatewayProxyResult>,
  failure: () => APIGatewayProxyResult,
): Promise<APIGatewayProxyResult> {
  const log = createLog({ request_id: requestIdOf(event), route }, writeLog);
  const remainingMs = context?.getRemainingTimeInMillis() ?? timeoutSeconds * 1000;
  return awsCalls.run(awsCallContext(remainingMs, log), () => answerLogged(log, () => respond(log), failure));
}
