/**
 * What API Gateway does in front of the Lambdas, for a local run: a route per function, the
 * `x-api-key` check and the usage plan's throttle and daily quota per key on those that need one,
 * the stage's throttle on a route that has one (/webhook, /status), the proxy event with a request id, the function's time budget, and API Gateway's own answers when it refuses a request.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { type ApiKeyKind, type FunctionDeclaration, isBinaryMediaType, type Route } from "../../handlers/function-declaration";
import { createLog, type LineWriter } from "../../plumbing/log";
import { sendJson } from "../loopback";
import { proxyEvent } from "./proxy-event";
import { createThrottle, type ThrottleLimits } from "./throttle";

export type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Pick<Context, "getRemainingTimeInMillis">,
) => Promise<APIGatewayProxyResult>;

/** One of a function's routes, the key it needs and its timeout, as declared (handlers/functions.ts), with its handler. */
export interface GatewayRoute extends Pick<FunctionDeclaration, "apiKey" | "timeoutSeconds"> {
  route: Route;
  handler: ProxyHandler;
  /** The stage's throttle on this route (infra/registration-api.ts, MethodSettings), shared by every caller. */
  throttle?: ThrottleLimits;
}

type KeyKind = Exclude<ApiKeyKind, "none">;

/** The id API Gateway would give each key, passed on in `requestContext.identity.apiKeyId`. */
export const localApiKeyId = (kind: KeyKind) => `local-${kind}-api-key`;

/** The path's parameters when it matches the route's path (`/registrations/{id}`, `/board/{proxy+}`), else undefined. */
function pathParametersOf(routePath: string, path: string): Record<string, string> | undefined {
  const wanted = routePath.split("/");
  const greedy = /^\{(\w+)\+\}$/.exec(wanted.at(-1) ?? "")?.[1];
  const given = path.split("/");
  // A greedy last parameter takes the rest of the path: one segment or more, none of them empty at the start.
  if (greedy ? given.length < wanted.length || given[wanted.length - 1] === "" : wanted.length !== given.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, part] of wanted.entries()) {
    const name = greedy && index === wanted.length - 1 ? greedy : /^\{(\w+)\}$/.exec(part)?.[1];
    const value = greedy && index === wanted.length - 1 ? given.slice(index).join("/") : given[index];
    if (name && value !== "") {
      try {
        parameters[name] = decodeURIComponent(value);
      } catch {
        // A malformed escape (`%E0`) matches no route, as nothing could be looked up by it.
        return undefined;
      }
    } else if (part !== given[index]) return undefined;
  }
  return parameters;
}

export interface ApiGatewayOptions {
  routes: readonly GatewayRoute[];
  /**
   * Each kind of key's value. As in AWS, where both keys are in one usage plan, either key opens
   * any keyed route (behind the plan's throttle); the handler sees which one came by its id.
   */
  apiKeys: Record<KeyKind, string>;
  /** The usage plan's limits, each key counted on its own as AWS counts it: the throttle, and requests per UTC day. */
  usagePlan: ThrottleLimits & { dailyQuota: number };
  writeLog?: LineWriter;
  /** Epoch milliseconds, for the throttles and the quota's day; the system clock unless a test moves it. */
  now?: () => number;
}

/** API Gateway's own refusals, with the body and error type header it sends. */
const refusals = {
  noRoute: { status: 403, type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" },
  badKey: { status: 403, type: "ForbiddenException", message: "Forbidden" },
  throttled: { status: 429, type: "TooManyRequestsException", message: "Too Many Requests" },
  quotaUsed: { status: 429, type: "LimitExceededException", message: "Limit Exceeded" },
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

export function createApiGateway({ routes, apiKeys, usagePlan, writeLog, now = Date.now }: ApiGatewayOptions) {
  const keyThrottles = new Map((Object.keys(apiKeys) as KeyKind[]).map((kind) => [kind, createThrottle(usagePlan, now())]));
  const routeThrottles = new Map(
    routes.flatMap((route) => (route.throttle ? [[route, createThrottle(route.throttle, now())] as const] : [])),
  );
  // The quota's period, DAY, runs midnight to midnight UTC.
  const usedToday = new Map<KeyKind, { day: string; requests: number }>();
  const withinQuota = (kind: KeyKind, at: number) => {
    const day = new Date(at).toISOString().slice(0, 10);
    const used = usedToday.get(kind);
    const requests = used?.day === day ? used.requests : 0;
    if (requests >= usagePlan.dailyQuota) return false;
    usedToday.set(kind, { day, requests: requests + 1 });
    return true;
  };

  return async (request: IncomingMessage, body: string, response: ServerResponse, bytes: Buffer = Buffer.from(body)): Promise<void> => {
    const started = Date.now();
    const requestId = randomUUID();
    const url = new URL(request.url ?? "/", "http://local");
    const path = url.pathname;
    const matching = routes.flatMap((candidate) => {
      const pathParameters = pathParametersOf(candidate.route.path, path);
      return pathParameters ? [{ candidate, pathParameters }] : [];
    });
    // Only declared routes are named in the log: an arbitrary path is caller input.
    const known = matching[0]?.candidate.route.path;
    const log = createLog({ request_id: requestId, route: known ? `${request.method} ${known}` : "unknown" }, writeLog);
    const refuse = (refusal: Refusal) => {
      sendRefusal(response, refusal, requestId);
      log("info", "gateway_refused", { status: refusals[refusal].status, detail: refusal, latency_ms: Date.now() - started });
    };

    // A route of its own for the method first, as API Gateway prefers one over ANY.
    const found =
      matching.find(({ candidate }) => candidate.route.method === request.method) ??
      matching.find(({ candidate }) => candidate.route.method === "ANY");
    if (!found) return refuse("noRoute");
    const { candidate: route, pathParameters } = found;
    if (routeThrottles.get(route)?.(now()) === false) return refuse("throttled");
    const headers = headersAsSent(request);
    let apiKey: string | undefined;
    let apiKeyId: string | undefined;
    if (route.apiKey !== "none") {
      const kind = (Object.keys(apiKeys) as KeyKind[]).find((candidate) => request.headers["x-api-key"] === apiKeys[candidate]);
      if (!kind) return refuse("badKey");
      const at = now();
      if (!keyThrottles.get(kind)!(at)) return refuse("throttled");
      if (!withinQuota(kind, at)) return refuse("quotaUsed");
      apiKey = apiKeys[kind];
      apiKeyId = localApiKeyId(kind);
    }
    const event = proxyEvent({
      path,
      method: request.method,
      resource: route.route.path,
      pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : undefined,
      query: url.searchParams,
      // A binary media type (a squad sheet's CSV, perhaps Windows-1252) comes base64-encoded, as API Gateway passes it.
      ...(isBinaryMediaType(request.headers["content-type"]) ? { body: bytes.toString("base64"), isBase64Encoded: true } : { body }),
      headers,
      requestId,
      sourceIp: request.socket.remoteAddress,
      apiKey,
      apiKeyId,
    });
    const result = await invoke(route, event);
    if (result === "failed") return refuse("functionFailed");
    const resultHeaders = { ...result.headers, ...result.multiValueHeaders, "x-amzn-RequestId": requestId };
    response.writeHead(result.statusCode, resultHeaders as Record<string, string | string[]>);
    response.end(result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body);
  };
}
