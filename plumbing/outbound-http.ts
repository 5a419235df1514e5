/**
 * One HTTP request with Node's own client. The handlers call Twilio and SSM this way rather
 * than through the twilio client (axios and about a hundred modules) or the AWS SDK: each
 * costs a Lambda cold start more to load than the request itself (bench/README.md has the figures).
 */
import * as http from "node:http";
import * as https from "node:https";
import { requestTimeoutError } from "./errors";

export type HttpRequest = { url: URL; headers: Record<string, string>; timeoutMs: number } & (
  | { method: "POST"; body: string }
  | { method: "GET"; body?: undefined }
);

export interface HttpResponse {
  status: number;
  body: string;
}

export type SendRequest = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * A sender that keeps its connections open between requests: made once per container, so
 * warm invocations skip the TCP and TLS handshakes. It resolves with any HTTP answer and
 * rejects with the socket's error (its `code`, e.g. ECONNRESET, says which), or with
 * ETIMEDOUT when the whole exchange takes longer than `timeoutMs`: a socket's idle timeout
 * alone would let a slowly trickling answer outlast the caller's time budget.
 */
export function createRequestSender(): SendRequest {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return ({ url, method, headers, body, timeoutMs }) => {
    const plain = url.protocol === "http:";
    const length: Record<string, string> = body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) };
    return new Promise<HttpResponse>((resolve, reject) => {
      const request = (plain ? http : https).request(
        url,
        { method, headers: { ...headers, ...length }, agent: plain ? agents.http : agents.https },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          response.on("error", reject);
        },
      );
      const timer = setTimeout(() => request.destroy(requestTimeoutError()), timeoutMs);
      request.on("close", () => clearTimeout(timer));
      request.on("error", reject);
      request.end(body);
    });
  };
}
