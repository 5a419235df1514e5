/**
 * A tighter usage plan in front of `npm start`, for a client that must keep within one: the local
 * gateway's own token bucket (local/gateway/throttle.ts) and API Gateway's 429 past it
 * (sendRefusal), then the request passed on unchanged. npm start's throttle comes from the stack
 * file, which tests share, so a test's own plan sits here. It can also answer a chosen request
 * with the trigger's 503 and a Retry-After, as when Twilio is unavailable.
 */

import { sendRefusal } from "../local/gateway/api-gateway";
import { createThrottle, type ThrottleLimits } from "../local/gateway/throttle";
import { sendJson, serveOnLoopback } from "../local/loopback";

export interface ProxiedRequest {
  at: number;
  idempotencyKey?: string;
  /** What the proxy answered: its own 429 or 503, or npm start's status. */
  status: number;
}

export interface UsagePlanProxy {
  url: string;
  /** Every request that reached the proxy, in order of arrival. */
  requests: ProxiedRequest[];
  /** The next request whose body contains `text` gets 503 with Retry-After `seconds`; it goes no further. */
  unavailableOnceFor(text: string, seconds: number): void;
  close(): Promise<void>;
}

export async function startUsagePlanProxy(target: string, limits: ThrottleLimits): Promise<UsagePlanProxy> {
  const withinPlan = createThrottle(limits);
  const requests: ProxiedRequest[] = [];
  const unavailable: { text: string; seconds: number }[] = [];
  const server = await serveOnLoopback((request, body, response) => {
    const record: ProxiedRequest = { at: Date.now(), idempotencyKey: request.headers["idempotency-key"] as string | undefined, status: 0 };
    requests.push(record);
    if (!withinPlan()) {
      record.status = 429;
      sendRefusal(response, "throttled");
      return;
    }
    const failing = unavailable.findIndex(({ text }) => body.includes(text));
    if (failing >= 0) {
      const [{ seconds }] = unavailable.splice(failing, 1);
      record.status = 503;
      sendJson(
        response,
        503,
        { error: "twilio_unavailable", message: "Twilio could not take the invite" },
        { "Retry-After": String(seconds) },
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string" && !["host", "content-length", "connection"].includes(entry[0]),
      ),
    );
    void fetch(`${target}${request.url}`, { method: request.method, headers, body: request.method === "GET" ? undefined : body }).then(
      async (answer) => {
        record.status = answer.status;
        const text = await answer.text();
        // fetch has read the body whole: its length is the text's, sent as one piece.
        const passedOn = [...answer.headers].filter(([name]) => !["content-length", "transfer-encoding", "connection"].includes(name));
        response.writeHead(answer.status, Object.fromEntries(passedOn));
        response.end(text);
      },
      () => {
        record.status = 502;
        sendRefusal(response, "functionFailed");
      },
    );
  });
  return {
    url: server.url,
    requests,
    unavailableOnceFor: (text, seconds) => unavailable.push({ text, seconds }),
    close: () => server.close(),
  };
}
