/**
 * The board's function (BOARD.md): the page and its assets (board-page.ts), sign-in with a code
 * Twilio Verify sends over WhatsApp, the session, and the API's routes: its own (me, sign-out,
 * people, audit; auth-routes.ts) and the data routes (data-routes.ts). For every API request it
 * finds the session from the `__Host-signon_board` cookie and the person it belongs to (looked up
 * again each time, so one removed is locked out at once), checks the route's role, and for a
 * change the request's origin and body type; then calls the route and writes its audit notes.
 * Every answer carries the board's security headers.
 */
import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { createBoardStore } from "../../aws/board-store";
import { type BoardPerson, boardPersonFor, type Secretary, sessionExpiresAt, sessionLive } from "../../domain/board/session";
import { toE164 } from "../../domain/phone";
import { retainUntil } from "../../domain/retention";
import { answerProxyInvocation } from "../../plumbing/answer-logged";
import { headerValue, jsonResponse, type ProxyHandler } from "../../plumbing/api-gateway-event";
import { jsonObject } from "../../plumbing/json";
import { type Log, maskPhone } from "../../plumbing/log";
import { createVerifyClient } from "../../twilio/verify-client";
import type { FunctionDeclaration, HandlerWiring } from "../function-declaration";
import { handlerSetup } from "../handler-setup";
import { createAuthRoutes, meOf } from "./auth-routes";
import type { AuditNote, BoardApiRequest, BoardApiRoute, SignedInPerson } from "./board-api-route";
import type { BoardDependencies, BoardSettingKey } from "./board-dependencies";
import { boardSecurityHeaders, serveBoardAsset } from "./board-page";
import { createBoardDataRoutes } from "./data-routes";

export const sessionCookieName = "__Host-signon_board";

// A squad sheet of a few hundred rows is tens of KB; API Gateway alone would allow 10 MB.
const maxBoardBodyBytes = 1024 * 1024;
// A session's last use is written at most this often: every request would be a write for nothing.
const touchEveryMs = 60_000;
// The time a Verify start took, kept so an unknown number's answer takes about as long; a slow
// Verify is not copied past the cap, which would hold an unknown number's answer for seconds.
const typicalVerifyMs = 300;
const longestImitationMs = 1_500;

const refuse = (statusCode: number, error: string, message: string, headers: Record<string, string> = {}) =>
  jsonResponse(statusCode, { error, message }, headers);

const sessionCookie = (id: string) => `${sessionCookieName}=${id}; Max-Age=${12 * 60 * 60}; Path=/; Secure; HttpOnly; SameSite=Strict`;
const clearedCookie = `${sessionCookieName}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`;

/** The session id the request's cookie carries, if it carries one of the right form. */
function sessionIdOf(event: APIGatewayProxyEvent): string | undefined {
  const cookies = [headerValue(event, "Cookie"), ...(event.multiValueHeaders?.Cookie ?? event.multiValueHeaders?.cookie ?? [])];
  for (const header of cookies) {
    for (const part of header?.split(";") ?? []) {
      const [name, value] = part.trim().split("=", 2);
      if (name === sessionCookieName && value && /^[A-Za-z0-9_-]{43}$/.test(value)) return value;
    }
  }
  return undefined;
}

/** The path's parameters when it matches the route's path (`/registrations/{id}`), else undefined. */
function paramsOf(routePath: string, path: string): Record<string, string> | undefined {
  const wanted = routePath.split("/");
  const given = path.split("/");
  if (wanted.length !== given.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of wanted.entries()) {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name && given[index] !== "") {
      try {
        params[name] = decodeURIComponent(given[index]);
      } catch {
        return undefined;
      }
    } else if (part !== given[index]) return undefined;
  }
  return params;
}

const bodyBytes = (event: APIGatewayProxyEvent) =>
  event.body ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : Buffer.alloc(0);

/** Why a change is refused as not from the board's own page (BOARD.md's rule), or undefined when it is. */
function notFromTheBoard(event: APIGatewayProxyEvent, boardOrigin: string): string | undefined {
  const origin = headerValue(event, "Origin");
  if (origin !== undefined) return origin === boardOrigin ? undefined : "origin_mismatch";
  return headerValue(event, "Sec-Fetch-Site") === "same-origin" ? undefined : "origin_missing";
}

const changeTypes = /^(application\/json|text\/csv)\s*(;|$)/i;

export function createBoardHandler(
  declaration: FunctionDeclaration<BoardSettingKey>,
  wiring: HandlerWiring & Partial<Pick<BoardDependencies, "clock">> = {},
): ProxyHandler {
  const { env, awsCalls, readSettings, writeLog, metrics } = handlerSetup(declaration, wiring);
  const clock = wiring.clock ?? (() => new Date());
  const store = createBoardStore(env, awsCalls);
  const verify = createVerifyClient({ baseUrl: env.TWILIO_VERIFY_BASE_URL });
  const dependencies: BoardDependencies = { readSettings, store, verify, clock };
  const routes: readonly BoardApiRoute[] = [
    ...createAuthRoutes(dependencies),
    ...createBoardDataRoutes(declaration, { env, awsCalls, readSettings, metrics, clock }),
  ];
  let verifyMs = typicalVerifyMs;
  let secretariesRead: { json: string; secretaries: Secretary[] } | undefined;

  const secretariesOf = (json: string): Secretary[] => {
    if (secretariesRead?.json !== json) secretariesRead = { json, secretaries: JSON.parse(json) as Secretary[] };
    return secretariesRead.secretaries;
  };

  async function personFor(tel: string, values: Record<BoardSettingKey, string>): Promise<BoardPerson | undefined> {
    const secretaries = secretariesOf(values.boardSecretaries);
    if (secretaries.some((secretary) => secretary.tel === tel)) return boardPersonFor(tel, secretaries, undefined);
    return boardPersonFor(tel, secretaries, await store.findPerson(tel));
  }

  const signedIn = (person: BoardPerson): SignedInPerson => ({
    name: person.name,
    tel: person.tel,
    role: person.role,
    teams: person.role === "secretary" ? "every team" : person.teams,
  });

  /** `{"tel": ...}` (and `code`) from a sign-in body, or the 400 that says what is wrong. */
  function signInBody(event: APIGatewayProxyEvent, withCode: boolean): { tel: string; code: string } | APIGatewayProxyResult {
    const body = jsonObject(bodyBytes(event).toString("utf8"));
    const tel = typeof body.tel === "string" ? toE164(body.tel) : undefined;
    if (!tel) return refuse(400, "invalid_tel", 'tel must be your WhatsApp number, such as "07700 900050" or "+447700900050".');
    const code = typeof body.code === "string" ? body.code.trim() : "";
    if (withCode && !/^\d{4,10}$/.test(code))
      return refuse(400, "invalid_code", "code must be the digits of the code sent to your WhatsApp.");
    return { tel, code };
  }

  async function startSignIn(event: APIGatewayProxyEvent, log: Log): Promise<APIGatewayProxyResult> {
    const body = signInBody(event, false);
    if ("statusCode" in body) return body;
    const { values, twilio } = await readSettings();
    const person = await personFor(body.tel, values);
    const started = Date.now();
    if (person) {
      const outcome = await verify.start(twilio, values.verifyServiceSid, body.tel);
      verifyMs = Math.min(Date.now() - started, longestImitationMs);
      log(outcome.outcome === "sent" ? "info" : "warn", "sign_in_code", { to: maskPhone(body.tel), detail: outcome.outcome });
    } else {
      // No Verify call for a number that may not sign in, and an answer about as slow as one.
      await new Promise((resolve) => setTimeout(resolve, verifyMs));
      log("info", "sign_in_code", { to: maskPhone(body.tel), detail: "not_a_board_number" });
    }
    // The same answer either way: nothing to learn by trying numbers.
    return jsonResponse(202, { message: "If this number may sign in to the board, a code is on its way to its WhatsApp." });
  }

  async function checkSignIn(event: APIGatewayProxyEvent, log: Log): Promise<APIGatewayProxyResult> {
    const body = signInBody(event, true);
    if ("statusCode" in body) return body;
    const { values, twilio } = await readSettings();
    const person = await personFor(body.tel, values);
    const outcome = person
      ? await verify.check(twilio, values.verifyServiceSid, body.tel, body.code)
      : { outcome: "not_approved" as const };
    log(outcome.outcome === "approved" ? "info" : "warn", "sign_in_check", { to: maskPhone(body.tel), detail: outcome.outcome });
    if (outcome.outcome === "too_many_tries") {
      const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
      return jsonResponse(
        429,
        {
          error: "too_many_tries",
          retry_after_seconds: outcome.retryAfterSeconds,
          message: `Too many tries for this number. Try again in ${minutes} minutes, with a new code.`,
        },
        { "Retry-After": String(outcome.retryAfterSeconds) },
      );
    }
    if (outcome.outcome === "unavailable") {
      return refuse(503, "verify_unavailable", "The code could not be checked just now. Please try again in a minute.");
    }
    if (outcome.outcome !== "approved" || !person) {
      return refuse(401, "code_not_accepted", "That code is not right, or it has expired. Check it and try again, or ask for a new code.");
    }
    const id = randomBytes(32).toString("base64url");
    const now = clock().getTime();
    await store.createSession(id, { tel: person.tel, created: now, lastSeen: now }, sessionExpiresAt(now));
    await writeAudit(values, signedIn(person), [{ action: "sign_in" }], log);
    const { name, role, teams } = meOf(signedIn(person));
    return jsonResponse(200, { name, role, teams }, { "Set-Cookie": sessionCookie(id) });
  }

  async function writeAudit(values: Record<BoardSettingKey, string>, person: SignedInPerson, notes: readonly AuditNote[], log: Log) {
    const now = clock();
    const expiresAt = retainUntil(values.season, Number(values.retentionYears), now);
    for (const note of notes) {
      try {
        await store.addAudit({ at: now.toISOString(), who: `${person.name} (${maskPhone(person.tel)})`, ...note }, expiresAt);
      } catch (error) {
        // The answer stands; the log says an entry is missing.
        log("error", "audit_not_written", { error: error instanceof Error ? error.name : typeof error, detail: note.action });
      }
    }
  }

  /** The session's person, or the 401 (and a cleared cookie) for a request without a live session. */
  async function sessionPerson(
    event: APIGatewayProxyEvent,
    values: Record<BoardSettingKey, string>,
    log: Log,
  ): Promise<{ refused: APIGatewayProxyResult } | { id: string; person: SignedInPerson }> {
    const unauthenticated = refuse(401, "not_signed_in", "Sign in to the board first.", { "Set-Cookie": clearedCookie });
    const id = sessionIdOf(event);
    if (!id) return { refused: unauthenticated };
    const session = await store.findSession(id);
    const now = clock();
    if (!session || !sessionLive(session, now)) {
      if (session) await store.deleteSession(id);
      log("info", "session_refused", { detail: session ? "expired" : "unknown" });
      return { refused: unauthenticated };
    }
    const person = await personFor(session.tel, values);
    if (!person) {
      // Removed from config or People since signing in.
      await store.deleteSession(id);
      log("info", "session_refused", { detail: "person_removed", to: maskPhone(session.tel) });
      return { refused: unauthenticated };
    }
    if (now.getTime() - session.lastSeen >= touchEveryMs) await store.touchSession(id, now.getTime());
    return { id, person: signedIn(person) };
  }

  async function answerApi(event: APIGatewayProxyEvent, apiPath: string, log: Log): Promise<APIGatewayProxyResult> {
    const method = event.httpMethod;
    const changes = method !== "GET";
    const { values } = await readSettings();
    if (changes) {
      const notFrom = notFromTheBoard(event, new URL(values.webhookUrl).origin);
      if (notFrom) {
        log("warn", "change_refused", { detail: notFrom });
        return refuse(403, "forbidden", "Changes are accepted from the board's own page only.");
      }
      if (!changeTypes.test(headerValue(event, "Content-Type") ?? "")) {
        log("warn", "change_refused", { detail: "body_type" });
        return refuse(403, "forbidden", "A change must send a JSON (or text/csv) body from the board's own page.");
      }
      if (bodyBytes(event).length > maxBoardBodyBytes) return refuse(413, "too_large", "The body is over 1 MB; send a smaller file.");
    }
    if (method === "POST" && apiPath === "/sign-in") return startSignIn(event, log);
    if (method === "POST" && apiPath === "/sign-in/check") return checkSignIn(event, log);

    const session = await sessionPerson(event, values, log);
    if ("refused" in session) return session.refused;
    const candidates = routes.flatMap((route) => {
      const params = paramsOf(route.path, apiPath);
      return params ? [{ route, params }] : [];
    });
    const found = candidates.find(({ route }) => route.method === method);
    if (!found) {
      return candidates.length > 0
        ? refuse(405, "method_not_allowed", `Use ${candidates.map(({ route }) => route.method).join(" or ")} here.`)
        : refuse(404, "not_found", "The board has no such route.");
    }
    const { route, params } = found;
    if (route.who === "secretary" && session.person.role !== "secretary") {
      log("warn", "role_refused", { detail: `${method} ${route.path}` });
      return refuse(403, "forbidden", "Only the club's secretary may do this.");
    }
    const request: BoardApiRequest = {
      method: method as BoardApiRequest["method"],
      path: apiPath,
      params,
      query: Object.fromEntries(
        Object.entries(event.queryStringParameters ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, value]])),
      ),
      body: bodyBytes(event),
      contentType: headerValue(event, "Content-Type"),
      requestId: event.requestContext?.requestId ?? "",
      person: session.person,
      log,
      // The invocation's deadline, as its AWS calls keep it.
      remaining: { getRemainingTimeInMillis: () => (awsCalls.current()?.deadline ?? Date.now()) - Date.now() },
    };
    const answer = await route.handle(request);
    if (answer.audit?.length) await writeAudit(values, session.person, answer.audit, log);
    if (route.path === "/sign-out" && answer.result.statusCode < 300) {
      await store.deleteSession(session.id);
      answer.result.headers = { ...answer.result.headers, "Set-Cookie": clearedCookie };
    }
    return answer.result;
  }

  async function respond(event: APIGatewayProxyEvent, log: Log): Promise<APIGatewayProxyResult> {
    const path = event.path ?? "";
    if (path === "/board/api" || path.startsWith("/board/api/")) {
      const answer = await answerApi(event, path.slice("/board/api".length) || "/", log);
      return { ...answer, headers: { ...answer.headers, "Cache-Control": "no-store" } };
    }
    if (event.httpMethod !== "GET") return refuse(405, "method_not_allowed", "The board's page is read with GET.");
    const { values } = await readSettings();
    return serveBoardAsset(path, { clubName: values.clubName }) ?? refuse(404, "not_found", "The board has no such page.");
  }

  return async (event, context) => {
    const route = `${event.httpMethod} ${event.resource}`;
    const answer = await answerProxyInvocation(
      awsCalls,
      { event, context, route, timeoutSeconds: declaration.timeoutSeconds, writeLog },
      (log) => respond(event, log),
      () => refuse(500, "internal_error", "The board could not answer; please try again."),
    );
    return { ...answer, headers: { ...answer.headers, ...boardSecurityHeaders } };
  };
}
