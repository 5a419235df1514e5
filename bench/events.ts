/** The API Gateway events the bench sends: each one new work, never a duplicate. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { createBoardHandler, sessionCookieName } from "../handlers/board/board-handler";
import { functions } from "../handlers/functions";
import { createWebhookHandler } from "../handlers/webhook";
import { proxyEvent } from "../local/gateway/proxy-event";
import { clubSettings, validInvite } from "../testkit/fixtures";
import { alfiesAnswerMessages, invite, invitedRegistration, parentPhone } from "../testkit/registrations";
import { triggerEvent } from "../testkit/trigger-event";
import { inboundMessage, signedEvent } from "../testkit/twilio-webhook";

/** Which events a function answers: invites, parents' messages, or the board's API. */
export type EventRoute = "trigger" | "webhook" | "board";

let invitesMade = 0;

/**
 * The parents the webhook's events come from, invited by `inviteBenchParents` before the bench
 * starts: enough that every webhook event of a run (cold and warm, for this checkout and the
 * straightforward one, then the memory sizes) finds one mid-way.
 */
const benchParents = Array.from({ length: 400 }, (_, index) => `+447700900${500 + index}`);
/**
 * Whose partition the "DynamoDB round trips" floor reads and writes back (bench/packages.ts): a
 * parent mid-way through Alfie's registration, as the webhook's parents are, and no stream's.
 */
export const floorParentTel = "+447700900499";

/**
 * A whole registration, each message a conversation step that changes the registration: a
 * consistent Query of the parent's partition, the engine, and one TransactWriteItems of the
 * contact and the registration, conditional on the versions read. Every fourth parent gives a
 * landline for the emergency contact, as some do: the step that loads the phone library.
 */
const registrationMessages = (parentIndex: number) => [
  "Ready!",
  ...(parentIndex % 4 === 3
    ? alfiesAnswerMessages.map((answer) => answer.replace("07700 900789", landline(parentIndex)))
    : alfiesAnswerMessages),
  "YES",
];

/** A landline in Ofcom's drama range for Leeds, 0113 496 0000 to 0999. */
const landline = (index: number) => `0113 496 0${String(index % 1000).padStart(3, "0")}`;

export async function inviteBenchParents(env: Record<string, string>): Promise<void> {
  for (let first = 0; first < benchParents.length; first += 25) {
    const batch = benchParents.slice(first, first + 25);
    await Promise.all(batch.map((tel) => invite(env, invitedRegistration({ parent_tel: tel }))));
  }
  // The floor's parent: invited, then half-way through the answers, so its partition holds a contact and a registration.
  await invite(env, invitedRegistration({ parent_tel: floorParentTel }));
  const webhook = createWebhookHandler(functions.webhook, { env, writeLog: () => undefined });
  const parent = parentPhone(webhook, floorParentTel);
  for (const text of ["Ready!", ...alfiesAnswerMessages.slice(0, 3)]) {
    const { status } = await parent.send(text);
    if (status !== 200) throw new Error(`the floor's parent was answered ${status}`);
  }
}

/**
 * The team manager whose session the board's events carry: `GET /board/api/me` then reads the
 * session and the person from the board's table, as it does for everyone but the stack's
 * secretaries (whose person is in the settings).
 */
const boardTeamManager = { name: "Tom Manager", tel: "+447700900498", teams: ["Lions u11s"] };
let boardSessionId: string | undefined;

/** A request to the board's API as API Gateway hands it over, from the board's own page. */
function boardApiEvent(method: "GET" | "POST", apiPath: string, { body, sessionId }: { body?: object; sessionId?: string }) {
  const path = `/board/api${apiPath}`;
  return proxyEvent({
    method,
    path,
    resource: "/board/{proxy+}",
    pathParameters: { proxy: path.slice("/board/".length) },
    body: body && JSON.stringify(body),
    headers: {
      ...(method === "GET" ? {} : { Origin: new URL(clubSettings.webhookUrl).origin, "Content-Type": "application/json" }),
      ...(sessionId ? { Cookie: `${sessionCookieName}=${sessionId}` } : {}),
    },
  });
}

/**
 * Signs in through the board's own handler as its page does: the stack's first secretary with
 * the code Verify's stand-in sent to their WhatsApp, adds the bench's team manager on People,
 * and then signs them in, whose session every board event carries.
 */
export async function signInBenchBoard(env: Record<string, string>, verifyCodeSentTo: (tel: string) => Promise<string | undefined>) {
  const board = createBoardHandler(functions.board, { env, writeLog: () => undefined });
  const expect = async (answer: Promise<APIGatewayProxyResult>, status: number, doing: string) => {
    const { statusCode, body, headers } = await answer;
    if (statusCode !== status) throw new Error(`the board answered ${statusCode} to ${doing}: ${body}`);
    return headers ?? {};
  };
  const signIn = async (tel: string) => {
    await expect(board(boardApiEvent("POST", "/sign-in", { body: { tel } })), 202, "a sign-in");
    const code = await verifyCodeSentTo(tel);
    if (!code) throw new Error("Verify's stand-in sent no code to the bench's board sign-in");
    const headers = await expect(board(boardApiEvent("POST", "/sign-in/check", { body: { tel, code } })), 200, "a sign-in's code");
    const sessionId = new RegExp(`${sessionCookieName}=([^;]+)`).exec(String(headers["Set-Cookie"]))?.[1];
    if (!sessionId) throw new Error("the board's sign-in set no session cookie");
    return sessionId;
  };
  const [secretary] = JSON.parse(clubSettings.boardSecretaries) as { tel: string }[];
  const secretarySession = await signIn(secretary.tel);
  await expect(
    board(boardApiEvent("POST", "/people", { body: boardTeamManager, sessionId: secretarySession })),
    201,
    "adding a team manager",
  );
  boardSessionId = await signIn(boardTeamManager.tel);
}

/** Where each stream of webhook events is: its parent and that parent's next message. */
const streams = new Map<string, { parent: string | undefined; messages: string[]; next: number }>();
let parentsTaken = 0;

/**
 * The next event for `route`. Each trigger event invites another player (every eighth with a
 * team manager's landline), and each webhook event is the next message of a registration, so
 * every call does the real work rather than being answered as a duplicate. Each `stream` (a
 * package, or a package at one memory size) goes through registrations from the first message
 * on, taking the next uninvolved parent for each: every stream meets the same steps in the same
 * order, however the streams are interleaved.
 */
export const eventFor = (route: EventRoute, stream: string = route): APIGatewayProxyEvent => {
  if (route === "board") {
    if (!boardSessionId) throw new Error("the board's events need a session: signInBenchBoard first");
    return boardApiEvent("GET", "/me", { sessionId: boardSessionId });
  }
  if (route === "trigger") {
    const made = ++invitesMade;
    const teamManagerTel = made % 8 === 0 ? landline(made) : validInvite.team_manager_1_tel;
    return triggerEvent({ ...validInvite, player_first_name: `Player ${made}`, team_manager_1_tel: teamManagerTel });
  }
  let at = streams.get(stream);
  if (!at || at.next === at.messages.length) {
    const parentIndex = parentsTaken++;
    at = { parent: benchParents[parentIndex], messages: registrationMessages(parentIndex), next: 0 };
    streams.set(stream, at);
  }
  const { parent } = at;
  if (!parent) throw new Error(`the bench's ${benchParents.length} parents have registered: invite more in bench/events.ts`);
  const text = at.messages[at.next++];
  return signedEvent(inboundMessage({ From: `whatsapp:${parent}`, WaId: parent.slice(1), Body: text }));
};
