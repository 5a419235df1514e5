/** An HTTP server on 127.0.0.1 (a free port unless one is asked for), handed each request's body as text, and its bytes. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type LoopbackHandler = (request: http.IncomingMessage, body: string, response: http.ServerResponse, bytes: Buffer) => void;

export interface LoopbackServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface LoopbackOptions {
  port?: number;
  /** A longer body is refused with 413 without being read to the end. */
  maxBodyBytes?: number;
  /** The 413 answer, in the voice of whatever the server stands in for. */
  tooLarge?: (response: http.ServerResponse) => void;
}

export function sendJson(response: http.ServerResponse, status: number, body: object, headers: http.OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { "Content-Type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

/**
 * Answers 415 with `message` unless the request says its body is JSON, and tells whether it did.
 * A page elsewhere cannot send a JSON content type cross-site without a preflight, which is never
 * granted here: so no other site the browser has open can drive these local routes.
 */
export function refusedUnlessJson(request: http.IncomingMessage, response: http.ServerResponse, message: string): boolean {
  if (request.headers["content-type"]?.startsWith("application/json")) return false;
  sendJson(response, 415, { error: "unsupported_media_type", message });
  return true;
}

/**
 * Whether a request's Host names this machine's loopback. A page on another site can point its own
 * name at 127.0.0.1 (DNS rebinding) and then read these servers as same-origin, the simulator's API
 * keys among what they answer; its requests still carry that site's name as Host, so they fail here.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = host?.replace(/:\d+$/, "").toLowerCase();
  return name === "127.0.0.1" || name === "localhost" || name === "[::1]";
}

export async function serveOnLoopback(handle: LoopbackHandler, options: LoopbackOptions = {}): Promise<LoopbackServer> {
  const { maxBodyBytes = Infinity, tooLarge = (response) => sendJson(response, 413, { message: "Request Too Long" }) } = options;
  const server = http.createServer((request, response) => {
    if (!isLoopbackHost(request.headers.host)) {
      response.setHeader("Connection", "close");
      return sendJson(response, 421, {
        error: "misdirected_request",
        message: "This server answers only requests addressed to 127.0.0.1, localhost or [::1].",
      });
    }
    const chunks: Buffer[] = [];
    let received = 0;
    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBodyBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    request.on("end", () => {
      if (received <= maxBodyBytes) {
        const bytes = Buffer.concat(chunks);
        return handle(request, bytes.toString("utf8"), response, bytes);
      }
      response.setHeader("Connection", "close");
      tooLarge(response);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
