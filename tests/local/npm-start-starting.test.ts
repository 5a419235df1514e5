/**
 * `npm start` between listening and wiring its routes, in-process: the start is held at that
 * point by its own hook (startLocalRuntime's beforeRoutes), so the requests made meanwhile are
 * made while it starts, every time, rather than by winning a race.
 */
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { localOptions } from "../../local/options";
import { startLocalRuntime } from "../../local/runtime";
import { validInvite } from "../../testkit/fixtures";
import { postInvite } from "../../testkit/npm-start";

describe("npm start while it starts", () => {
  it("answers every request 503 with Retry-After: 1 until its routes are wired, then serves them", async () => {
    const options = localOptions([], { PORT: "0" }, path.join(os.tmpdir(), "signon-no-such-dot-env"));
    const headers = { "x-api-key": options.apiKey };
    let duringStart: Response[] = [];
    const runtime = await startLocalRuntime(options, {
      beforeRoutes: async (url) => {
        duringStart = await Promise.all([
          fetch(`${url}/`),
          postInvite(url, validInvite, headers),
          fetch(`${url}/registrations`),
          fetch(`${url}/no-such-route`),
        ]);
      },
    });
    try {
      expect(duringStart).toHaveLength(4);
      for (const response of duringStart) {
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toBe("1");
        expect(await response.json()).toEqual({ error: "starting", message: "signon is starting: try again in a second." });
      }
      // Ready: the page, the trigger and API Gateway's own 403 for a path it does not know.
      expect((await fetch(`${runtime.url}/`)).status).toBe(200);
      expect((await postInvite(runtime.url, validInvite, headers)).status).toBe(200);
      expect((await fetch(`${runtime.url}/no-such-route`)).status).toBe(403);
    } finally {
      await runtime.close();
    }
  });
});
