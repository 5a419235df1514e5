/** Trigger events as API Gateway delivers them once the key has been checked. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { proxyEvent } from "../local/gateway/proxy-event";
import { testApiKey } from "./fixtures";

export function triggerEvent(payload: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return proxyEvent({
    path: "/trigger",
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
    headers: { "Content-Type": "application/json", "User-Agent": "vitest", "x-api-key": testApiKey, ...headers },
  });
}
