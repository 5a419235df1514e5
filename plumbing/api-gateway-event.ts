import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";

/** What a handler reads of its Lambda context: the time it has left. */
export type RemainingTime = Pick<Context, "getRemainingTimeInMillis">;

/** A Lambda handler behind an API Gateway proxy route. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context?: RemainingTime) => Promise<APIGatewayProxyResult>;

export function jsonResponse(statusCode: number, body: object, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

export function textResponse(statusCode: number, contentType: string, body: string): APIGatewayProxyResult {
  return { statusCode, headers: { "Content-Type": contentType, "Cache-Control": "no-store" }, body };
}

/** A short message in plain UTF-8 text: what the routes Twilio calls answer besides TwiML. */
export const plainTextResponse = (statusCode: number, text: string): APIGatewayProxyResult =>
  textResponse(statusCode, "text/plain; charset=utf-8", text);

/** API Gateway's id for the request: what a caller quotes and every log line carries. */
export function requestIdOf(event: APIGatewayProxyEvent): string {
  return event.requestContext?.requestId || `local-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** The body as text, whether API Gateway passed it through or base64-encoded it. */
export function bodyText(event: APIGatewayProxyEvent): string {
  if (!event.body) return "";
  return event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
}

/** Header lookup regardless of case: API Gateway passes names as the client sent them. */
export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The most a handler reads: an invite or a Twilio message is a few KB; API Gateway alone would allow 10 MB. */
export const maxBodyBytes = 64 * 1024;

/**
 * Why the body is refused as too large, or undefined when it fits. Counts the bytes the
 * handler would read (a base64 body's decoded size) without decoding them.
 */
export function bodyTooLarge(event: APIGatewayProxyEvent): string | undefined {
  if (!event.body) return undefined;
  return bytesTooLarge(Buffer.byteLength(event.body, event.isBase64Encoded ? "base64" : "utf8"));
}

/** Why a body of `bytes` is refused as too large, or undefined when it fits: bodyTooLarge for a body already read. */
export function bytesTooLarge(bytes: number, most = maxBodyBytes): string | undefined {
  return bytes > most ? `The body is ${bytes} bytes; the most accepted is ${most} bytes (${most / 1024} KB).` : undefined;
}
