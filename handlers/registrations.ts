/**
 * The secretary's view of the registrations, behind the export API key:
 * - GET /registrations: the season's registrations as JSON, or as CSV (`Accept: text/csv` or
 *   `?format=csv`), filtered by team, age group and status; complete in one answer when it fits;
 * - DELETE /registrations/{id}: erasure, leaving a tombstone with the id, `erased` and the date.
 * API Gateway lets the invite key through too (usage-plan keys do not separate routes), so the
 * key's id is checked here against the export key's, which the program writes to Parameter Store.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { createRegistrationStore, type RegistrationStore } from "../aws/registration-store";
import { type CursorKeyReader, createCursorKeyReader, createSettingValuesReader, type SettingValuesReader } from "../aws/settings-reader";
import type { RegistrationTombstone, StoredRegistration } from "../aws/stored-registration";
import type { SettingKey } from "../config/settings";
import { canonicalAgeGroup } from "../domain/conversation/age-group";
import { type ExportRow, exportColumns, exportCsv, messagesForClubText, paymentColumns } from "../domain/registration-export";
import { normaliseSeason } from "../domain/season";
import { answerProxyInvocation } from "../plumbing/answer-logged";
import { headerValue, jsonResponse, type ProxyHandler } from "../plumbing/api-gateway-event";
import type { LineWriter, Log } from "../plumbing/log";
import { type CursorBinding, openCursor, sealCursor } from "./export-cursor";
import type { FunctionDeclaration } from "./function-declaration";
import { handlerSetup } from "./handler-setup";

/** The settings the export and erasure read: its role may read these parameters and no others. */
export const registrationsSettingKeys = ["season", "exportApiKeyId"] as const satisfies readonly SettingKey[];
export type RegistrationsSettingKey = (typeof registrationsSettingKeys)[number];

export interface RegistrationsDependencies {
  /** The Lambda's environment unless given. */
  env: NodeJS.ProcessEnv;
  readSettings: SettingValuesReader<RegistrationsSettingKey>;
  /** The key its cursors are sealed with (handlers/export-cursor.ts). */
  readCursorKey: CursorKeyReader;
  store: RegistrationStore;
  clock: () => Date;
  /** The most row bytes one answer carries, and records per Query: responseBudgetBytes and 250 unless a test wants pages sooner. */
  paging: { budgetBytes: number; pageSize: number };
  writeLog?: LineWriter;
}

/**
 * Lambda refuses a response over 6 MB (6,291,456 bytes, headers and envelope included); the rows
 * stop short of it with room for JSON's escaping of the envelope and the headers.
 */
export const responseBudgetBytes = 5 * 1024 * 1024;

const filterNames = ["team_name", "age_group", "status", "season"] as const;
// An array, not a Set: Pulumi serializes a Set into the code package as an empty object.
const queryNames: readonly string[] = [...filterNames, "format", "cursor"];
export type ExportFilters = Partial<Record<(typeof filterNames)[number], string>>;
type Filters = ExportFilters;

// Ids are UUIDs; a little wider, so the answer for anything else is a clear 400 rather than a lookup.
const registrationIdPattern = /^[A-Za-z0-9-]{1,64}$/;

const refuse = (statusCode: number, error: string) => jsonResponse(statusCode, { error });
const invalidCursor = () =>
  jsonResponse(400, {
    error: "invalid_cursor",
    message: "cursor is not one this export gave for this season and these filters; start again without it.",
  });

/** One export row: a record's columns, or only what a tombstone keeps (id, status, date). */
export function exportRowOf(record: StoredRegistration | RegistrationTombstone): ExportRow {
  if (record.status === "erased") return { registration_id: record.registration_id, status: "erased", updated_at: record.erased_at };
  // A registration never reminded shows 0, not a blank the secretary might read as unknown.
  const row: ExportRow = { registration_id: record.registration_id, status: record.status, reminders_sent: 0 };
  for (const column of exportColumns) {
    const value = (record as unknown as Record<string, unknown>)[column];
    if (typeof value === "string" || typeof value === "boolean" || typeof value === "number") Object.assign(row, { [column]: value });
  }
  if (record.messages_for_club?.length) row.messages_for_club = messagesForClubText(record.messages_for_club);
  // No payment (a stack without a provider, or not submitted yet): the columns stay empty, not "unpaid",
  // which would say a payment was asked for.
  for (const column of paymentColumns) {
    const value = record.payment?.[column];
    if (value !== undefined) row[column] = value;
  }
  return row;
}

const fold = (text: string) => text.normalize("NFKC").toLocaleLowerCase("en-GB").trim();

/** A cursor opens only with the season and filters it was made for, each in the form compared. */
const cursorBinding = (season: string, filters: Filters): CursorBinding => [
  season,
  filters.team_name === undefined ? undefined : fold(filters.team_name),
  filters.age_group,
  filters.status === undefined ? undefined : fold(filters.status),
];

function matches(row: ExportRow, filters: Filters): boolean {
  return (["team_name", "age_group", "status"] as const).every((name) => {
    const wanted = filters[name];
    if (wanted === undefined) return true;
    const value = row[name];
    if (typeof value !== "string") return false;
    // A registration invited before age groups were kept in one form (`u11s`) is still U11.
    const comparable = name === "age_group" ? (canonicalAgeGroup(value) ?? value) : value;
    return fold(comparable) === fold(wanted);
  });
}

/**
 * The query string, checked: a misspelt filter is a 400 that names it, not a silently unfiltered
 * export. `accepted` are the parameter names the caller takes (the board takes fewer).
 */
export function parseExportQuery(
  query: Readonly<Record<string, string | undefined>>,
  accept: string,
  accepted: readonly string[] = queryNames,
): { filters: Filters; format: "json" | "csv"; cursor?: string } | { problem: string } {
  const unknown = Object.keys(query).filter((name) => !accepted.includes(name));
  if (unknown.length > 0) {
    return {
      problem: `Unknown query parameter ${unknown.map((name) => JSON.stringify(name.slice(0, 40))).join(", ")}; use ${accepted.join(", ")}.`,
    };
  }
  const filters: Filters = {};
  for (const name of filterNames) {
    const value = query[name]?.trim();
    if (value) filters[name] = value;
  }
  if (filters.season !== undefined) {
    // As the registrations keep it, however the secretary writes it.
    const season = normaliseSeason(filters.season);
    if (season === undefined) return { problem: "season must be a season such as 2025-26 (or 2025/26, 2025-2026)." };
    filters.season = season;
  }
  if (filters.age_group !== undefined) {
    const ageGroup = canonicalAgeGroup(filters.age_group);
    if (!ageGroup) return { problem: "age_group must be an age group such as U11 or Under 11s." };
    filters.age_group = ageGroup;
  }
  const format = query.format ?? (/\btext\/csv\b/i.test(accept) ? "csv" : "json");
  if (format !== "json" && format !== "csv") return { problem: "format must be json or csv." };
  return { filters, format, cursor: query.cursor || undefined };
}

/** The export's CSV answer for `rows` of `season`; `next` is the URL of the rest, when there is more. */
export function exportCsvAnswer(rows: readonly ExportRow[], season: string, next?: string): APIGatewayProxyResult {
  const headers: Record<string, string> = {
    "Content-Type": "text/csv; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Disposition": `attachment; filename="registrations-${season}.csv"`,
  };
  if (next) headers.Link = `<${next}>; rel="next"`;
  return { statusCode: 200, headers, body: exportCsv(rows) };
}

/** What the export reads and erases with: the board's data routes call the same. */
export interface RegistrationsWork {
  /** Pages of the season after `start` until the next might not fit; the store's place of the rest, if any. */
  collect(season: string, filters: ExportFilters, start: string | undefined): Promise<{ rows: ExportRow[]; cursor?: string }>;
  /** DELETE /registrations/{id}'s answer; `erased` when this call erased it. */
  erase(registrationId: string): Promise<{ answer: APIGatewayProxyResult; erased: boolean }>;
}

export function createRegistrationsWork({
  store,
  clock,
  paging,
}: Pick<RegistrationsDependencies, "store" | "clock" | "paging">): RegistrationsWork {
  // Pages small enough that one more never overruns the budget.
  const { budgetBytes, pageSize } = paging;

  async function collect(season: string, filters: Filters, start: string | undefined) {
    const rows: ExportRow[] = [];
    let bytes = 0;
    let largestPageBytes = 0;
    let cursor = start;
    do {
      // By team only: the age group is compared in its one form (`matches`), which the index's order need not hold.
      const page = await store.listSeason(season, { team_name: filters.team_name }, cursor, pageSize);
      let pageBytes = 0;
      for (const record of page.registrations) {
        const row = exportRowOf(record);
        if (!matches(row, filters)) continue;
        rows.push(row);
        pageBytes += Buffer.byteLength(JSON.stringify(row)) + 1;
      }
      bytes += pageBytes;
      largestPageBytes = Math.max(largestPageBytes, pageBytes);
      cursor = page.cursor;
    } while (cursor !== undefined && bytes + largestPageBytes < budgetBytes);
    return { rows, cursor };
  }

  async function erase(registrationId: string) {
    const answer = (result: APIGatewayProxyResult, erased = false) => ({ answer: result, erased });
    if (!registrationIdPattern.test(registrationId)) return answer(refuse(400, "The registration id must be letters, digits and hyphens."));
    // Retried when the registration changed between the read and the erasure (a reply came in).
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await store.findById(registrationId);
      if (!found) return answer(refuse(404, "No registration has this id."));
      if (found.status === "erased") {
        return answer(
          jsonResponse(200, {
            registration_id: registrationId,
            status: "erased",
            erased_at: found.erased_at,
            message: "already erased",
          }),
        );
      }
      const now = clock();
      if (await store.erase(found, now, "club")) {
        return answer(jsonResponse(200, { registration_id: registrationId, status: "erased", erased_at: now.toISOString() }), true);
      }
    }
    return answer(refuse(409, "The registration kept changing while being erased; please try again."));
  }

  return { collect, erase };
}

export function createRegistrationsHandler(
  declaration: FunctionDeclaration<RegistrationsSettingKey>,
  dependencies: Partial<RegistrationsDependencies> = {},
): ProxyHandler {
  // Its log lines name each request's own route (two share the function), not the declaration's first.
  const { env, awsCalls, writeLog } = handlerSetup(declaration, { env: dependencies.env, writeLog: dependencies.writeLog });
  // Its settings alone: the export has no use for the Twilio secret, and its role may not read it.
  const readSettings = dependencies.readSettings ?? createSettingValuesReader(declaration.settingKeys, { env, awsCalls });
  const readCursorKey = dependencies.readCursorKey ?? createCursorKeyReader({ env, awsCalls });
  const { collect, erase } = createRegistrationsWork({
    store: dependencies.store ?? createRegistrationStore(env, awsCalls),
    clock: dependencies.clock ?? (() => new Date()),
    paging: dependencies.paging ?? { budgetBytes: responseBudgetBytes, pageSize: 250 },
  });

  async function list(event: APIGatewayProxyEvent, season: string) {
    const query = parseExportQuery(event.queryStringParameters ?? {}, headerValue(event, "Accept") ?? "");
    if ("problem" in query) return refuse(400, query.problem);
    const listSeason = query.filters.season ?? season;
    const binding = cursorBinding(listSeason, query.filters);
    const start = query.cursor === undefined ? undefined : openCursor(await readCursorKey(), query.cursor, binding);
    if (query.cursor !== undefined && start === undefined) return invalidCursor();
    const collected = await collect(listSeason, query.filters, start);
    const rows = collected.rows;
    const cursor = collected.cursor === undefined ? undefined : sealCursor(await readCursorKey(), collected.cursor, binding);
    if (query.format === "json") return jsonResponse(200, { registrations: rows, ...(cursor ? { next_cursor: cursor } : {}) });
    const next =
      cursor &&
      `${event.requestContext?.path ?? event.path}?${new URLSearchParams({ ...event.queryStringParameters, format: "csv", cursor })}`;
    return exportCsvAnswer(rows, listSeason, next);
  }

  return async (event, context) => {
    const respond = async (log: Log) => {
      const { values } = await readSettings();
      if (event.requestContext?.identity?.apiKeyId !== values.exportApiKeyId) {
        log("warn", "not_the_export_key");
        return refuse(403, "Forbidden: these routes need the export API key.");
      }
      const id = event.pathParameters?.id;
      if (event.httpMethod === "GET" && id === undefined) return list(event, values.season);
      if (event.httpMethod === "DELETE" && id !== undefined) return (await erase(id)).answer;
      return refuse(405, "Use GET /registrations or DELETE /registrations/{id}.");
    };

    const route = `${event.httpMethod} ${event.resource}`;
    const { timeoutSeconds } = declaration;
    return answerProxyInvocation(awsCalls, { event, context, route, timeoutSeconds, writeLog }, respond, () =>
      refuse(500, "signon could not answer; please try again."),
    );
  };
}
