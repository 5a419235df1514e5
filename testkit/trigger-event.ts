/** Trigger events as API Gateway delivers them once the key has been checked. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { proxyEvent } from "../local/gateway/proxy-event";
import { recordSensitive } from "./log-capture";

/** The caller's key, which API Gateway checks before the handler runs. */
const apiKey = "test-key";
recordSensitive("API key", [apiKey]);

export function triggerEvent(payload: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return proxyEvent({
    path: "/trigger",
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
    headers: { "Content-Type": "application/json", "User-Agent": "vitest", "x-api-key": apiKey, ...headers },
  });
}
