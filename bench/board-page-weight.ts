/**
 * The board page's first load in bytes over the wire: the page and every stylesheet, script and
 * image its HTML names, each as the board's function answers a `GET` for it. The REST API sets no
 * `minimumCompressionSize` (infra/registration-api.ts), so API Gateway sends these bodies as the
 * function gives them; the gzipped sizes say what compression would save.
 */
import { gzipSync } from "node:zlib";
import type { APIGatewayProxyResult } from "aws-lambda";

export interface BoardPageFile {
  path: string;
  /** The body as sent. */
  bodyBytes: number;
  /** The status line and the function's headers as HTTP/1.1 writes them, with Content-Length. */
  headerBytes: number;
  /** The body gzipped at zlib's default level: what it would be if API Gateway compressed it. */
  gzipBodyBytes: number;
}

export interface BoardPageWeight {
  files: BoardPageFile[];
  /** Bodies and headers of every file: what goes over the wire as deployed, less API Gateway's own headers and TLS. */
  totalBytes: number;
  /** The same with every body gzipped. */
  totalGzipBytes: number;
}

/** The paths the page's HTML loads at once (stylesheets, scripts, images), resolved against its own path. */
export function assetsNamedBy(html: string, pagePath: string): string[] {
  const named = [...html.matchAll(/<(?:link|script|img)\b[^>]*?\s(?:href|src)="([^"]+)"/g)].map(([, reference]) => reference);
  return named.map((reference) => new URL(reference, `https://board.invalid${pagePath}`).pathname);
}

const bodyOf = (answer: APIGatewayProxyResult) => Buffer.from(answer.body, answer.isBase64Encoded ? "base64" : "utf8");

function headerBytes(answer: APIGatewayProxyResult, bodyBytes: number): number {
  const headers = { ...answer.headers, "Content-Length": bodyBytes };
  const lines = [`HTTP/1.1 ${answer.statusCode} OK`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), "", ""];
  return Buffer.byteLength(lines.join("\r\n"));
}

/** Weighs the page at `pagePath` and what it names, each fetched with `get` (the board's handler). */
export async function weighBoardPage(get: (path: string) => Promise<APIGatewayProxyResult>, pagePath = "/board"): Promise<BoardPageWeight> {
  const fetchFile = async (path: string) => {
    const answer = await get(path);
    if (answer.statusCode !== 200) throw new Error(`the board answered ${answer.statusCode} for ${path}, which its page loads`);
    return { path, answer, body: bodyOf(answer) };
  };
  const page = await fetchFile(pagePath);
  const assets = await Promise.all(assetsNamedBy(page.body.toString("utf8"), pagePath).map(fetchFile));
  const files = [page, ...assets].map(({ path, answer, body }) => ({
    path,
    bodyBytes: body.length,
    headerBytes: headerBytes(answer, body.length),
    gzipBodyBytes: gzipSync(body).length,
  }));
  return {
    files,
    totalBytes: files.reduce((sum, file) => sum + file.headerBytes + file.bodyBytes, 0),
    totalGzipBytes: files.reduce((sum, file) => sum + file.headerBytes + file.gzipBodyBytes, 0),
  };
}
