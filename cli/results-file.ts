/**
 * `<name>.results.csv` beside the squad sheet: one line per player row with what became of it,
 * for the secretary to open in the same spreadsheet program. Cells are made inert as the export's
 * are (domain/registration-export.ts), as the trigger's messages repeat what the sheet held.
 */
import * as path from "node:path";
import { stringify } from "csv-stringify/sync";
import { neutraliseFormula } from "../domain/registration-export";
import type { SquadRow } from "../domain/squad-sheet";
import type { RowResult } from "./send-invites";

export const resultColumns = [
  "row",
  "outcome",
  "player_first_name",
  "player_last_name",
  "team_name",
  "age_group",
  "error",
  "detail",
  "registration_id",
  "request_id",
] as const;

/** squad.csv gives squad.results.csv; a file without .csv gets .results.csv added. */
export function resultsPath(sheetPath: string): string {
  const { dir, name, ext } = path.parse(sheetPath);
  return path.join(dir, `${ext.toLowerCase() === ".csv" ? name : `${name}${ext}`}.results.csv`);
}

export function resultsCsv(rows: readonly SquadRow[], results: readonly RowResult[]): string {
  const rowByNumber = new Map(rows.map((row) => [row.row, row]));
  const records = results.map((result) => {
    const invite = rowByNumber.get(result.row)?.invite;
    const values: Record<(typeof resultColumns)[number], string | number | undefined> = {
      row: result.row,
      outcome: result.outcome,
      player_first_name: invite?.player_first_name,
      player_last_name: invite?.player_last_name,
      team_name: invite?.team_name,
      age_group: invite?.age_group,
      error: result.error,
      detail: result.detail,
      registration_id: result.registrationId,
      request_id: result.requestId,
    };
    return resultColumns.map((column) => neutraliseFormula(String(values[column] ?? "")));
  });
  // As the export: a byte-order mark so Excel reads UTF-8, CRLF as RFC 4180 says.
  return `\uFEFF${stringify([[...resultColumns], ...records], { record_delimiter: "windows" })}`;
}
