/** npm run invite's pure parts: reading a sheet into invites, the Idempotency-Key of a row, Retry-After, the results file's name. */
import { describe, expect, it } from "vitest";
import { resultsPath } from "../../cli/results-file";
import { retryAfterMs } from "../../cli/send-invites";
import { fieldOfHeader, readSquadSheet } from "../../cli/squad-sheet";
import { inviteFieldNames } from "../../domain/invite";
import { requiredInviteFields } from "../../testkit/fixtures";

const header = "Parent first name,Player first name,Team name,Age group,Team manager 1 full name,Team manager 1 tel,Parent tel";
const row = (parentTel: string, team = "Hawks") => `Parent1,Player1,${team},u12s,Coach Person,07700 900456,${parentTel}`;

describe("the invite's fields", () => {
  it("are the trigger's own, required where the trigger requires them", () => {
    const fields = inviteFieldNames();
    expect(fields.filter(({ required }) => required).map(({ field }) => field)).toEqual([...requiredInviteFields]);
    expect(fields.map(({ field }) => field)).toContain("resend");
  });

  it.each([
    ["Parent first name", "parent_first_name"],
    ["  PARENT  FIRST   NAME ", "parent_first_name"],
    ["Team-manager-1-tel", "team_manager_1_tel"],
    ["parent_tel", "parent_tel"],
  ])("reads the header %j as %s", (header, field) => {
    expect(fieldOfHeader(header)).toBe(field);
  });
});

describe("a sheet's season column", () => {
  const withSeason = (season: string) => readSquadSheet(`${header},Current registration season\n${row("07700 900501")},${season}\n`);

  it("reads a season however it is written as the stack writes it; the trigger then holds it to the stack's", () => {
    const sheet = withSeason("2026/27");
    if (!sheet.ok) throw new Error(sheet.problems.join("; "));
    expect(sheet.rows[0].invite.current_registration_season).toBe("2026-27");
  });

  it("refuses what is not a season in the dry run, naming the row and the column", () => {
    expect(withSeason("next season")).toEqual({
      ok: false,
      problems: ["row 2: Current registration season must be a season such as 2025-26 (or 2025/26, 2025-2026)"],
    });
  });
});

describe("readSquadSheet", () => {
  it("reads a sheet saved with a byte-order mark, skipping blank rows and keeping the spreadsheet's row numbers", () => {
    const sheet = readSquadSheet(`\uFEFF${header}\r\n${row("07700 900501")}\r\n,,,,,,\r\n\r\n${row("07700 900502", "Lions")}\r\n`);
    if (!sheet.ok) throw new Error(sheet.problems.join("; "));
    expect(sheet.rows.map(({ row, invite }) => [row, invite.team_name, invite.parent_tel])).toEqual([
      [2, "Hawks", "+447700900501"],
      [5, "Lions", "+447700900502"],
    ]);
    expect(sheet.rows[0].cells.parent_tel).toBe("07700 900501");
  });

  it("gives the same row the same Idempotency-Key however its number is typed, and another row another", () => {
    const keyOf = (line: string) => {
      const sheet = readSquadSheet(`${header}\n${line}\n`);
      if (!sheet.ok) throw new Error(sheet.problems.join("; "));
      return sheet.rows[0].idempotencyKey;
    };
    const key = keyOf(row("07700 900501"));
    expect(key).toMatch(/^signon-sheet-[0-9a-f]{64}$/);
    expect(keyOf(row("+44 7700 900501"))).toBe(key);
    expect(keyOf(row("07700 900501", " Hawks "))).toBe(key);
    expect(keyOf(row("07700 900502"))).not.toBe(key);
  });

  it("refuses a resend column, a repeated column and values under no header", () => {
    const sheet = readSquadSheet(`${header},Resend,parent tel,\n${row("07700 900501")},true,07700 900502,x\n`);
    expect(sheet).toEqual({
      ok: false,
      problems: [
        'row 1: column H "Resend" is not taken from a spreadsheet: to send one invite again, use POST /trigger with "resend": true',
        'row 1: column I "parent tel" repeats column G',
        "row 1: column J has no header but has values: name it or delete it",
      ],
      hint: expect.stringContaining("The columns are"),
    });
  });

  it.each([
    ["", "the file is empty: row 1 names the columns, a player on each row below"],
    [`${header}\n,,,\n`, "the file has no players: one player a row under the header row"],
    [`${header}\n"Parent1,Player1\n`, "the file is not valid CSV at line 2 (CSV_QUOTE_NOT_CLOSED); save the spreadsheet as CSV again"],
  ])("says what is wrong with %j", (text, problem) => {
    expect(readSquadSheet(text)).toEqual({ ok: false, problems: [problem] });
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-12-01T20:00:00Z");
  it.each([
    ["30", 30_000],
    ["0", 0],
    ["Tue, 01 Dec 2026 20:00:05 GMT", 5_000],
    ["Tue, 01 Dec 2026 19:00:00 GMT", 0],
    [null, undefined],
    ["soon", undefined],
  ])("reads %j as %j ms", (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});

describe("resultsPath", () => {
  it.each([
    ["/club/squad.csv", "/club/squad.results.csv"],
    ["/club/Squad.CSV", "/club/Squad.results.csv"],
    ["/club/squad.txt", "/club/squad.txt.results.csv"],
  ])("puts %s's results in %s", (sheet, results) => {
    expect(resultsPath(sheet)).toBe(results);
  });
});
