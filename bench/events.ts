/** The API Gateway events the bench sends: each one new work, never a duplicate. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { functions } from "../handlers/functions";
import { createWebhookHandler } from "../handlers/webhook";
import { validInvite } from "../testkit/fixtures";
import { alfiesAnswerMessages, invite, invitedRegistration, parentPhone } from "../testkit/registrations";
import { triggerEvent } from "../testkit/trigger-event";
import { inboundMessage, signedEvent } from "../testkit/twilio-webhook";

/** Which events a function answers: invites, or parents' messages. */
export type EventRoute = "trigger" | "webhook";

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
