/** The API Gateway events the bench sends: each one new work, never a duplicate. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { validInvite } from "../testkit/fixtures";
import { alfiesAnswerMessages, invite, invitedRegistration } from "../testkit/registrations";
import { triggerEvent } from "../testkit/trigger-event";
import { inboundMessage, signedEvent } from "../testkit/twilio-webhook";
import type { CodePackage } from "./packages";

let invitesMade = 0;
let messagesSent = 0;

/** The parent the webhook's events come from: invited by `inviteBenchParent` before the bench starts. */
const benchParentTel = "+447700900500";
// Every message a conversation step (read, engine, transactional write, TwiML): Ready!, the
// answers, the confirmation, then HELP. The parent's state carries over between the bench's
// processes, so the step each message meets is not fixed.
const benchMessages = ["Ready!", ...alfiesAnswerMessages, "YES"];

export async function inviteBenchParent(env: Record<string, string>): Promise<void> {
  await invite(env, invitedRegistration({ parent_tel: benchParentTel }));
}

// Each trigger event invites another player and each webhook event is another message, so
// every call does the real work rather than being answered as a duplicate.
export const eventFor = (route: CodePackage["route"]): APIGatewayProxyEvent => {
  if (route === "trigger") return triggerEvent({ ...validInvite, player_first_name: `Player ${++invitesMade}` });
  const text = benchMessages[messagesSent++] ?? "HELP";
  return signedEvent(inboundMessage({ From: `whatsapp:${benchParentTel}`, WaId: benchParentTel.slice(1), Body: text }));
};
