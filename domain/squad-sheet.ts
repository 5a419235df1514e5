/**
 * A squad spreadsheet, saved as CSV, read into invites: the file's bytes decoded as Excel writes
 * them, its columns matched to the trigger's fields, each row checked by the trigger's own parser
 * (domain/invite.ts createInviteParser, not a copy of it), and every problem named with the row
 * number the spreadsheet shows (the header is row 1). Pure: the caller reads the file. Read by
 * `npm run invite` (cli/invite.ts), which sends nothing unless every row is valid, and by the
 * board (handlers/board/data-routes.ts), which shows every row, valid or not.
 */
import { createHash } from "node:crypto";
// A namespace import on purpose: TypeScript would name `{ parse } from "csv-parse/sync"` sync_1, as it
// names csv-stringify/sync's in the export, and Pulumi's serializer gives a package one sync_1 for both.
import * as csvParse from "csv-parse/sync";
import stringify from "safe-stable-stringify";
import { createInviteParser, type InviteRequest, inviteFieldNames } from "./invite";
import { naturalKey } from "./natural-key";

export interface SquadRow {
  /** The row number the spreadsheet shows. */
  row: number;
  /** The row's cells by the trigger's field names, as the spreadsheet holds them: the body sent. */
  cells: Record<string, string>;
  /** The row as the trigger reads it. */
  invite: InviteRequest;
  idempotencyKey: string;
  /** The earlier row of the same player (the trigger's duplicate check's key), when this row repeats one: it is not sent. */
  sameAs?: number;
}

/** The character between cells: Excel writes `;` where the locale's decimal mark is a comma. */
export type Delimiter = "," | ";";

/** A sheet that cannot be sent: every problem, and what would help with all of them. */
export type SquadSheet = { ok: true; rows: SquadRow[]; delimiter: Delimiter } | { ok: false; problems: string[]; hint?: string };

/** A row as read, valid or not: its cells, and either its invite or its problems (each `row N: ...`). */
export type SheetRow =
  | (SquadRow & { problems: [] })
  | { row: number; cells: Record<string, string>; invite?: undefined; problems: string[]; sameAs?: undefined };

/** Every row of a sheet whose header is readable, or what stops the whole sheet being read. */
export type SheetRows = { ok: true; rows: SheetRow[]; delimiter: Delimiter } | { ok: false; problems: string[]; hint?: string };

/** How the file's bytes were read, said back to the user, who can tell a wrong guess by the names. */
export type SheetEncoding = "UTF-8" | "UTF-8 with a byte-order mark" | "Windows-1252";

// WHATWG's windows-1252 from 0x80 to 0x9F (the rest is Latin-1): Excel's ’ “ ” – € live here.
// Node 20's TextDecoder("windows-1252") reads these bytes as control characters instead.
const windows1252From0x80 = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";

function decodeWindows1252(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte >= 0x80 && byte < 0xa0 ? windows1252From0x80[byte - 0x80] : String.fromCharCode(byte);
  return text;
}

/**
 * The sheet's text as Excel saved it: "CSV UTF-8" has a byte-order mark; "CSV (Comma delimited)"
 * on Windows is Windows-1252, which is seldom valid UTF-8 once it holds an accent (`Siobhán`), so
 * bytes that are not UTF-8 are read as Windows-1252. UTF-16 ("Unicode Text") is refused.
 */
export function decodeSheet(bytes: Uint8Array): { ok: true; text: string; encoding: SheetEncoding } | { ok: false; problem: string } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return { ok: false, problem: 'the file is UTF-16 ("Unicode Text"): save the spreadsheet as "CSV UTF-8 (Comma delimited)"' };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { ok: true, text: new TextDecoder("utf-8").decode(bytes.subarray(3)), encoding: "UTF-8 with a byte-order mark" };
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "UTF-8" };
  } catch {
    return { ok: true, text: decodeWindows1252(bytes), encoding: "Windows-1252" };
  }
}

/** The header row's own character between cells: no column name holds a comma or a semicolon. */
function delimiterOf(text: string): Delimiter {
  const header = text.split(/\r?\n/, 1)[0];
  const count = (character: string) => header.split(character).length - 1;
  return count(";") > count(",") ? ";" : ",";
}

/** Fields a spreadsheet does not give: a re-run never sends an invite twice, and a resend is asked for one player with POST /trigger. */
// An array, not a Set: Pulumi's serializer does not carry a Set's members into the uploaded package.
const notFromSheet: readonly string[] = ["resend"];

/** "Parent first name", " parent_first_name " and "Parent-First-Name" are all parent_first_name. */
export function fieldOfHeader(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "_");
}

/** The spreadsheet's letter for a 0-based column: 0 is A, 26 is AA. */
function columnLetter(index: number): string {
  let letters = "";
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}

/**
 * The same invite gives the same key however its cells are typed ("07700 900123" or
 * "+447700900123"), so a re-run of the sheet, or the row twice in it, is one invite to the trigger.
 */
export function rowIdempotencyKey(invite: InviteRequest): string {
  return `signon-sheet-${createHash("sha256").update(stringify(invite)).digest("hex")}`;
}

function readRecords(text: string, delimiter: Delimiter): { ok: true; records: string[][] } | { ok: false; problem: string } {
  try {
    // Rows of any length: a short or long row is reported with its number rather than stopping the read.
    return { ok: true, records: csvParse.parse(text, { bom: true, delimiter, relax_column_count: true }) as string[][] };
  } catch (error) {
    if (!(error instanceof csvParse.CsvError)) throw error;
    // csv-parse's own message quotes the cell; the line and the kind of problem are enough to find it.
    return { ok: false, problem: `the file is not valid CSV at line ${error.lines} (${error.code}); save the spreadsheet as CSV again` };
  }
}

type Columns = { ok: true; fields: (string | undefined)[] } | { ok: false; problems: string[]; hint: string };

/** parent_first_name as a spreadsheet would head it: "Parent first name". */
const sentenceCase = (field: string) => field.charAt(0).toUpperCase() + field.slice(1).replace(/_/g, " ");

/** Each column's field (undefined for an empty column without a header), or what is wrong with the header row. */
function matchColumns(headers: string[], records: string[][]): Columns {
  const known = inviteFieldNames().filter(({ field }) => !notFromSheet.includes(field));
  const knownNames = new Set<string>(known.map(({ field }) => field));
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const fields = headers.map((header, index) => {
    const column = `column ${columnLetter(index)}`;
    if (header.trim() === "") {
      if (records.slice(1).some((record) => (record[index] ?? "").trim() !== ""))
        problems.push(`${column} has no header but has values: name it or delete it`);
      return undefined;
    }
    const field = fieldOfHeader(header);
    if (notFromSheet.includes(field))
      problems.push(
        `${column} "${header}" is not taken from a spreadsheet: to send one invite again, use POST /trigger with "resend": true`,
      );
    else if (!knownNames.has(field)) problems.push(`${column} "${header}" is not a field of the invite: rename it or delete the column`);
    else if (seen.has(field)) problems.push(`${column} "${header}" repeats column ${seen.get(field)}`);
    else seen.set(field, columnLetter(index));
    return field;
  });
  for (const { field, required } of known)
    if (required && !seen.has(field)) problems.push(`no column for ${field} (a header such as "${sentenceCase(field)}")`);
  if (problems.length === 0) return { ok: true, fields };
  const columnList = known.map(({ field, required }) => (required ? field : `${field} (optional)`)).join(", ");
  return {
    ok: false,
    problems: problems.map((problem) => `row 1: ${problem}`),
    hint: `The columns are (any case, spaces for _): ${columnList}`,
  };
}

/** The same player as an earlier row by the trigger's duplicate check, a season left blank being the stack's. */
const playerKey = (invite: InviteRequest) => naturalKey({ ...invite, season: invite.current_registration_season ?? "" });

/** Every row of the sheet with its invite or its problems; only a sheet that cannot be read at all (its header, its CSV) is refused. */
export function readSheetRows(text: string): SheetRows {
  const delimiter = delimiterOf(text);
  const read = readRecords(text, delimiter);
  if (!read.ok) return { ok: false, problems: [read.problem] };
  const { records } = read;
  if (records.length === 0) return { ok: false, problems: ["the file is empty: row 1 names the columns, a player on each row below"] };
  const columns = matchColumns(records[0], records);
  if (!columns.ok) return columns;

  const parseInvite = createInviteParser();
  const headerOf = new Map(columns.fields.map((field, index) => [field, records[0][index].trim()]));
  const rows: SheetRow[] = [];
  const firstRowOf = new Map<string, number>();
  for (const [index, record] of records.entries()) {
    const row = index + 1;
    // The header, and the blank rows a spreadsheet leaves between teams or at the end.
    if (row === 1 || record.every((cell) => cell.trim() === "")) continue;
    const problems: string[] = [];
    if (record.slice(columns.fields.length).some((cell) => cell.trim() !== ""))
      problems.push(`row ${row}: has values beyond the last named column (${columnLetter(columns.fields.length - 1)})`);
    const cells: Record<string, string> = {};
    for (const [column, field] of columns.fields.entries()) if (field !== undefined) cells[field] = record[column] ?? "";
    const parsed = parseInvite(cells);
    if (!parsed.ok)
      for (const { field, message } of parsed.problems) problems.push(`row ${row}: ${headerOf.get(field) ?? field} ${message}`);
    if (!parsed.ok || problems.length) {
      rows.push({ row, cells, problems });
      continue;
    }
    const player = playerKey(parsed.invite);
    const sameAs = firstRowOf.get(player);
    if (sameAs === undefined) firstRowOf.set(player, row);
    rows.push({
      row,
      cells,
      invite: parsed.invite,
      idempotencyKey: rowIdempotencyKey(parsed.invite),
      problems: [],
      ...(sameAs ? { sameAs } : {}),
    });
  }
  if (rows.length === 0) return { ok: false, problems: ["the file has no players: one player a row under the header row"] };
  return { ok: true, rows, delimiter };
}

/** The sheet's rows if every one is valid; otherwise every problem of every row: `npm run invite` sends all or nothing. */
export function readSquadSheet(text: string): SquadSheet {
  const read = readSheetRows(text);
  if (!read.ok) return read;
  const problems = read.rows.flatMap((row) => row.problems);
  if (problems.length) return { ok: false, problems };
  const rows = read.rows.map(({ problems: _none, ...row }) => row as SquadRow);
  return { ok: true, rows, delimiter: read.delimiter };
}
