/**
 * The local API Gateway in front of stub handlers over loopback HTTP: the event it builds,
 * how it passes a result back, and its own answers when a function fails or overruns.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { createApiGateway, type ProxyHandler } from "../../local/gateway/api-gateway";
import { type LoopbackServer, serveOnLoopback } from "../../local/loopback";
import { capturing } from "../../testkit/log-capture";

const apiKey = "test-gateway-key-0123456789";
const exportKey = "test-gateway-export-key-0123456789";
let server: LoopbackServer | undefined;
afterEach(() => server?.close());

async function gatewayWith(trigger: ProxyHandler, timeoutSeconds = 5, logLines: string[] = []) {
  const gateway = createApiGateway({
    routes: [
      { route: { method: "POST", path: "/trigger" }, apiKey: "invite", handler: trigger, timeoutSeconds },
      { route: { method: "POST", path: "/webhook" }, apiKey: "none", handler: async () => ({ statusCode: 200, body: "" }), timeoutSeconds },
    ],
    apiKeys: { invite: apiKey, export: exportKey },
    usagePlan: { rateLimit: 10, burstLimit: 10, dailyQuota: 1000 },
    writeLog: capturing((line) => logLines.push(line)),
  });
  server = await serveOnLoopback((request, body, response) => void gateway(request, body, response), { maxBodyBytes: 1024 });
  return server.url;
}

const post = (url: string, body = "{}", headers: Record<string, string> = {}) =>
  fetch(`${url}/trigger`, { method: "POST", headers: { "x-api-key": apiKey, "Content-Type": "application/json", ...headers }, body });

describe("the local API Gateway", () => {
  it("hands the handler a REST API proxy event: stage v1, request id, headers as the client wrote them", async () => {
    let received: APIGatewayProxyEvent | undefined;
    let budgetMs = 0;
    const url = await gatewayWith(async (event, context) => {
      received = event;
      budgetMs = context.getRemainingTimeInMillis();
      return { statusCode: 200, body: "{}" };
    }, 20);
    const response = await post(url, '{"a":1}', { "X-Custom-Case": "kept" });

    expect(received).toMatchObject({
      resource: "/trigger",
      path: "/trigger",
      httpMethod: "POST",
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        stage: "v1",
        path: "/v1/trigger",
        requestId: response.headers.get("x-amzn-requestid"),
        identity: { apiKey, sourceIp: "127.0.0.1" },
      },
    });
    expect(received?.headers["X-Custom-Case"]).toBe("kept");
    expect(received?.multiValueHeaders["X-Custom-Case"]).toEqual(["kept"]);
    expect(budgetMs).toBeGreaterThan(19_000);
    expect(budgetMs).toBeLessThanOrEqual(20_000);
  });

  it("passes the handler's status, headers and body back, decoding a base64 body", async () => {
    const url = await gatewayWith(async () => ({
      statusCode: 201,
      headers: { "Content-Type": "text/plain" },
      body: Buffer.from("made").toString("base64"),
      isBase64Encoded: true,
    }));
    const response = await post(url);
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.text()).toBe("made");
  });

  it("answers 502 Internal server error when the function throws or overruns its timeout, as API Gateway does", async () => {
    const logLines: string[] = [];
    const throwing = await gatewayWith(
      async () => {
        throw new Error("boom with +447700900123 in it");
      },
      5,
      logLines,
    );
    const thrown = await post(throwing);
    expect(thrown.status).toBe(502);
    expect(await thrown.json()).toEqual({ message: "Internal server error" });
    await server?.close();

    const hanging = await gatewayWith(() => new Promise(() => undefined), 0.05, logLines);
    const overran = await post(hanging);
    expect(overran.status).toBe(502);
    expect(logLines.join("\n")).not.toContain("900123");
    expect(logLines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ event: "gateway_refused", status: 502, detail: "functionFailed", route: "POST /trigger" }),
      expect.objectContaining({ event: "gateway_refused", status: 502, detail: "functionFailed", route: "POST /trigger" }),
    ]);
  });

  it("serves every route it is given, each behind the key its kind needs: a new declaration is a new route", async () => {
    const gateway = createApiGateway({
      routes: [
        {
          route: { method: "POST", path: "/export" },
          apiKey: "invite",
          timeoutSeconds: 5,
          handler: async (event) => ({ statusCode: 200, body: event.path }),
        },
        {
          route: { method: "POST", path: "/status" },
          apiKey: "none",
          timeoutSeconds: 5,
          handler: async (event) => ({ statusCode: 200, body: event.path }),
        },
      ],
      apiKeys: { invite: apiKey, export: exportKey },
      usagePlan: { rateLimit: 10, burstLimit: 10, dailyQuota: 1000 },
      writeLog: capturing(() => undefined),
    });
    server = await serveOnLoopback((request, body, response) => void gateway(request, body, response));
    const send = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${server!.url}${path}`, { method: "POST", headers, body: "{}" });

    const keyed = await send("/export", { "x-api-key": apiKey });
    expect([keyed.status, await keyed.text()]).toEqual([200, "/export"]);
    expect((await send("/export")).status).toBe(403);
    const open = await send("/status");
    expect([open.status, await open.text()]).toEqual([200, "/status"]);
    expect(await (await send("/trigger", { "x-api-key": apiKey })).json()).toEqual({ message: "Missing Authentication Token" });
  });

  it("refuses a body over the limit with 413 before any handler runs", async () => {
    let called = false;
    const url = await gatewayWith(async () => {
      called = true;
      return { statusCode: 200, body: "" };
    });
    const response = await post(url, "x".repeat(2048));
    expect(response.status).toBe(413);
    expect(called).toBe(false);
  });

  it("routes a path parameter and a query to the handler, with the id of whichever key came", async () => {
    const received: APIGatewayProxyEvent[] = [];
    const record = async (event: APIGatewayProxyEvent) => {
      received.push(event);
      return { statusCode: 200, body: "{}" };
    };
    const gateway = createApiGateway({
      routes: [
        { route: { method: "GET", path: "/registrations" }, apiKey: "export", timeoutSeconds: 5, handler: record },
        { route: { method: "DELETE", path: "/registrations/{id}" }, apiKey: "export", timeoutSeconds: 5, handler: record },
      ],
      apiKeys: { invite: apiKey, export: exportKey },
      usagePlan: { rateLimit: 10, burstLimit: 10, dailyQuota: 1000 },
      writeLog: capturing(() => undefined),
    });
    server = await serveOnLoopback((request, body, response) => void gateway(request, body, response));

    const listed = await fetch(`${server.url}/registrations?team_name=Lions&format=csv`, { headers: { "x-api-key": exportKey } });
    const erased = await fetch(`${server.url}/registrations/reg-1`, { method: "DELETE", headers: { "x-api-key": apiKey } });
    expect([listed.status, erased.status]).toEqual([200, 200]);
    expect(
      received.map(({ httpMethod, resource, pathParameters, queryStringParameters, requestContext }) => ({
        httpMethod,
        resource,
        pathParameters,
        queryStringParameters,
        apiKeyId: requestContext.identity.apiKeyId,
      })),
    ).toEqual([
      {
        httpMethod: "GET",
        resource: "/registrations",
        pathParameters: null,
        queryStringParameters: { team_name: "Lions", format: "csv" },
        apiKeyId: "local-export-api-key",
      },
      {
        httpMethod: "DELETE",
        resource: "/registrations/{id}",
        pathParameters: { id: "reg-1" },
        queryStringParameters: null,
        apiKeyId: "local-invite-api-key",
      },
    ]);
    const unknownMethod = await fetch(`${server.url}/registrations/reg-1`, { method: "GET", headers: { "x-api-key": exportKey } });
    const noKey = await fetch(`${server.url}/registrations`);
    expect([unknownMethod.status, noKey.status, received.length]).toEqual([403, 403, 2]);
  });

  describe("the deployed stage's limits, from the same config values", () => {
    const ok = async () => ({ statusCode: 200, body: "{}" });
    /** A gateway whose clock stands still unless the test moves it, so only the limits decide. */
    async function limitedGateway(limits: { dailyQuota?: number; webhook?: { rateLimit: number; burstLimit: number } }) {
      let clock = Date.parse("2025-06-01T23:59:00.000Z");
      const gateway = createApiGateway({
        routes: [
          { route: { method: "POST", path: "/trigger" }, apiKey: "invite", timeoutSeconds: 5, handler: ok },
          { route: { method: "POST", path: "/webhook" }, apiKey: "none", timeoutSeconds: 5, handler: ok, throttle: limits.webhook },
          { route: { method: "POST", path: "/status" }, apiKey: "none", timeoutSeconds: 5, handler: ok },
        ],
        apiKeys: { invite: apiKey, export: exportKey },
        usagePlan: { rateLimit: 100, burstLimit: 100, dailyQuota: limits.dailyQuota ?? 1000 },
        writeLog: capturing(() => undefined),
        now: () => clock,
      });
      server = await serveOnLoopback((request, body, response) => void gateway(request, body, response));
      const url = server.url;
      const send = async (path: string, key?: string) => {
        const response = await fetch(`${url}${path}`, { method: "POST", headers: key ? { "x-api-key": key } : {}, body: "{}" });
        return [response.status, await response.json(), response.headers.get("x-amzn-errortype")];
      };
      return { send, advance: (ms: number) => (clock += ms) };
    }
    const quotaUsed = [429, { message: "Limit Exceeded" }, "LimitExceededException"];
    const throttled = [429, { message: "Too Many Requests" }, "TooManyRequestsException"];

    it("counts each key's requests against the usage plan's daily quota, 429 Limit Exceeded past it, afresh at midnight UTC", async () => {
      const { send, advance } = await limitedGateway({ dailyQuota: 3 });
      for (let request = 0; request < 3; request++) expect((await send("/trigger", apiKey))[0]).toBe(200);
      expect(await send("/trigger", apiKey)).toEqual(quotaUsed);
      // Each key has its own quota, as in the usage plan; the unkeyed routes have none.
      expect((await send("/trigger", exportKey))[0]).toBe(200);
      for (let request = 0; request < 5; request++) expect((await send("/status"))[0]).toBe(200);
      advance(60_000);
      expect((await send("/trigger", apiKey))[0]).toBe(200);
    });

    it("throttles a route the stage throttles, for every caller alike, with 429 Too Many Requests; other routes not", async () => {
      const { send, advance } = await limitedGateway({ webhook: { rateLimit: 1, burstLimit: 2 } });
      expect([(await send("/webhook"))[0], (await send("/webhook"))[0]]).toEqual([200, 200]);
      expect(await send("/webhook")).toEqual(throttled);
      for (let request = 0; request < 5; request++) expect((await send("/status"))[0]).toBe(200);
      advance(1000);
      expect((await send("/webhook"))[0]).toBe(200);
      expect(await send("/webhook")).toEqual(throttled);
    });
  });
});
