import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { defaultSteps } from "../../domain/conversation/script";
import { type ExportRow, exportColumns, exportCsv, messagesForClubText, neutraliseFormula } from "../../domain/registration-export";

describe("the secretary's CSV", () => {
  it.each([
    ['=HYPERLINK("http://example.invalid")', '\'=HYPERLINK("http://example.invalid")'],
    ["+447700900123", "'+447700900123"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
    ["Alfie", "Alfie"],
    ["2015-03-14", "2015-03-14"],
    ["", ""],
  ])("neutralises %j as %j", (value, expected) => {
    expect(neutraliseFormula(value)).toBe(expected);
  });

  it("has a column for each answer of each step, the optional questions' in the script's order after the parent's number", () => {
    expect(exportColumns).toEqual([
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
      "medical_notes",
      "emergency_contact_name",
      "emergency_contact_tel",
      "photo_consent",
      "code_of_conduct_agreed",
      "messages_for_club",
      "invited_at",
      "updated_at",
      "submitted_at",
      "invite_status",
      "invite_error_code",
      "invite_status_at",
      "reminders_sent",
      "last_reminder_at",
      "fee_status",
      "mandate_status",
      "subscription_status",
      "fee_paid_at",
    ]);
    for (const step of defaultSteps) expect(exportColumns).toEqual(expect.arrayContaining([...step.answerKeys]));
  });

  it("starts with a byte-order mark and one header row, and reads back cell for cell", () => {
    const rows: ExportRow[] = [
      {
        registration_id: "r1",
        status: "submitted",
        player_first_name: "Zoë",
        parent_tel: "+447700900123",
        playing_up: true,
        medical_notes: 'Asthma, inhaler "blue"\nin bag',
        reminders_sent: 2,
        last_reminder_at: "2025-06-08T09:00:00.000Z",
      },
      { registration_id: "r2", status: "erased" },
    ];
    const csv = exportCsv(rows);
    expect(csv.startsWith("\uFEFFregistration_id,status,")).toBe(true);
    const [header, first, second] = parse(csv.slice(1)) as string[][];
    expect(header).toEqual([...exportColumns]);
    const value = (row: string[], column: string) => row[exportColumns.indexOf(column as (typeof exportColumns)[number])];
    expect(value(first, "player_first_name")).toBe("Zoë");
    expect(value(first, "parent_tel")).toBe("'+447700900123");
    expect(value(first, "playing_up")).toBe("yes");
    expect(value(first, "medical_notes")).toBe('Asthma, inhaler "blue"\nin bag');
    expect(value(first, "reminders_sent")).toBe("2");
    expect(value(first, "last_reminder_at")).toBe("2025-06-08T09:00:00.000Z");
    expect(value(second, "status")).toBe("erased");
    expect(second.slice(2).every((cell) => cell === "")).toBe(true);
  });

  it("shows the messages for the club one a line, each after its time, and never as a formula", () => {
    const text = messagesForClubText([
      { at: "2025-07-01T12:00:00.000Z", text: "Any news?" },
      { at: "2025-07-02T08:30:00.000Z", text: '=HYPERLINK("http://example.invalid")' },
    ]);
    expect(text).toBe('2025-07-01T12:00:00.000Z Any news?\n2025-07-02T08:30:00.000Z =HYPERLINK("http://example.invalid")');
    const [header, row] = parse(
      exportCsv([{ registration_id: "r1", status: "needs_club", messages_for_club: text }]).slice(1),
    ) as string[][];
    expect(row[header.indexOf("messages_for_club")]).toBe(text);
  });
});
