/**
 * The board's function (handlers/board/board-handler.ts) against dynalite, the SSM stand-in and
 * the Twilio stand-in's Verify, with a clock the tests move: sign-in with the code Verify sent,
 * the same answer for a number that may not sign in (and no Verify call for it), Verify's limit,
 * the session's idle and absolute expiry, sign-out and removal revoking it, 401 without a session,
 * 403 for a team manager on a secretary's route and for a change not from the board's own page
 * (nothing changed), the security headers on every answer, and the audit log.
 */

import type { APIGatewayProxyResult } from "aws-lambda";
import { beforeEach, describe, expect, it } from "vitest";
import { createBoardStore } from "../../aws/board-store";
import { sessionCookieName } from "../../handlers/board/board-handler";
import { proxyEvent } from "../../local/gateway/proxy-event";
import { metricLines, metricTotals } from "../../testkit/emf";
import { validInvite, webhookUrl } from "../../testkit/fixtures";
import { bodyOf, handlerUnderTest, testBoard } from "../../testkit/handler-under-test";
import { metricsClub, metricsStage } from "../../testkit/local-services";
import { sheetRow, windowsSheet } from "../../testkit/squad-sheets";

const boardOrigin = new URL(webhookUrl).origin;
const secretary = { name: "Sam Secretary", tel: "+447700900050" };
const manager = { name: "Tom Manager", tel: "+447700900060", teams: ["Lions u11s"] };
const stranger = "+447700900079";

let now = new Date("2025-09-01T09:00:00Z");
const { handler, services, logLines } = handlerUnderTest((wiring) => testBoard(wiring, { clock: () => now }));
const store = () => createBoardStore(services().env);

beforeEach(async () => {
  now = new Date("2025-09-01T09:00:00Z");
  await services().reset();
});

type Method = "GET" | "POST" | "DELETE";
interface Call {
  cookie?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request as API Gateway hands it over: from the board's own page unless `headers` say otherwise. */
function call(method: Method, path: string, { cookie, body, headers }: Call = {}): Promise<APIGatewayProxyResult> {
  const api = path.startsWith("/board/");
  return handler(
    proxyEvent({
      method,
      path,
      resource: api ? "/board/{proxy+}" : "/board",
      pathParameters: api ? { proxy: path.slice("/board/".length) } : undefined,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: {
        ...(method === "GET" ? {} : { Origin: boardOrigin, "Content-Type": "application/json" }),
        ...(cookie ? { Cookie: `other=1; ${sessionCookieName}=${cookie}` } : {}),
        ...headers,
      },
    }),
  );
}

/** The session id a Set-Cookie header gives. */
const cookieOf = (response: APIGatewayProxyResult) =>
  new RegExp(`${sessionCookieName}=([^;]+)`).exec(String(response.headers?.["Set-Cookie"]))?.[1] ?? "";

async function signIn(tel: string): Promise<string> {
  expect((await call("POST", "/board/api/sign-in", { body: { tel } })).statusCode).toBe(202);
  const code = services().twilio.verify.codeSentTo(tel);
  const checked = await call("POST", "/board/api/sign-in/check", { body: { tel, code } });
  expect(checked.statusCode, checked.body).toBe(200);
  return cookieOf(checked);
}

async function addManager(cookie: string, person = manager) {
  const added = await call("POST", "/board/api/people", { cookie, body: person });
  expect(added.statusCode, added.body).toBe(201);
}

describe("signing in", () => {
  it("sends a code to a secretary from config and signs them in with it: a cookie of the rule's form, then me", async () => {
    expect((await call("POST", "/board/api/sign-in", { body: { tel: "07700 900050" } })).statusCode).toBe(202);
    const code = services().twilio.verify.codeSentTo(secretary.tel)!;
    expect(code).toMatch(/^\d{6}$/);
    const checked = await call("POST", "/board/api/sign-in/check", { body: { tel: "07700 900050", code } });
    expect(checked.statusCode).toBe(200);
    expect(bodyOf(checked)).toEqual({ name: secretary.name, role: "secretary", teams: "every team" });
    const setCookie = String(checked.headers?.["Set-Cookie"]);
    expect(setCookie).toMatch(new RegExp(`^${sessionCookieName}=[A-Za-z0-9_-]{43}; `));
    for (const attribute of ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"]) expect(setCookie).toContain(`; ${attribute}`);
    const me = await call("GET", "/board/api/me", { cookie: cookieOf(checked) });
    expect(me.statusCode).toBe(200);
    expect(bodyOf(me)).toEqual({ name: secretary.name, role: "secretary", teams: "every team" });
  });

  it("keeps a digest of the session id in the table, never the id itself", async () => {
    const cookie = await signIn(secretary.tel);
    const items = JSON.stringify(await services().dynamoDb.items("signon-local-board"));
    expect(items).toContain("session#");
    expect(items).not.toContain(cookie);
  });

  it("answers a number that may not sign in as it answers one that may, and asks Verify nothing for it", async () => {
    const before = services().twilio.verify.requests.length;
    const unknown = await call("POST", "/board/api/sign-in", { body: { tel: stranger } });
    const known = await call("POST", "/board/api/sign-in", { body: { tel: secretary.tel } });
    expect(unknown.statusCode).toBe(202);
    expect(unknown.body).toBe(known.body);
    expect(
      services()
        .twilio.verify.requests.slice(before)
        .map(({ to }) => to),
    ).toEqual([secretary.tel]);
    // A code checked for it is refused as a wrong code is, again without asking Verify.
    const checked = await call("POST", "/board/api/sign-in/check", { body: { tel: stranger, code: "123456" } });
    expect(checked.statusCode).toBe(401);
    expect(services().twilio.verify.requests.slice(before)).toHaveLength(1);
  });

  it("refuses a wrong code with 401 saying to try again, and no cookie", async () => {
    await call("POST", "/board/api/sign-in", { body: { tel: secretary.tel } });
    const code = services().twilio.verify.codeSentTo(secretary.tel);
    const checked = await call("POST", "/board/api/sign-in/check", {
      body: { tel: secretary.tel, code: code === "000000" ? "111111" : "000000" },
    });
    expect(checked.statusCode).toBe(401);
    expect(bodyOf(checked).message).toMatch(/try again/);
    expect(cookieOf(checked)).toBe("");
  });

  it("passes Verify's limit on as 429 with when to try again", async () => {
    await call("POST", "/board/api/sign-in", { body: { tel: secretary.tel } });
    let checked: APIGatewayProxyResult | undefined;
    for (let attempt = 0; attempt < 6; attempt++) {
      checked = await call("POST", "/board/api/sign-in/check", { body: { tel: secretary.tel, code: "0000" } });
    }
    expect(checked?.statusCode).toBe(429);
    expect(checked?.headers?.["Retry-After"]).toBe("600");
    expect(bodyOf(checked!)).toMatchObject({ error: "too_many_tries", retry_after_seconds: 600 });
    expect(bodyOf(checked!).message).toMatch(/Try again in 10 minutes/);
  });

  it("says what is wrong with a number or code that is not one, and masks numbers in its logs", async () => {
    const badTel = await call("POST", "/board/api/sign-in", { body: { tel: "call me" } });
    expect(badTel.statusCode).toBe(400);
    expect(bodyOf(badTel).message).toMatch(/WhatsApp number/);
    const badCode = await call("POST", "/board/api/sign-in/check", { body: { tel: secretary.tel, code: "12ab" } });
    expect(badCode.statusCode).toBe(400);
    await call("POST", "/board/api/sign-in", { body: { tel: secretary.tel } });
    expect(logLines.join("\n")).not.toContain("7700900050");
  });
});

describe("a session", () => {
  it("ends 2 hours after its last use", async () => {
    const cookie = await signIn(secretary.tel);
    now = new Date(now.getTime() + 119 * 60_000);
    expect((await call("GET", "/board/api/me", { cookie })).statusCode).toBe(200);
    now = new Date(now.getTime() + 119 * 60_000);
    expect((await call("GET", "/board/api/me", { cookie })).statusCode).toBe(200);
    now = new Date(now.getTime() + 120 * 60_000);
    expect((await call("GET", "/board/api/me", { cookie })).statusCode).toBe(401);
  });

  it("ends 12 hours after sign-in however busy", async () => {
    const cookie = await signIn(secretary.tel);
    for (let hour = 1; hour < 12; hour++) {
      now = new Date(Date.parse("2025-09-01T09:00:00Z") + hour * 3_600_000);
      expect((await call("GET", "/board/api/me", { cookie })).statusCode).toBe(200);
    }
    now = new Date(Date.parse("2025-09-01T21:00:00Z"));
    const ended = await call("GET", "/board/api/me", { cookie });
    expect(ended.statusCode).toBe(401);
    expect(String(ended.headers?.["Set-Cookie"])).toContain("Max-Age=0");
  });

  it("is revoked by signing out (204), and its cookie cleared", async () => {
    const cookie = await signIn(secretary.tel);
    const out = await call("POST", "/board/api/sign-out", { cookie, body: {} });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers?.["Set-Cookie"])).toContain("Max-Age=0");
    expect((await call("GET", "/board/api/me", { cookie })).statusCode).toBe(401);
  });

  it("of a team manager is revoked when a secretary removes them: locked out at their next request", async () => {
    const secretaryCookie = await signIn(secretary.tel);
    await addManager(secretaryCookie);
    const managerCookie = await signIn(manager.tel);
    const me = await call("GET", "/board/api/me", { cookie: managerCookie });
    expect(bodyOf(me)).toEqual({ name: manager.name, role: "team_manager", teams: ["Lions U11"] });
    const removed = await call("DELETE", "/board/api/people", { cookie: secretaryCookie, body: { tel: "07700 900060" } });
    expect(removed.statusCode).toBe(204);
    expect((await call("GET", "/board/api/me", { cookie: managerCookie })).statusCode).toBe(401);
    // And they cannot sign in again.
    const before = services().twilio.verify.requests.length;
    await call("POST", "/board/api/sign-in", { body: { tel: manager.tel } });
    expect(services().twilio.verify.requests.length).toBe(before);
  });

  it("is refused when its cookie is made up", async () => {
    expect((await call("GET", "/board/api/me", { cookie: "A".repeat(43) })).statusCode).toBe(401);
    expect((await call("GET", "/board/api/me", { cookie: "not-one" })).statusCode).toBe(401);
  });
});

const everyRoute: [Method, string, unknown?][] = [
  ["GET", "/board/api/me"],
  ["POST", "/board/api/sign-out", {}],
  ["GET", "/board/api/people"],
  ["POST", "/board/api/people", manager],
  ["DELETE", "/board/api/people", { tel: manager.tel }],
  ["GET", "/board/api/audit"],
];
const secretaryRoutes = everyRoute.filter(([, path]) => path.endsWith("/people") || path.endsWith("/audit"));

describe("the rules on every route", () => {
  it.each(everyRoute)("%s %s without a session is 401", async (method, path, body) => {
    const answer = await call(method, path, { body });
    expect(answer.statusCode).toBe(401);
    expect(bodyOf(answer).error).toBe("not_signed_in");
  });

  it.each(secretaryRoutes)("%s %s for a team manager is 403, and changes nothing", async (method, path, body) => {
    const secretaryCookie = await signIn(secretary.tel);
    await addManager(secretaryCookie);
    const managerCookie = await signIn(manager.tel);
    const answer = await call(method, path, {
      cookie: managerCookie,
      body: { ...(body as object), tel: "+447700900061", name: "New One" },
    });
    expect(answer.statusCode).toBe(403);
    expect((await store().listPeople()).map(({ tel }) => tel)).toEqual([manager.tel]);
  });

  it.each([
    ["another site's Origin", { Origin: "https://evil.example" }],
    ["no Origin and no Sec-Fetch-Site", { Origin: "" }],
    ["Sec-Fetch-Site cross-site", { Origin: "", "Sec-Fetch-Site": "cross-site" }],
    ["a form's body type", { "Content-Type": "application/x-www-form-urlencoded" }],
    ["no body type", { "Content-Type": "" }],
  ])("refuses a change with %s (403), and changes nothing", async (_what, headers) => {
    const cookie = await signIn(secretary.tel);
    const withHeaders = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== ""));
    const dropped = Object.keys(headers).filter((name) => headers[name as keyof typeof headers] === "");
    const event = (method: Method, path: string, body: unknown) => {
      const base = proxyEvent({
        method,
        path,
        resource: "/board/{proxy+}",
        pathParameters: { proxy: path.slice("/board/".length) },
        body: JSON.stringify(body),
        headers: { Origin: boardOrigin, "Content-Type": "application/json", Cookie: `${sessionCookieName}=${cookie}`, ...withHeaders },
      });
      for (const name of dropped) delete base.headers[name];
      return base;
    };
    const added = await handler(event("POST", "/board/api/people", manager));
    expect(added.statusCode).toBe(403);
    expect(await store().listPeople()).toEqual([]);
    const out = await handler(event("POST", "/board/api/sign-out", {}));
    expect(out.statusCode).toBe(403);
    expect((await call("GET", "/board/api/me", { cookie })).statusCode).toBe(200);
    const signInCall = await handler(event("POST", "/board/api/sign-in", { tel: secretary.tel }));
    expect(signInCall.statusCode).toBe(403);
  });

  it("takes a change the browser marks same-origin without an Origin", async () => {
    const cookie = await signIn(secretary.tel);
    const event = proxyEvent({
      method: "POST",
      path: "/board/api/people",
      resource: "/board/{proxy+}",
      pathParameters: { proxy: "api/people" },
      body: JSON.stringify(manager),
      headers: { "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json", Cookie: `${sessionCookieName}=${cookie}` },
    });
    expect((await handler(event)).statusCode).toBe(201);
  });

  it("puts the board's security headers on every answer, and no-store on the API's", async () => {
    const answers = [
      await call("GET", "/board"),
      await call("GET", "/board/api/me"),
      await call("GET", "/board/nothing-here"),
      await call("POST", "/board/api/sign-in", { body: { tel: stranger } }),
    ];
    for (const answer of answers) {
      expect(answer.headers?.["Content-Security-Policy"]).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
      expect(answer.headers?.["Strict-Transport-Security"]).toMatch(/^max-age=\d+/);
      expect(answer.headers?.["X-Content-Type-Options"]).toBe("nosniff");
      expect(answer.headers?.["Referrer-Policy"]).toBe("no-referrer");
    }
    expect(answers[0].statusCode).toBe(200);
    expect(answers[0].body).toContain("Urmston Town");
    expect(answers[2].statusCode).toBe(404);
    expect(answers[1].headers?.["Cache-Control"]).toBe("no-store");
  });
});

describe("People and the audit log", () => {
  it("adds a team manager a secretary names, refuses a secretary's number or a team without an age group, and lists them", async () => {
    const cookie = await signIn(secretary.tel);
    await addManager(cookie);
    const secretaryAgain = await call("POST", "/board/api/people", { cookie, body: { ...manager, tel: secretary.tel } });
    expect(secretaryAgain.statusCode).toBe(400);
    const noAgeGroup = await call("POST", "/board/api/people", { cookie, body: { ...manager, teams: ["Lions"] } });
    expect(noAgeGroup.statusCode).toBe(400);
    expect(bodyOf(noAgeGroup).message).toMatch(/"Lions" is not a team/);
    const people = await call("GET", "/board/api/people", { cookie });
    expect(bodyOf(people)).toEqual({ people: [{ name: manager.name, tel: manager.tel, teams: ["Lions U11"] }] });
    const missing = await call("DELETE", "/board/api/people", { cookie, body: { tel: "+447700900070" } });
    expect(missing.statusCode).toBe(404);
  });

  it("keeps who did what, newest first, with masked numbers and no one's data, until the season's retention date", async () => {
    const cookie = await signIn(secretary.tel);
    now = new Date(now.getTime() + 60_000);
    await addManager(cookie);
    now = new Date(now.getTime() + 60_000);
    await call("DELETE", "/board/api/people", { cookie, body: { tel: manager.tel } });
    const audit = await call("GET", "/board/api/audit", { cookie });
    const who = "Sam Secretary (+44•••••••050)";
    expect(bodyOf(audit).entries).toEqual([
      { at: "2025-09-01T09:02:00.000Z", who, action: "person_removed", subject: "+44•••••••060" },
      { at: "2025-09-01T09:01:00.000Z", who, action: "person_added", subject: "+44•••••••060" },
      { at: "2025-09-01T09:00:00.000Z", who, action: "sign_in" },
    ]);
    const items = await services().dynamoDb.items("signon-local-board");
    const expiries = items.filter((item) => item.pk.S === "audit").map((item) => Number(item.expires_at.N));
    // Season 2025-26, kept a year after 31 August 2026 (domain/retention.ts).
    expect(new Set(expiries)).toEqual(new Set([Date.UTC(2027, 8, 1) / 1000]));
  });
});

describe("the data routes, through the board's function", () => {
  // Its own parents, so no other test's invites are in the way.
  const lionsInvite = { ...validInvite, parent_tel: "07700 900071" };
  const tigersInvite = { ...validInvite, team_name: "Tigers", age_group: "U12", player_first_name: "Bea", parent_tel: "07700 900072" };

  /** A squad sheet's bytes as Excel saves them in Windows-1252, posted as API Gateway passes a binary media type. */
  function postSheet(cookie: string, rows: string[][], dryRun: boolean) {
    const bytes = windowsSheet(rows);
    return handler(
      proxyEvent({
        method: "POST",
        path: "/board/api/invites/sheet",
        resource: "/board/{proxy+}",
        pathParameters: { proxy: "api/invites/sheet" },
        query: new URLSearchParams(dryRun ? { dry_run: "true" } : {}),
        body: bytes.toString("base64"),
        isBase64Encoded: true,
        headers: { Origin: boardOrigin, "Content-Type": "text/csv", Cookie: `${sessionCookieName}=${cookie}` },
      }),
    );
  }

  it("invites, lists by team, previews and sends a Windows-1252 sheet, resends and erases, each within the person's teams", async () => {
    const from = logLines.length;
    const secretaryCookie = await signIn(secretary.tel);
    await addManager(secretaryCookie);
    const lions = await call("POST", "/board/api/invites", { cookie: secretaryCookie, body: lionsInvite });
    expect(lions.statusCode, lions.body).toBe(200);
    const lionsId = bodyOf(lions).registration_id as string;
    expect((await call("POST", "/board/api/invites", { cookie: secretaryCookie, body: tigersInvite })).statusCode).toBe(200);

    const managerCookie = await signIn(manager.tel);
    const seen = bodyOf(await call("GET", "/board/api/registrations", { cookie: managerCookie })).registrations as { team_name: string }[];
    expect(seen.map((row) => row.team_name)).toEqual(["Lions"]);
    expect(
      (await call("POST", "/board/api/invites", { cookie: managerCookie, body: { ...tigersInvite, parent_tel: "07700 900073" } }))
        .statusCode,
    ).toBe(403);

    const rows = [sheetRow("Aoife", "07700 900074")];
    const previewAnswer = await postSheet(managerCookie, rows, true);
    expect(previewAnswer.statusCode, previewAnswer.body).toBe(200);
    const preview = bodyOf(previewAnswer);
    expect(preview.read_as).toBe("Windows-1252, cells separated by semicolons");
    expect(preview.rows).toEqual([expect.objectContaining({ row: 2, player: "Aoife Ó Briain", status: "would_send" })]);
    const sent = bodyOf(await postSheet(managerCookie, rows, false));
    expect(sent.rows).toEqual([expect.objectContaining({ status: "sent" })]);

    const resent = await call("POST", `/board/api/registrations/${lionsId}/resend`, { cookie: managerCookie, body: {} });
    expect(resent.statusCode, resent.body).toBe(200);
    expect((await call("DELETE", `/board/api/registrations/${lionsId}`, { cookie: managerCookie, body: {} })).statusCode).toBe(403);
    const erased = await call("DELETE", `/board/api/registrations/${lionsId}`, { cookie: secretaryCookie, body: {} });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(bodyOf(erased)).toMatchObject({ registration_id: lionsId, status: "erased" });
    const actions = (bodyOf(await call("GET", "/board/api/audit", { cookie: secretaryCookie })).entries as { action: string }[]).map(
      (entry) => entry.action,
    );
    for (const action of ["invite", "resend", "erase"]) expect(actions).toContain(action);
    // The board's sends count as the trigger's: two invites, the sheet's row and the resend; the refused invite and the preview none.
    expect(metricTotals(metricLines(logLines.slice(from), { club: metricsClub, stage: metricsStage }))).toEqual({ InvitesSent: 4 });
  });
});
