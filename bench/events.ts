/** The API Gateway events the bench sends: each one new work, never a duplicate. */
import { marshall } from "@aws-sdk/util-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { Event } from "gocardless-nodejs";
import { createRegistrationStore, createRegistrationsTableCall } from "../aws/registration-store";
import { environmentVariables } from "../config/settings";
import { paymentLinkRequest, sentPaymentLink } from "../domain/payment-link";
import { noPayment } from "../domain/payments";
import { createGoCardlessClient } from "../gocardless/gocardless-client";
import { goCardlessSignature } from "../gocardless/webhook-signature";
import { createBoardHandler, sessionCookieName } from "../handlers/board/board-handler";
import { functions } from "../handlers/functions";
import { createWebhookHandler } from "../handlers/webhook";
import { proxyEvent } from "../local/gateway/proxy-event";
import { clubSettings, validInvite } from "../testkit/fixtures";
import { goCardlessSecrets, paymentSettings } from "../testkit/payment-services";
import { registrationRecord } from "../testkit/registration-records";
import { alfiesAnswerMessages, invite, invitedRegistration, parentPhone } from "../testkit/registrations";
import { triggerEvent } from "../testkit/trigger-event";
import { inboundMessage, signedEvent } from "../testkit/twilio-webhook";
import type { StandInsProcess } from "./stand-ins-process";

/**
 * Which events a function answers: invites, parents' messages, the board's API, GoCardless's
 * webhook, or a parent's submitting YES (the webhook's cold submission rows).
 */
export type EventRoute = "trigger" | "webhook" | "board" | "payment" | "submission";
/** Whose settings a package runs with: the dev stack's, or the same club's taking payments through GoCardless. */
export type Stack = "payments off" | "payments on";

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

/** Numbers the fixtures use (invites' parent and team manager, records' defaults): no prepared parent takes them. */
const fixtureTels = new Set([900000, 900050, 900123, 900456]);
/** The board's team manager, the floor's parent and the webhook's parents take the numbers from here up. */
const firstTakenTel = 900498;

/**
 * `count` numbers of Ofcom's drama range from +44 7700 `first` up, the fixtures' skipped; an
 * error if they would reach the numbers the board's, the floor's and the webhook's events use.
 */
export function benchTels(first: number, count: number): string[] {
  const tels: string[] = [];
  for (let number = first; tels.length < count; number++) {
    if (number >= firstTakenTel) throw new Error(`${count} numbers from ${first} reach +447700${firstTakenTel}, which other events use`);
    if (!fixtureTels.has(number)) tels.push(`+447700${number}`);
  }
  return tels;
}

/** Each stack's parents who are to submit: enough for the cold runs of a bench run. */
const submittingParents: Record<Stack, string[]> = { "payments off": benchTels(900001, 40), "payments on": benchTels(900051, 40) };
/** Those at the summary, not yet sent their YES. */
const atSummary: Record<Stack, string[]> = { "payments off": [], "payments on": [] };

/**
 * `count` parents in each stack invited and taken through the conversation by the webhook with
 * that stack's settings, up to the summary: each then submits with one YES, the webhook's
 * submission rows' cold event.
 */
export async function prepareSubmissions(envs: Record<Stack, Record<string, string>>, count: number): Promise<void> {
  for (const stack of ["payments off", "payments on"] as const) {
    const tels = submittingParents[stack].slice(0, count);
    if (tels.length < count) throw new Error(`the bench has ${tels.length} parents to submit in each stack: add more in bench/events.ts`);
    const env = envs[stack];
    const webhook = createWebhookHandler(functions.webhook, { env, writeLog: () => undefined });
    await Promise.all(
      tels.map(async (tel) => {
        await invite(env, invitedRegistration({ parent_tel: tel }));
        const parent = parentPhone(webhook, tel);
        for (const text of ["Ready!", ...alfiesAnswerMessages]) {
          const { status } = await parent.send(text);
          if (status !== 200) throw new Error(`a submitting parent was answered ${status}`);
        }
      }),
    );
    atSummary[stack].push(...tels);
  }
}

/**
 * Registrations per parent among the payment's: brothers and sisters, as a parent's partition
 * holds at a club; the same few for every event, so each event's read of the partition is alike.
 */
const siblingsPerParent = 3;
/** GoCardless's webhook requests for the payment function, one per registration, in the order sent. */
const paymentBatches: APIGatewayProxyEvent[] = [];

/** A POST /payments/gocardless with `events` as GoCardless sends a batch, signed with the stack's webhook secret. */
function goCardlessBatch(events: Event[], webhookId: string): APIGatewayProxyEvent {
  const body = JSON.stringify({ events, meta: { webhook_id: webhookId } });
  return proxyEvent({
    path: "/payments/gocardless",
    body,
    headers: {
      "Content-Type": "application/json",
      "User-Agent": "gocardless-webhook-service/1.1",
      "Webhook-Signature": goCardlessSignature(body, goCardlessSecrets.webhookSecret),
    },
  });
}

/**
 * `count` registrations submitted in the stack taking payments, each as the webhook's submission
 * leaves it (the billing request and its flow made at the GoCardless stand-in, the link recorded
 * on the registration, the request's reference written), three to a parent whose last message
 * came a minute ago; then each paid at the stand-in, whose events (billing request fulfilled,
 * payment confirmed, mandate active) make the batch the payment function answers for it.
 */
export async function preparePayments(env: Record<string, string>, pay: StandInsProcess["pay"], count: number): Promise<void> {
  const tels = benchTels(900100, Math.ceil(count / siblingsPerParent));
  const provider = createGoCardlessClient(goCardlessSecrets.accessToken, { baseUrl: env[environmentVariables.goCardlessApiBaseUrl] });
  const store = createRegistrationStore(env);
  const { call, tableName } = createRegistrationsTableCall(env);
  const lastMessageAt = new Date(Date.now() - 60_000).toISOString();
  for (const tel of tels) {
    const contact = {
      pk: `parent#${tel}`,
      sk: "contact",
      parent_tel: tel,
      opted_out: false,
      recent_messages: [],
      last_message_at: lastMessageAt,
      version: 1,
    };
    await call("PutItem", { TableName: tableName(), Item: marshall(contact) });
  }
  const submit = async (index: number) => {
    const record = registrationRecord({
      status: "submitted",
      submitted_at: new Date().toISOString(),
      parent_tel: tels[index % tels.length],
    });
    const request = paymentLinkRequest(record, { clubName: paymentSettings.clubName, redirectUrl: paymentSettings.paymentReturnUrl });
    const outcome = request && (await provider.createPaymentLink(request));
    if (outcome?.outcome !== "created") throw new Error("the GoCardless stand-in made no link for a bench registration");
    const created = await store.create({ ...record, payment: sentPaymentLink(noPayment, outcome.link) });
    if (created.outcome !== "created") throw new Error(`a bench registration was not stored: ${created.outcome}`);
    await store.putPaymentReference(outcome.link.requestId, record);
    return goCardlessBatch(await pay(outcome.link.flowId), `WB${String(index).padStart(8, "0")}`);
  };
  for (let first = 0; first < count; first += 25) {
    const indexes = Array.from({ length: Math.min(25, count - first) }, (_, offset) => first + offset);
    paymentBatches.push(...(await Promise.all(indexes.map(submit))));
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
 * team manager's landline), each webhook event is the next message of a registration, each
 * payment event the batch paying the next prepared registration, and each submission the YES of
 * the next parent at the summary in `stack`, so every call does the real work rather than being
 * answered as a duplicate. Each `stream` (a
 * package, or a package at one memory size) goes through registrations from the first message
 * on, taking the next uninvolved parent for each: every stream meets the same steps in the same
 * order, however the streams are interleaved.
 */
export const eventFor = (route: EventRoute, stream: string = route, stack: Stack = "payments off"): APIGatewayProxyEvent => {
  if (route === "payment") {
    const batch = paymentBatches.shift();
    if (!batch) throw new Error("the payment's events are all sent: preparePayments for more");
    return batch;
  }
  if (route === "submission") {
    const parent = atSummary[stack].shift();
    if (!parent) throw new Error(`no parent at the summary in the stack with ${stack}: prepareSubmissions for more`);
    return signedEvent(inboundMessage({ From: `whatsapp:${parent}`, WaId: parent.slice(1), Body: "YES" }));
  }
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
