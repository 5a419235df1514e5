/**
 * The board's page (BOARD.md): board/page/'s three files, read here when the program loads, so
 * Pulumi's closure serializer writes them into the function's package as strings (no file of
 * them ships, and nothing here reads a file in the Lambda). The board's handler serves them for
 * `GET /board` and `GET /board/<asset>`.
 *
 * The page is `no-store`: it is small, and it names the club and the current assets, so a deploy
 * shows at once. The stylesheet and script are named by a digest of their content
 * (`board.3f9a1c2e7b40.js`) and cached for a year: a new deploy names new files.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { APIGatewayProxyResult } from "aws-lambda";

export interface BoardAsset {
  /** The path API Gateway gives the function: `/board`, `/board/board.3f9a1c2e7b40.css`. */
  path: string;
  contentType: string;
  body: string;
  cacheControl: string;
}

/** What every answer of the board carries: its own origin only, never in a frame, HTTPS only, no referrer. */
export const boardSecurityHeaders: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

const pageDirectory = path.join(__dirname, "..", "..", "board", "page");
const read = (file: string) => fs.readFileSync(path.join(pageDirectory, file), "utf8");
const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

function fingerprinted(file: string, contentType: string): BoardAsset {
  const body = read(file);
  const name = file.replace(/\.(\w+)$/, `.${digest(body)}.$1`);
  return { path: `/board/${name}`, contentType, body, cacheControl: "public, max-age=31536000, immutable" };
}

const stylesheet = fingerprinted("board.css", "text/css; charset=utf-8");
const script = fingerprinted("board.js", "text/javascript; charset=utf-8");

/**
 * The page and its two assets. index.html names them relative to `/board` (`board/board.css`),
 * which also holds under API Gateway's stage prefix (`/v1/board`); here those names become the
 * fingerprinted ones.
 */
export const boardPageAssets: readonly BoardAsset[] = [
  {
    path: "/board",
    contentType: "text/html; charset=utf-8",
    body: read("index.html")
      .replace('href="board/board.css"', `href="board${stylesheet.path.slice("/board".length)}"`)
      .replace('src="board/board.js"', `src="board${script.path.slice("/board".length)}"`),
    cacheControl: "no-store",
  },
  stylesheet,
  script,
];

const htmlEscapes: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => htmlEscapes[character]);

export interface BoardPageOptions {
  /** The club's name (signon:club.name): the page's title and its first heading. */
  clubName: string;
}

/**
 * The answer for a `GET` of `path`, or undefined when `path` is none of the page's (the handler
 * answers 404). The club's name goes into the page HTML-escaped.
 */
export function serveBoardAsset(requestPath: string, { clubName }: BoardPageOptions): APIGatewayProxyResult | undefined {
  const asset = boardPageAssets.find((candidate) => candidate.path === requestPath);
  if (!asset) return undefined;
  return {
    statusCode: 200,
    headers: { ...boardSecurityHeaders, "Content-Type": asset.contentType, "Cache-Control": asset.cacheControl },
    body: asset.path === "/board" ? asset.body.replaceAll("{{clubName}}", escapeHtml(clubName)) : asset.body,
  };
}
