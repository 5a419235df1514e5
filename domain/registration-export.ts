/**
 * The secretary's export: one row per registration, as JSON or as a CSV a spreadsheet opens
 * cleanly (UTF-8 with a byte-order mark, so Excel reads £ and accents; one header row; a value
 * that a spreadsheet would run as a formula made inert).
 */
import { stringify } from "csv-stringify/sync";
import { defaultSteps } from "./conversation/script";
import type { MessageForClub } from "./registration";

/** The optional questions' answers, in the script's order: a new question's columns come with its step. */
const optionalAnswerColumns = defaultSteps.filter((step) => step.optional).flatMap((step) => step.answerKeys);

/** The columns, in order: the JSON fields and the CSV header are these names. */
export const exportColumns = [
  "registration_id",
  "status",
  "season",
  "team_name",
  "age_group",
  "player_first_name",
  "player_last_name",
  "player_legal_name",
  "date_of_birth",
  "playing_up",
  "parent_first_name",
  "parent_last_name",
  "parent_tel",
  ...optionalAnswerColumns,
  "code_of_conduct_agreed",
  // What the parent wrote after the hand-over (needs_club): one message a line (messagesForClubText).
  "messages_for_club",
  "invited_at",
  "updated_at",
  "submitted_at",
  // The invite's delivery, from Twilio's status callbacks (domain/delivery-status.ts).
  "invite_status",
  "invite_error_code",
  "invite_status_at",
  // The reminders (handlers/reminders.ts): how many went, and when the last one did.
  "reminders_sent",
  "last_reminder_at",
  // The payment (domain/payments.ts), once submitted in a stack with a provider; empty otherwise.
  "fee_status",
  "mandate_status",
  "subscription_status",
  "fee_paid_at",
] as const;

export type ExportColumn = (typeof exportColumns)[number];

/** The payment's columns: copied from the record's `payment`, absent (empty cells) for a record without one. */
export const paymentColumns = [
  "fee_status",
  "mandate_status",
  "subscription_status",
  "fee_paid_at",
] as const satisfies readonly ExportColumn[];
/** A value not known yet (a question not reached, an erased record) is absent, and an empty CSV cell. */
export type ExportRow = { registration_id: string; status: string } & Partial<Record<ExportColumn, string | boolean | number>>;

/**
 * OWASP's CSV injection rule: a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage
 * return, which some spreadsheets skip before reading one) is prefixed with `'`, which the
 * spreadsheet shows as text. A phone number `+447700900123` becomes `'+447700900123`.
 */
/** One message a line, oldest first, each after its ISO time: `2025-07-01T12:00:00.000Z Any news?`. */
export function messagesForClubText(messages: readonly MessageForClub[]): string {
  return messages.map(({ at, text }) => `${at} ${text}`).join("\n");
}

export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function cell(value: string | boolean | number | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  return neutraliseFormula(value);
}

export function exportCsv(rows: readonly ExportRow[]): string {
  const records = rows.map((row) => exportColumns.map((column) => cell(row[column])));
  // Excel needs the byte-order mark to read the file as UTF-8; CRLF is what RFC 4180 says.
  return `\uFEFF${stringify([[...exportColumns], ...records], { record_delimiter: "windows" })}`;
}
