/** An HTTP server on 127.0.0.1 with a free port, handed each request's body as text. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type LoopbackHandler = (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void;

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

export function sendJson(response: http.ServerResponse, status: number, body: object, contentType = "application/json"): void {
  response.writeHead(status, { "Content-Type": contentType });
  response.end(JSON.stringify(body));
}

export async function serveOnLoopback(handle: LoopbackHandler): Promise<LoopbackServer> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => handle(request, Buffer.concat(chunks).toString("utf8"), response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
