/**
 * The bench's weighing of the board page's first load (bench/board-page-weight.ts): the page and
 * everything its HTML loads, each body as sent and its headers, and a page naming a file the
 * board does not serve refused rather than weighed light.
 */
import { gzipSync } from "node:zlib";
import type { APIGatewayProxyResult } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { assetsNamedBy, weighBoardPage } from "../../bench/board-page-weight";
import { boardPageAssets, serveBoardAsset } from "../../handlers/board/board-page";

const served = async (path: string): Promise<APIGatewayProxyResult> =>
  serveBoardAsset(path, { clubName: "Urmston Town" }) ?? { statusCode: 404, body: "" };

describe("the paths a page loads", () => {
  it("are its stylesheets, scripts and images, resolved against the page's path, not its links", () => {
    const html = `<link rel="stylesheet" href="board/board.1.css"><script src="board/board.2.js" defer></script>
      <a href="#main">Skip</a><a href="board/api/registrations.csv">Export</a><img alt="" src="/logo.png">`;
    expect(assetsNamedBy(html, "/board")).toEqual(["/board/board.1.css", "/board/board.2.js", "/logo.png"]);
    // Under API Gateway's stage prefix, as a browser resolves them.
    expect(assetsNamedBy(html, "/v1/board")).toEqual(["/v1/board/board.1.css", "/v1/board/board.2.js", "/logo.png"]);
  });
});

describe("the board page's first load", () => {
  it("is the page, its stylesheet and its script as the board serves them, bodies and headers", async () => {
    const weight = await weighBoardPage(served);
    expect(weight.files.map((file) => file.path).sort()).toEqual(boardPageAssets.map((asset) => asset.path).sort());
    for (const file of weight.files) {
      const answer = await served(file.path);
      expect(file.bodyBytes).toBe(Buffer.byteLength(answer.body));
      expect(file.gzipBodyBytes).toBe(gzipSync(answer.body).length);
      // The status line, the headers (CSP among them) and Content-Length.
      expect(file.headerBytes).toBeGreaterThan(Buffer.byteLength(String(answer.headers?.["Content-Security-Policy"])));
    }
    expect(weight.totalBytes).toBe(weight.files.reduce((sum, file) => sum + file.bodyBytes + file.headerBytes, 0));
    expect(weight.totalGzipBytes).toBeLessThan(weight.totalBytes);
  });

  it("counts the status line and each header as HTTP/1.1 writes them, and a base64 body decoded", async () => {
    const weight = await weighBoardPage(async (path) =>
      path === "/board"
        ? { statusCode: 200, headers: { "Content-Type": "text/html" }, body: '<script src="board/a.js"></script>' }
        : {
            statusCode: 200,
            headers: { "Content-Type": "text/javascript" },
            body: Buffer.from("x=1").toString("base64"),
            isBase64Encoded: true,
          },
    );
    expect(weight.files).toEqual([
      {
        path: "/board",
        bodyBytes: 34,
        headerBytes: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 34\r\n\r\n".length,
        gzipBodyBytes: gzipSync('<script src="board/a.js"></script>').length,
      },
      {
        path: "/board/a.js",
        bodyBytes: 3,
        headerBytes: "HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nContent-Length: 3\r\n\r\n".length,
        gzipBodyBytes: gzipSync("x=1").length,
      },
    ]);
  });

  it("is refused when the page names a file the board does not serve", async () => {
    const get = async (path: string): Promise<APIGatewayProxyResult> =>
      path === "/board" ? { statusCode: 200, body: '<img alt="" src="board/logo.png">' } : { statusCode: 404, body: "" };
    await expect(weighBoardPage(get)).rejects.toThrow("the board answered 404 for /board/logo.png, which its page loads");
  });
});
