/**
 * Registrations written straight to the store, as the trigger and the webhook would leave them,
 * and the export's requests as API Gateway delivers them once a key has been checked.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { StoredRegistration } from "../aws/stored-registration";
import { proxyEvent } from "../local/gateway/proxy-event";
import { exportApiKeyId } from "./fixtures";

let counter = 0;

/** A registration part way through its conversation; each call is another player. Numbers from Ofcom's drama range. */
export function registrationRecord(overrides: Partial<StoredRegistration> = {}): StoredRegistration {
  const number = ++counter;
  return {
    registration_id: `0000${number.toString(16).padStart(4, "0")}-1111-4222-8333-444455556666`,
    status: "in_progress",
    season: "2025-26",
    team_name: "Lions",
    age_group: "u11s",
    player_first_name: `Alfie${number}`,
    player_last_name: "Testington",
    parent_first_name: "Sarah",
    parent_last_name: "Testington",
    parent_tel: `+447700900${String(number % 1000).padStart(3, "0")}`,
    team_manager_name: "Dave Examplesson",
    team_manager_tel: "07700 900456",
    membership_fee: "40",
    subscription_fee: "26",
    player_legal_name: `Alfred${number} Testington`,
    date_of_birth: "2015-03-14",
    medical_notes: "Mild asthma, inhaler in bag",
    conversation: { step: "emergency_contact", editing: false, unusable_answers: 0 },
    invited_at: `2025-06-01T10:${String(Math.floor(number / 60) % 60).padStart(2, "0")}:${String(number % 60).padStart(2, "0")}.000Z`,
    updated_at: "2025-06-02T09:00:00.000Z",
    version: 3,
    retain_until: 1_819_584_000,
    invites_sent: 1,
    ...overrides,
  };
}

export interface ExportRequest {
  method?: "GET" | "DELETE";
  id?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** The id of the key that came; the export key's unless said. */
  apiKeyId?: string;
}

export function exportEvent({
  method = "GET",
  id,
  query = {},
  headers = {},
  apiKeyId = exportApiKeyId,
}: ExportRequest = {}): APIGatewayProxyEvent {
  return proxyEvent({
    path: id === undefined ? "/registrations" : `/registrations/${encodeURIComponent(id)}`,
    resource: id === undefined ? "/registrations" : "/registrations/{id}",
    method,
    pathParameters: id === undefined ? undefined : { id },
    query: new URLSearchParams(query),
    headers: { "User-Agent": "vitest", ...headers },
    apiKey: "test-key-for-the-export-0123456789",
    apiKeyId,
  });
}
