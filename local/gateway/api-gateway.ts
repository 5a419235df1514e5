/**
 * What API Gateway does in front of the Lambdas, for a local run: a route per function, the
 * `x-api-key` check and usage-plan throttle on those that need a key, the proxy event with a
 * request id, the function's time budget, and API Gateway's own answers when it refuses a request.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type { ApiKeyKind, FunctionDeclaration } from "../../handlers/functions";
import { createLog, type LineWriter } from "../../plumbing/log";
import { sendJson } from "../loopback";
import { proxyEvent } from "./proxy-event";
import { createThrottle, type ThrottleLimits } from "./throttle";

export type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Pick<Context, "getRemainingTimeInMillis">,
) => Promise<APIGatewayProxyResult>;

/** A function's route, the key it needs and its timeout, as declared (handlers/functions.ts), with its handler. */
export interface GatewayRoute extends Pick<FunctionDeclaration, "route" | "apiKey" | "timeoutSeconds"> {
  handler: ProxyHandler;
}

export interface ApiGatewayOptions {
  routes: readonly GatewayRoute[];
  /** Each kind of key's value; a route that needs one is behind it and the usage plan's throttle. */
  apiKeys: Record<Exclude<ApiKeyKind, "none">, string>;
  throttle: ThrottleLimits;
  writeLog?: LineWriter;
}

/** API Gateway's own refusals, with the body and error type header it sends. */
const refusals = {
  noRoute: { status: 403, type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" },
  badKey: { status: 403, type: "ForbiddenException", message: "Forbidden" },
  throttled: { status: 429, type: "TooManyRequestsException", message: "Too Many Requests" },
  tooLarge: { status: 413, type: "RequestTooLargeException", message: "Request Too Long" },
  functionFailed: { status: 502, type: "InternalServerErrorException", message: "Internal server error" },
} as const;

export type Refusal = keyof typeof refusals;

export function sendRefusal(response: ServerResponse, refusal: Refusal, requestId = randomUUID()): void {
  const { status, type, message } = refusals[refusal];
  sendJson(response, status, { message }, { "x-amzn-RequestId": requestId, "x-amzn-ErrorType": type });
}

/** Header names as the client sent them, as API Gateway passes them on (Node lower-cases its own copy). */
function headersAsSent(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) headers[request.rawHeaders[index]] = request.rawHeaders[index + 1];
  return headers;
}

/** Runs the handler within its timeout; a throw or an overrun is API Gateway's 502, as with a real Lambda. */
async function invoke(route: GatewayRoute, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult | "failed"> {
  const deadline = Date.now() + route.timeoutSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"failed">((resolve) => (timer = setTimeout(() => resolve("failed"), route.timeoutSeconds * 1000)));
  try {
    return await Promise.race([route.handler(event, { getRemainingTimeInMillis: () => deadline - Date.now() }), timedOut]);
  } catch {
    return "failed";
  } finally {
    clearTimeout(timer);
  }
}

export function createApiGateway({ routes, apiKeys, throttle, writeLog }: ApiGatewayOptions) {
  const withinThrottle = createThrottle(throttle);

  return async (request: IncomingMessage, body: string, response: ServerResponse): Promise<void> => {
    const started = Date.now();
    const requestId = randomUUID();
    const path = new URL(request.url ?? "/", "http://local").pathname;
    // Only known paths are named in the log: an arbitrary path is caller input.
    const known = routes.some(({ route }) => route.path === path);
    const log = createLog({ request_id: requestId, route: known ? `${request.method} ${path}` : "unknown" }, writeLog);
    const refuse = (refusal: Refusal) => {
      sendRefusal(response, refusal, requestId);
      log("info", "gateway_refused", { status: refusals[refusal].status, detail: refusal, latency_ms: Date.now() - started });
    };

    const route = routes.find((candidate) => candidate.route.path === path && candidate.route.method === request.method);
    if (!route) return refuse("noRoute");
    const headers = headersAsSent(request);
    const apiKey = route.apiKey === "none" ? undefined : apiKeys[route.apiKey];
    if (apiKey !== undefined) {
      if (request.headers["x-api-key"] !== apiKey) return refuse("badKey");
      if (!withinThrottle()) return refuse("throttled");
    }
    const event = proxyEvent({ path, body, headers, requestId, sourceIp: request.socket.remoteAddress, apiKey });
    const result = await invoke(route, event);
    if (result === "failed") return refuse("functionFailed");
    const resultHeaders = { ...result.headers, ...result.multiValueHeaders, "x-amzn-RequestId": requestId };
    response.writeHead(result.statusCode, resultHeaders as Record<string, string | string[]>);
    response.end(result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body);
  };
}
