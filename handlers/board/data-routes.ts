/**
 * The board's data routes (BOARD.md; docs/http-api.md has each answer): the season's
 * registrations, the export's CSV, an invite, a squad sheet, a resend and an erasure. They hold
 * no logic of their own for what the trigger and the export already do: an invite is the
 * trigger's work (createInviteSender), a list, the CSV and an erasure the export's
 * (createRegistrationsWork), so each answers as those routes answer. What they add is the person's
 * scope: a team manager sees and acts on their own teams only, and a registration of another
 * team is 404, as if it did not exist, so ids cannot be probed.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { createRegistrationStore, type RegistrationStore } from "../../aws/registration-store";
import type { SettingsReader } from "../../aws/settings-reader";
import type { RegistrationTombstone, StoredRegistration } from "../../aws/stored-registration";
import { paymentProblem } from "../../domain/board/payment";
import { inScope, type TeamScope, teamLabel } from "../../domain/board/team";
import { deliveryErrorMeaning } from "../../domain/delivery-status";
import { createInviteParser, feeOverrideProblems, type InviteRequest, inviteFields } from "../../domain/invite";
import { naturalKey } from "../../domain/natural-key";
import type { ExportRow } from "../../domain/registration-export";
import { decodeSheet, readSheetRows, type SheetRow } from "../../domain/squad-sheet";
import { bytesTooLarge, jsonResponse } from "../../plumbing/api-gateway-event";
import type { AwsCallScope } from "../../plumbing/aws-call-scope";
import type { CountMetric } from "../../plumbing/metrics";
import { createMessagesClient, type MessagesClient } from "../../twilio/messages-client";
import {
  createRegistrationsWork,
  exportCsvAnswer,
  parseExportQuery,
  type RegistrationsDependencies,
  responseBudgetBytes,
} from "../registrations";
import { createInviteSender, type InviteCall, type InviteSettingKey, inviteSettingKeys } from "../trigger";
import { refusedAnswer } from "../trigger-answers";
import type { AuditNote, BoardApiRequest, BoardApiRoute } from "./board-api-route";

/** What the data routes read: the trigger's invite settings (the season among them). */
export const boardDataSettingKeys = inviteSettingKeys;
export type BoardDataSettingKey = InviteSettingKey;

/**
 * The npm modules the data routes' code requires, for the board's declaration: the trigger's,
 * the export's CSV, and the squad sheet's reading (csv-parse's one file, and the row's key).
 */
export const boardDataNpmImports = [
  "zod/mini",
  "libphonenumber-js/min",
  "@aws-sdk/util-dynamodb",
  "csv-stringify/sync",
  "csv-parse/sync",
  "safe-stable-stringify",
] as const;

export interface BoardDataDependencies {
  /** The board's environment: its table and Twilio's base URL. */
  env: NodeJS.ProcessEnv;
  /** The board's invocation scope (handler-setup.ts), so the routes' AWS calls keep each request's deadline. */
  awsCalls: AwsCallScope;
  /** The board's settings, the Twilio credentials with them (an invite sends). */
  readSettings: SettingsReader<BoardDataSettingKey>;
  /** The board's metrics: its invites and resends count as the trigger's do. */
  metrics: CountMetric;
  messagesClient?: MessagesClient;
  registrations?: RegistrationStore;
  /** Erasure's date. */
  clock?: () => Date;
  /** As the export's (RegistrationsDependencies): a test pages sooner. */
  paging?: RegistrationsDependencies["paging"];
}

/** A registration as the board lists it: the export's row, and what the page shows beside it. */
export type BoardRow = ExportRow & {
  /** Twilio's `invite_error_code` in words a secretary can act on. */
  invite_error_meaning?: string;
  /** The latest of a change, a delivery status and a reminder. */
  last_activity_at?: string;
  /** Why the payment needs the club (a failed fee, domain/board/payment.ts): the page lists it under Needs attention. */
  payment_problem?: string;
};

/** What a row of a squad sheet became (docs/http-api.md lists each). */
type SheetRowStatus = "would_send" | "already_invited" | "sent" | "repeated" | "invalid" | "opted_out" | "failed" | "not_sent";

interface SheetRowAnswer {
  row: number;
  player: string;
  team: string;
  status: SheetRowStatus;
  problems: string[];
  registration_id?: string;
  /** The trigger's error code and words, for a row that failed. */
  error?: string;
  message?: string;
}

// A squad of a few hundred rows is tens of KB; anything near this is not a squad sheet.
const maxSheetBytes = 256 * 1024;
// Sheet rows in flight at once: Twilio's per-account rate is far above a handful of invites.
const sheetConcurrency = 4;
// A row is not started with less than this left: one send's retries with backoff, and the answer.
const rowReserveMs = 5_000;
// As the export's: ids are UUIDs, a little wider.
const registrationIdPattern = /^[A-Za-z0-9-]{1,64}$/;
const listQueryNames: readonly string[] = ["team_name", "age_group", "status"];

const notFound = () => jsonResponse(404, { error: "not_found", message: "None of your teams' registrations has this id." });
const invalidId = () => jsonResponse(400, { error: "invalid_id", message: "The registration id must be letters, digits and hyphens." });

/** The row's fields as strings, the JSON cast away: what naturalKey and inScope read. */
const text = (value: ExportRow[keyof ExportRow]) => (typeof value === "string" ? value : undefined);

function inScopeRow(scope: TeamScope, row: ExportRow): boolean {
  const team_name = text(row.team_name);
  const age_group = text(row.age_group);
  // A tombstone has no team: a secretary's alone to see.
  if (team_name === undefined || age_group === undefined) return scope === "every team";
  return inScope(scope, { team_name, age_group });
}

function boardRow(row: ExportRow): BoardRow {
  const code = text(row.invite_error_code);
  const times = [row.updated_at, row.invite_status_at, row.last_reminder_at].map(text).filter((time) => time !== undefined);
  // ISO times in UTC compare as text.
  const latest = times.sort().at(-1);
  const problem = paymentProblem(row);
  return {
    ...row,
    ...(code === undefined ? {} : { invite_error_meaning: deliveryErrorMeaning(code) }),
    ...(latest === undefined ? {} : { last_activity_at: latest }),
    ...(problem === undefined ? {} : { payment_problem: problem }),
  };
}

/** What POST /trigger's body would be to send this registration's invite again: its own invite, as it was sent. */
function resendPayload(registration: StoredRegistration) {
  return {
    parent_first_name: registration.parent_first_name,
    parent_last_name: registration.parent_last_name,
    player_first_name: registration.player_first_name,
    player_last_name: registration.player_last_name,
    team_name: registration.team_name,
    age_group: registration.age_group,
    current_registration_season: registration.season,
    membership_fee_amount: registration.membership_fee,
    subscription_fee_amount: registration.subscription_fee,
    team_manager_1_full_name: registration.team_manager_name,
    team_manager_1_tel: registration.team_manager_tel,
    parent_tel: registration.parent_tel,
    resend: true,
  };
}

const answerBody = (answer: APIGatewayProxyResult) => JSON.parse(answer.body) as Record<string, unknown>;

/** The trigger's answer sent an invite now (not a repeat of an earlier one). */
const sentNow = (answer: APIGatewayProxyResult) => answer.statusCode === 200 && answerBody(answer).duplicate === false;

export function createBoardDataRoutes(declaration: { timeoutSeconds: number }, dependencies: BoardDataDependencies): BoardApiRoute[] {
  const { env, awsCalls, readSettings, metrics } = dependencies;
  const store = dependencies.registrations ?? createRegistrationStore(env, awsCalls);
  const sendInvite = createInviteSender(declaration, {
    metrics,
    messagesClient: dependencies.messagesClient ?? createMessagesClient({ apiBaseUrl: env.TWILIO_API_BASE_URL }),
    registrations: store,
  });
  const work = createRegistrationsWork({
    store,
    clock: dependencies.clock ?? (() => new Date()),
    paging: dependencies.paging ?? { budgetBytes: responseBudgetBytes, pageSize: 250 },
  });
  const parseInvite = createInviteParser();

  /** The registration `id` names, if the person may see it; a tombstone only for a secretary. */
  async function findInScope(
    person: BoardApiRequest["person"],
    id: string,
  ): Promise<StoredRegistration | RegistrationTombstone | undefined> {
    const found = await store.findById(id);
    if (found === undefined) return undefined;
    if (found.status === "erased") return person.teams === "every team" ? found : undefined;
    return inScope(person.teams, found) ? found : undefined;
  }

  /** POST /trigger's work for the person: a valid invite for a team not theirs is refused, naming it. */
  function inviteFor(request: BoardApiRequest, call: Omit<InviteCall, "requestId" | "log" | "remaining" | "refuse">) {
    const refuse = (invite: InviteRequest) =>
      inScope(request.person.teams, invite)
        ? undefined
        : jsonResponse(403, {
            error: "team_not_yours",
            message: `You may invite players to your own teams only, and ${teamLabel(invite)} is not one of them.`,
            request_id: request.requestId,
          });
    return sendInvite({ ...call, requestId: request.requestId, log: request.log, remaining: request.remaining, refuse });
  }

  async function listRegistrations(request: BoardApiRequest) {
    const query = parseExportQuery(request.query, "", listQueryNames);
    if ("problem" in query) return { result: jsonResponse(400, { error: "invalid_query", message: query.problem }) };
    const { values } = await readSettings();
    const { rows, cursor } = await work.collect(values.season, query.filters, undefined);
    const registrations = rows.filter((row) => inScopeRow(request.person.teams, row)).map(boardRow);
    return { result: jsonResponse(200, { registrations, complete: cursor === undefined }) };
  }

  async function exportCsv() {
    const { values } = await readSettings();
    const { rows, cursor } = await work.collect(values.season, {}, undefined);
    if (cursor !== undefined) {
      return {
        result: jsonResponse(413, {
          error: "season_too_large",
          message: "The season is too large for one download: use GET /registrations with the export key, which pages.",
        }),
      };
    }
    const audit: AuditNote[] = [{ action: "export", count: rows.length }];
    return { result: exportCsvAnswer(rows, values.season), audit };
  }

  async function inviteOne(request: BoardApiRequest) {
    const tooLarge = bytesTooLarge(request.body.length);
    if (tooLarge) return { result: refusedAnswer(request.requestId, { refused: "body_too_large", message: tooLarge }) };
    const settings = await readSettings();
    const result = await inviteFor(request, { settings, body: request.body.toString("utf8") });
    if (!sentNow(result)) return { result };
    const sent = answerBody(result);
    return {
      result,
      audit: [{ action: "invite", registration_id: String(sent.registration_id), subject: String(sent.team) }] as AuditNote[],
    };
  }

  async function resend(request: BoardApiRequest) {
    const id = request.params.id ?? "";
    if (!registrationIdPattern.test(id)) return { result: invalidId() };
    const found = await findInScope(request.person, id);
    if (found === undefined) return { result: notFound() };
    if (found.status === "erased") {
      return {
        result: jsonResponse(409, {
          error: "registration_erased",
          message: "This registration was erased: there is no invite to send again.",
        }),
      };
    }
    const settings = await readSettings();
    const result = await inviteFor(request, { settings, body: JSON.stringify(resendPayload(found)) });
    return { result, audit: sentNow(result) ? [{ action: "resend", registration_id: id } as AuditNote] : [] };
  }

  async function erase(request: BoardApiRequest) {
    const id = request.params.id ?? "";
    // A secretary's route, every team theirs: the export's erasure, its answers and all.
    const { answer, erased } = await work.erase(id);
    return { result: answer, audit: erased ? [{ action: "erase", registration_id: id } as AuditNote] : [] };
  }

  /** The rows a sheet may send, or what each of the others is: as read, checked for the stack's season and fees, in the person's teams. */
  function triageSheet(rows: readonly SheetRow[], request: BoardApiRequest, values: Record<BoardDataSettingKey, string>) {
    const answers: SheetRowAnswer[] = [];
    const sendable: { answer: SheetRowAnswer; invite: InviteRequest; cells: Record<string, string>; idempotencyKey: string }[] = [];
    for (const row of rows) {
      const { cells } = row;
      const player = [cells.player_first_name, cells.player_last_name]
        .map((name) => name?.trim())
        .filter(Boolean)
        .join(" ");
      const team = row.invite
        ? teamLabel(row.invite)
        : [cells.team_name, cells.age_group]
            .map((name) => name?.trim())
            .filter(Boolean)
            .join(" ");
      const answer: SheetRowAnswer = { row: row.row, player, team, status: "invalid", problems: row.problems };
      answers.push(answer);
      if (row.invite === undefined) continue;
      // As the trigger will check it: the stack's season, and its fees unless it allows others.
      const checked = parseInvite(cells, values.season);
      const problems = checked.ok
        ? values.allowFeeOverrides === "true"
          ? []
          : feeOverrideProblems(checked.invite, values)
        : checked.problems;
      if (problems.length > 0) answer.problems = problems.map(({ field, message }) => `row ${row.row}: ${field} ${message}`);
      else if (!inScope(request.person.teams, row.invite)) answer.problems = [`row ${row.row}: ${team} is not one of your teams`];
      else if (row.sameAs !== undefined)
        Object.assign(answer, { status: "repeated", problems: [`row ${row.row}: same player as row ${row.sameAs}`] });
      else sendable.push({ answer, invite: row.invite, cells, idempotencyKey: row.idempotencyKey });
    }
    return { answers, sendable };
  }

  async function squadSheet(request: BoardApiRequest) {
    const unknown = Object.keys(request.query).filter((name) => name !== "dry_run");
    const dryRun = request.query.dry_run;
    if (unknown.length > 0 || (dryRun !== undefined && dryRun !== "true" && dryRun !== "false")) {
      return { result: jsonResponse(400, { error: "invalid_query", message: "The only query parameter is dry_run, true or false." }) };
    }
    const tooLarge = bytesTooLarge(request.body.length, maxSheetBytes);
    if (tooLarge) return { result: jsonResponse(413, { error: "body_too_large", message: tooLarge }) };
    const decoded = decodeSheet(request.body);
    const read = decoded.ok ? readSheetRows(decoded.text) : { ok: false as const, problems: [decoded.problem] };
    if (!read.ok || !decoded.ok) {
      const count = read.ok ? 0 : read.problems.length;
      return {
        result: jsonResponse(400, {
          error: "invalid_sheet",
          message: `The sheet cannot be read (${count === 1 ? "1 problem" : `${count} problems`}); nothing was sent.`,
          problems: read.ok ? [] : read.problems,
          ...(!read.ok && read.hint ? { hint: read.hint } : {}),
        }),
      };
    }
    const settings = await readSettings();
    const { answers, sendable } = triageSheet(read.rows, request, settings.values);
    const audit: AuditNote[] = [];
    if (dryRun === "true") {
      // The season's registrations, once: a player who has one would not be sent again.
      const { rows } = await work.collect(settings.values.season, {}, undefined);
      const invited = new Set(
        rows.flatMap((row) => {
          const [season, team_name, age_group, player_first_name, parent_tel] = [
            row.season,
            row.team_name,
            row.age_group,
            row.player_first_name,
            row.parent_tel,
          ].map(text);
          if (!season || !team_name || !age_group || !player_first_name || !parent_tel) return [];
          return [
            naturalKey({ season, team_name, age_group, player_first_name, player_last_name: text(row.player_last_name), parent_tel }),
          ];
        }),
      );
      for (const { answer, invite } of sendable)
        answer.status = invited.has(naturalKey(inviteFields(invite, settings.values))) ? "already_invited" : "would_send";
    } else {
      const sentByTeam = new Map<string, number>();
      let next = 0;
      const sender = async () => {
        while (next < sendable.length) {
          const { answer, cells, idempotencyKey } = sendable[next++];
          if (request.remaining.getRemainingTimeInMillis() < rowReserveMs) {
            Object.assign(answer, {
              status: "not_sent",
              problems: [`row ${answer.row}: not reached in time: send the same sheet again to send it`],
            });
            continue;
          }
          const result = await inviteFor(request, { settings, body: JSON.stringify(cells), idempotencyKey });
          const body = answerBody(result);
          if (typeof body.registration_id === "string") answer.registration_id = body.registration_id;
          if (result.statusCode === 200) {
            answer.status = body.duplicate ? "already_invited" : "sent";
            if (!body.duplicate) sentByTeam.set(answer.team, (sentByTeam.get(answer.team) ?? 0) + 1);
          } else {
            answer.status = body.error === "parent_opted_out" ? "opted_out" : "failed";
            Object.assign(answer, { error: body.error, message: body.message });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(sheetConcurrency, sendable.length) }, sender));
      for (const [team, count] of sentByTeam) audit.push({ action: "invite", count, subject: team });
    }
    const summary: Record<string, number> = { rows: answers.length };
    for (const { status } of answers) summary[status] = (summary[status] ?? 0) + 1;
    const readAs = `${decoded.encoding}${read.delimiter === ";" ? ", cells separated by semicolons" : ""}`;
    return { result: jsonResponse(200, { read_as: readAs, rows: answers, summary }), audit };
  }

  return [
    { method: "GET", path: "/registrations", who: "signed in", handle: listRegistrations },
    { method: "GET", path: "/registrations.csv", who: "secretary", handle: exportCsv },
    { method: "POST", path: "/invites", who: "signed in", handle: inviteOne },
    { method: "POST", path: "/invites/sheet", who: "signed in", handle: squadSheet },
    { method: "POST", path: "/registrations/{id}/resend", who: "signed in", handle: resend },
    { method: "DELETE", path: "/registrations/{id}", who: "secretary", handle: erase },
  ];
}
