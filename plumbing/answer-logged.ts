import type { APIGatewayProxyResult } from "aws-lambda";
import { isSettingsError } from "./errors";
import type { Log } from "./log";

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
