/**
 * A stand-in for the page engineer's module of the same name (board/page/ and its assets), so the
 * board's handler has the agreed exports to call until that branch is merged over this one.
 */
import type { APIGatewayProxyResult } from "aws-lambda";

export interface BoardPageOptions {
  clubName: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character] ?? "");

/** The answer for a `GET` of `requestPath`, or undefined when it is none of the page's. */
export function serveBoardAsset(requestPath: string, { clubName }: BoardPageOptions): APIGatewayProxyResult | undefined {
  if (requestPath !== "/board") return undefined;
  const name = escapeHtml(clubName);
  return {
    statusCode: 200,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
    body: `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>${name}</title></head><body><h1>${name}</h1></body></html>`,
  };
}
