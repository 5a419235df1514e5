/**
 * The board's page as its function serves it (handlers/board/board-page.ts): BOARD.md's headers,
 * the club's name escaped into the HTML, fingerprinted assets, nothing the CSP would refuse or a
 * third party would serve, the first load's size, and the files carried into the Lambda's code
 * as Pulumi's serializer writes it (no file read there).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import type { APIGatewayProxyResult } from "aws-lambda";
import { afterAll, describe, expect, it } from "vitest";
import { boardPageAssets, serveBoardAsset } from "../../handlers/board/board-page";

const club = { clubName: "Urmston Town" };
const page = () => serveBoardAsset("/board", club)!;
/** The asset paths the page's HTML names, as the page's location (`/board`) resolves them. */
function linkedAssets(html: string): string[] {
  return [...html.matchAll(/(?:href|src)="(board\/board\.[^"]+)"/g)].map(([, relative]) => `/${relative}`);
}

describe("serveBoardAsset", () => {
  it("serves the page with BOARD.md's headers, not stored", () => {
    const answer = page();
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toEqual({
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Security-Policy":
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    });
  });

  it("puts the club's name, HTML-escaped, into the title and the first heading", () => {
    const { body } = serveBoardAsset("/board", { clubName: `Bees & "Wasps" <U11s>` })!;
    expect(body).toContain("<h1>Bees &amp; &quot;Wasps&quot; &lt;U11s&gt;</h1>");
    expect(body).toContain("<title>Bees &amp; &quot;Wasps&quot; &lt;U11s&gt;: registrations board</title>");
    expect(body).not.toContain("{{clubName}}");
    expect(body).not.toContain("<U11s>");
  });

  it("serves the stylesheet and script the page names, under names that change with their content, cached for a year", () => {
    const linked = linkedAssets(page().body);
    expect(linked).toHaveLength(2);
    const types: string[] = [];
    for (const assetPath of linked) {
      expect(assetPath).toMatch(/^\/board\/board\.[0-9a-f]{12}\.(css|js)$/);
      const answer = serveBoardAsset(assetPath, club) as APIGatewayProxyResult;
      expect(answer.statusCode).toBe(200);
      expect(answer.headers?.["Cache-Control"]).toBe("public, max-age=31536000, immutable");
      expect(answer.headers?.["X-Content-Type-Options"]).toBe("nosniff");
      types.push(String(answer.headers?.["Content-Type"]));
      const file = assetPath.endsWith(".css") ? "board.css" : "board.js";
      expect(answer.body).toBe(fs.readFileSync(path.join(__dirname, "../../board/page", file), "utf8"));
    }
    expect(types.sort()).toEqual(["text/css; charset=utf-8", "text/javascript; charset=utf-8"]);
  });

  it("answers nothing for any other path, the unfingerprinted names included, so the handler says 404", () => {
    for (const other of [
      "/board/",
      "/board/board.css",
      "/board/board.js",
      "/board/index.html",
      "/board/api/me",
      "/",
      "/board/../handlers",
    ]) {
      expect(serveBoardAsset(other, club), other).toBeUndefined();
    }
  });
});

describe("the page's files", () => {
  const html = fs.readFileSync(path.join(__dirname, "../../board/page/index.html"), "utf8");

  it("hold no inline script, style or event handler, which the CSP would refuse", () => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it("load nothing from anywhere else: no URL with a scheme or host, no CSS import or url()", () => {
    for (const asset of boardPageAssets) {
      expect(asset.body, asset.path).not.toMatch(/(?:src|href)="(?:[a-z]+:|\/\/)/i);
      expect(asset.body, asset.path).not.toMatch(/@import|url\(/);
      expect(asset.body, asset.path).not.toMatch(/fetch\(\s*["'`](?:https?:|\/\/)/);
    }
  });

  it("come to at most 100 KB together, gzipped or not (API Gateway sends them uncompressed)", () => {
    const bodies = boardPageAssets.map((asset) => Buffer.from(asset.body));
    const raw = bodies.reduce((sum, body) => sum + body.length, 0);
    const gzipped = bodies.reduce((sum, body) => sum + gzipSync(body).length, 0);
    expect(raw).toBeLessThanOrEqual(100 * 1024);
    expect(gzipped).toBeLessThanOrEqual(100 * 1024);
  });
});

describe("the page in the function's code", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "board-page-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is carried as strings by Pulumi's serializer, served without reading a file", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => (assetPath: string) => serveBoardAsset(assetPath, club), {
      isFactoryFunction: true,
    });
    expect(serialized.text).not.toMatch(/readFileSync|createHash/);
    // Loaded from a folder with no board/page/ beside it, as the Lambda's is.
    fs.writeFileSync(path.join(dir, "index.js"), serialized.text);
    const serve = require(path.join(dir, "index.js"))[serialized.exportName] as (assetPath: string) => APIGatewayProxyResult | undefined;
    expect(serve("/board")).toEqual(page());
    for (const assetPath of linkedAssets(page().body)) expect(serve(assetPath)).toEqual(serveBoardAsset(assetPath, club));
  });
});
