/**
 * A proxy on loopback in front of an AWS JSON API stand-in (the SSM stand-in, dynalite) that
 * fails scripted requests as AWS fails them, and passes every other request through. Tests
 * point AWS_ENDPOINT_URL_<SERVICE> at it, as they point TWILIO_API_BASE_URL at the Twilio
 * stand-in, whose `failNext` it follows.
 */
import * as http from "node:http";
import { sendJson, serveOnLoopback } from "../local/loopback";

/** How a scripted request fails. */
export type AwsFailure =
  /** AWS answers with this error type (`ThrottlingException`), as its JSON protocols do. */
  | { status: number; type: string }
  /** The connection is reset before any answer: a keep-alive socket gone stale, a broken network. */
  | { dropConnection: true }
  /** No answer ever comes: the caller's own timeout ends the wait. */
  | { stall: true };

/** `accepted`: the stand-in carries the request out first, and only its answer is lost or wrong. */
export type AwsFault = AwsFailure & { accepted?: true };

export interface AwsFaultProxy {
  url: string;
  /** Every request's action (`PutItem`, `GetParameters`), in the order they arrived, failed or not. */
  calls: string[];
  /** The next requests for `action` get these faults, one each, before normal service resumes. */
  failNext(action: string, ...faults: AwsFault[]): void;
  /** Drops faults not yet played: a caller that gave up early leaves none for the next test. */
  clearFaults(): void;
  close(): Promise<void>;
}

interface Relayed {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function relay(target: URL, request: http.IncomingMessage, body: string): Promise<Relayed> {
  return new Promise((resolve, reject) => {
    const forwarded = http.request(
      new URL(request.url ?? "/", target),
      { method: request.method, headers: request.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on("error", reject);
      },
    );
    forwarded.on("error", reject);
    forwarded.end(body);
  });
}

function fail(fault: AwsFailure, request: http.IncomingMessage, response: http.ServerResponse): void {
  if ("dropConnection" in fault) request.socket.destroy();
  else if ("status" in fault)
    sendJson(response, fault.status, { __type: fault.type, message: "Scripted fault" }, { "Content-Type": "application/x-amz-json-1.0" });
  // A stall leaves the request unanswered until the caller gives up.
}

export async function startAwsFaultProxy(targetUrl: string): Promise<AwsFaultProxy> {
  const target = new URL(targetUrl);
  const faults = new Map<string, AwsFault[]>();
  const calls: string[] = [];

  const server = await serveOnLoopback((request, body, response) => {
    // X-Amz-Target is `<prefix>.<action>`: `DynamoDB_20120810.PutItem`, `AmazonSSM.GetParameters`.
    const action =
      String(request.headers["x-amz-target"] ?? "")
        .split(".")
        .pop() ?? "";
    calls.push(action);
    const fault = faults.get(action)?.shift();
    const unreachable = () => sendJson(response, 502, { message: "the stand-in behind the fault proxy did not answer" });
    if (!fault) {
      relay(target, request, body).then((answer) => {
        response.writeHead(answer.status, { "Content-Type": answer.headers["content-type"] ?? "application/json" });
        response.end(answer.body);
      }, unreachable);
    } else if (fault.accepted) {
      relay(target, request, body).then(() => fail(fault, request, response), unreachable);
    } else {
      fail(fault, request, response);
    }
  });

  return {
    url: server.url,
    calls,
    failNext: (action, ...next) => void faults.set(action, [...(faults.get(action) ?? []), ...next]),
    clearFaults: () => faults.clear(),
    close: server.close,
  };
}
