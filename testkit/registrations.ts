/**
 * Invited registrations as a test needs them, written with the registration store itself (what
 * POST /trigger does), and a parent's side of a WhatsApp conversation with the webhook.
 * Phone numbers are from Ofcom's drama range only.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyResult } from "aws-lambda";
import { createRegistrationStore } from "../aws/registration-store";
import type { StoredRegistration } from "../aws/stored-registration";
import { startPosition } from "../domain/registration";
import { twimlMessages } from "../twilio/twiml";
import { inboundMessage, signedEvent } from "./twilio-webhook";

/** Midday on 1 July 2025, before the 2025-26 season: the clock the conversation tests run on. */
export const conversationNow = new Date("2025-07-01T12:00:00.000Z");

/** Alfie, invited to Lions u11s (born 1 Sep 2014 to 31 Aug 2015 in 2025-26), his mother's number `parentTel`. */
export function invitedRegistration(overrides: Partial<StoredRegistration> = {}): StoredRegistration {
  return {
    registration_id: randomUUID(),
    status: "invited",
    season: "2025-26",
    team_name: "Lions",
    age_group: "u11s",
    player_first_name: "Alfie",
    player_last_name: "Testington",
    parent_first_name: "Sarah",
    parent_last_name: "Testington",
    parent_tel: "+447700900123",
    team_manager_name: "Dave Examplesson",
    team_manager_tel: "07700 900456",
    membership_fee: "40",
    subscription_fee: "26",
    conversation: startPosition,
    invited_at: "2025-06-01T10:00:00.000Z",
    updated_at: "2025-06-01T10:00:00.000Z",
    version: 1,
    retain_until: Math.floor(Date.parse("2026-09-01T00:00:00.000Z") / 1000),
    invites_sent: 1,
    ...overrides,
  };
}

/** Alfie's registration at its summary, every answer given: the parent's YES submits it. */
export function registrationAtSummary(overrides: Partial<StoredRegistration> = {}): StoredRegistration {
  return invitedRegistration({
    status: "in_progress",
    player_legal_name: "Alfie James Testington",
    date_of_birth: "2015-03-14",
    playing_up: false,
    medical_notes: "None",
    emergency_contact_name: "Jane Testington",
    emergency_contact_tel: "+447700900789",
    photo_consent: true,
    code_of_conduct_agreed: true,
    conversation: { step: "summary", editing: false, unusable_answers: 0 },
    ...overrides,
  });
}

/** Creates `registration` in the table `env` names, as the trigger does; fails the test unless it is new. */
export async function invite(env: Record<string, string>, registration: StoredRegistration): Promise<StoredRegistration> {
  const outcome = await createRegistrationStore(env).create(registration);
  if (outcome.outcome !== "created") throw new Error(`the registration was not created: ${outcome.outcome}`);
  return registration;
}

/** Alfie's answers, one message each, in the default script's order. */
export const alfiesAnswerMessages = ["Alfie James Testington", "14/03/2015", "None", "Jane Testington 07700 900789", "No", "Yes"];

type Webhook = (event: ReturnType<typeof signedEvent>) => Promise<APIGatewayProxyResult>;

/** A parent's WhatsApp number talking to `webhook`: each message signed as Twilio sends it. */
export function parentPhone(webhook: Webhook, tel = "+447700900123") {
  const send = async (text: string, fields: Record<string, string> = {}) => {
    const response = await webhook(signedEvent(inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1), Body: text, ...fields })));
    return { status: response.statusCode, replies: twimlMessages(response.body), body: response.body };
  };
  return {
    send,
    /** The replies to `text`, joined: what the parent reads. */
    says: async (text: string) => (await send(text)).replies.join("\n\n"),
  };
}
