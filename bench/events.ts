/** The API Gateway events the bench sends: each one new work, never a duplicate. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { validInvite } from "../testkit/fixtures";
import { alfiesAnswerMessages, invite, invitedRegistration } from "../testkit/registrations";
import { triggerEvent } from "../testkit/trigger-event";
import { inboundMessage, signedEvent } from "../testkit/twilio-webhook";
import type { CodePackage } from "./packages";

let invitesMade = 0;
let messagesSent = 0;

/**
 * The parents the webhook's events come from, invited by `inviteBenchParents` before the bench
 * starts: enough that every webhook event of a run (cold and warm, for this checkout and the
 * straightforward one, then the memory sizes) finds one mid-way.
 */
const benchParents = Array.from({ length: 400 }, (_, index) => `+447700900${500 + index}`);
/** The first bench parent: whose partition the "DynamoDB round trips" floor reads (bench/packages.ts). */
export const benchParentTel = benchParents[0];
// A whole registration, each message a conversation step that changes the registration: a
// consistent Query of the parent's partition, the engine, and one TransactWriteItems of the
// contact and the registration, conditional on the versions read. Then the next parent.
const registrationMessages = ["Ready!", ...alfiesAnswerMessages, "YES"];

export async function inviteBenchParents(env: Record<string, string>): Promise<void> {
  for (let first = 0; first < benchParents.length; first += 25) {
    const batch = benchParents.slice(first, first + 25);
    await Promise.all(batch.map((tel) => invite(env, invitedRegistration({ parent_tel: tel }))));
  }
}

// Each trigger event invites another player and each webhook event is another message, so
// every call does the real work rather than being answered as a duplicate.
export const eventFor = (route: CodePackage["route"]): APIGatewayProxyEvent => {
  if (route === "trigger") return triggerEvent({ ...validInvite, player_first_name: `Player ${++invitesMade}` });
  const parent = benchParents[Math.floor(messagesSent / registrationMessages.length)];
  if (!parent) throw new Error(`the bench's ${benchParents.length} parents have registered: invite more in bench/events.ts`);
  const text = registrationMessages[messagesSent++ % registrationMessages.length];
  return signedEvent(inboundMessage({ From: `whatsapp:${parent}`, WaId: parent.slice(1), Body: text }));
};
