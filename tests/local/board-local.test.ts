/**
 * The board under `npm start`'s runtime, over loopback HTTP as a browser speaks to it: the page at
 * GET /board, sign-in with the code the simulator shows in the secretary's chat, the cookie sent
 * back, the origin rule against the local URL, and sign-out. The Verify calls go to the stand-in.
 */
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localOptions } from "../../local/options";
import { type LocalRuntime, startLocalRuntime } from "../../local/runtime";

interface State {
  conversations: { phone: string; messages: { body: string }[] }[];
}

describe("the board under npm start", () => {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startLocalRuntime(localOptions([], { PORT: "0" }, path.join(os.tmpdir(), "signon-no-such-dot-env")), {
      writeLog: () => {},
    });
  });
  afterAll(() => runtime?.close());

  const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${runtime.url}/board/api${route}`, {
      method: "POST",
      headers: { Origin: runtime.url, "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const codeInChat = async (tel: string) => {
    const state = (await (await fetch(`${runtime.url}/simulator/api/state`)).json()) as State;
    const message = state.conversations.find((conversation) => conversation.phone === tel)?.messages.at(-1)?.body ?? "";
    return /verification code is: (\d{6})$/.exec(message)?.[1];
  };

  it("serves the page with the club's name and the board's headers", async () => {
    const page = await fetch(`${runtime.url}/board`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Urmston Town");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("signs the dev stack's secretary in with the code shown in the simulator, and out again", async () => {
    const tel = runtime.settings.board.secretaries[0].tel;
    expect((await post("/sign-in", { tel })).status).toBe(202);
    const code = await codeInChat(tel);
    expect(code).toMatch(/^\d{6}$/);
    const checked = await post("/sign-in/check", { tel, code });
    expect(checked.status).toBe(200);
    const cookie = (checked.headers.get("set-cookie") ?? "").split(";")[0];
    expect(cookie).toMatch(/^__Host-signon_board=/);

    const me = await fetch(`${runtime.url}/board/api/me`, { headers: { Cookie: cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: "secretary" });
    // The board's origin is the local URL: a change from anywhere else is refused.
    expect((await post("/sign-out", {}, { Cookie: cookie, Origin: "http://localhost:1" })).status).toBe(403);
    expect((await post("/sign-out", {}, { Cookie: cookie })).status).toBe(204);
    expect((await fetch(`${runtime.url}/board/api/me`, { headers: { Cookie: cookie } })).status).toBe(401);
  });
});
