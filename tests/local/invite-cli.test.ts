/**
 * `npm run invite -- squad.csv` as a secretary runs it, a child process, against `npm start`
 * (the real trigger, dynalite) sending through a Twilio stand-in this test holds, behind a usage
 * plan of 5 requests a second with a burst of 5 (testkit/usage-plan-proxy.ts).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../local/stack-file";
import { madeUpTwilioAccount } from "../../local/stand-ins/twilio/ids";
import { startTwilioStandIn, type TwilioStandIn } from "../../local/stand-ins/twilio/stand-in";
import { runInvite } from "../../testkit/invite-cli";
import { type RunningSignon, startSignonSendingTo } from "../../testkit/npm-start";
import { formBody, inboundMessage, twilioSignature } from "../../testkit/twilio-webhook";
import { startUsagePlanProxy, type UsagePlanProxy } from "../../testkit/usage-plan-proxy";

const apiKey = `test-invite-cli-key-${randomBytes(8).toString("hex")}`;
const account = madeUpTwilioAccount();
const header =
  "Parent first name,Player first name,Player last name,Team name,Age group,Team manager 1 full name,Team manager 1 tel,Parent tel";
/** The i-th player of the squad, each with a parent of their own in the drama range. */
const squadRow = (index: number) =>
  `Parent${index},Player${index},Squad,Hawks,u12s,Coach Person,07700 900456,07700 900${String(500 + index).padStart(3, "0")}`;

let twilio: TwilioStandIn;
let signon: RunningSignon;
let plan: UsagePlanProxy;
let folder: string;
let sending: Record<string, string>;

beforeAll(async () => {
  twilio = await startTwilioStandIn(account);
  signon = await startSignonSendingTo(twilio, account, apiKey);
  plan = await startUsagePlanProxy(signon.url, { rateLimit: 5, burstLimit: 5 });
  sending = { SIGNON_URL: plan.url, SIGNON_API_KEY: apiKey };
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "signon-invite-"));
});

afterAll(async () => {
  await plan?.close();
  await signon?.stop();
  await twilio?.close();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

function writeSheet(name: string, lines: string[]): string {
  const file = path.join(folder, name);
  fs.writeFileSync(file, `${lines.join("\r\n")}\r\n`);
  return file;
}

/** The sheet as Excel on Windows saves "CSV (Comma delimited)" where the decimal mark is a comma: Windows-1252, semicolons between cells. */
function writeExcelSheet(name: string, lines: string[]): string {
  const file = path.join(folder, name);
  // Latin-1's bytes are Windows-1252's for every character here: á is 0xE1, ë 0xEB.
  fs.writeFileSync(file, Buffer.from(`${lines.map((line) => line.replaceAll(",", ";")).join("\r\n")}\r\n`, "latin1"));
  return file;
}

/** Siobhán inviting Zoë twice (row 4 is row 2 typed another way), and Priya inviting Maya. */
const excelLines = (first: number) => [
  header,
  `Siobhán,Zoë,Squad,Hawks,u12s,Coach Person,07700 900456,07700 900${first}`,
  `Priya,Maya,Squad,Hawks,u12s,Coach Person,07700 900456,07700 900${first + 1}`,
  `Siobhán,Zoë,Squad,Hawks,Under 12s,Coach Person,07700 900456,+44 7700 900${first}`,
];

function readResults(sheet: string): Record<string, string>[] {
  const text = fs.readFileSync(sheet.replace(/\.csv$/, ".results.csv"), "utf8");
  expect(text.startsWith("\uFEFF")).toBe(true);
  return parse(text, { bom: true, columns: true }) as Record<string, string>[];
}

/** What the run printed while sending holds no key and no phone number: rows by number and outcome. */
function expectNothingPersonal(output: string): void {
  expect(output).not.toContain(apiKey);
  expect(output).not.toMatch(/7700 ?900\d{3}/);
}

describe("npm run invite, before sending", () => {
  it("lists every problem of every row with the row number the spreadsheet shows, sends nothing and exits 1", async () => {
    const sheet = writeSheet("bad-rows.csv", [
      header,
      squadRow(1),
      "Parent2,Player2,Squad,Hawks,u12s,Coach Person,07700 900456,0770",
      ",,,,,,,",
      "Parent4,,Squad,Hawks,u12s,Coach Person,not a number,07700 900504",
      // One spreadsheet row over two lines of the file: the next is row 7.
      'Parent5,Player5,Squad,"Hawks\nBlue",u12s,Coach Person,07700 900456,07700 900505',
      "Parent6,Player6,Squad,Hawks,,Coach Person,07700 900456,07700 900506",
    ]);
    const run = await runInvite([sheet], sending, "invite-cli-sheet");

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      [
        `${sheet} has 4 problems; nothing was sent:`,
        "  row 3: Parent tel is not a phone number: use a form such as 07700 900123 or +44 7700 900123",
        "  row 5: Player first name must not be empty",
        "  row 5: Team manager 1 tel is not a phone number: use a form such as 07700 900123 or +44 7700 900123",
        "  row 7: Age group must not be empty",
        "",
      ].join("\n"),
    );
    expect(run.stdout).toBe("");
    expect(plan.requests).toEqual([]);
    expect(twilio.attempts).toBe(0);
    expect(fs.existsSync(path.join(folder, "bad-rows.results.csv"))).toBe(false);
  });

  it("matches headers whatever their case and spacing, and names an unknown column and a missing one", async () => {
    const sheet = writeSheet("bad-columns.csv", [
      "PARENT  FIRST NAME,player_first_name,Team-Name,Age group, Team manager 1 full name ,team manager 1 TEL,Parent phone",
      "Parent1,Player1,Hawks,u12s,Coach Person,07700 900456,07700 900501",
    ]);
    const run = await runInvite([sheet], sending, "invite-cli-sheet");

    expect(run.exitCode).toBe(1);
    expect(run.stderr.split("\n").slice(0, 3)).toEqual([
      `${sheet} has 2 problems; nothing was sent:`,
      '  row 1: column G "Parent phone" is not a field of the invite: rename it or delete the column',
      '  row 1: no column for parent_tel (a header such as "Parent tel")',
    ]);
    expect(run.stderr).toContain("The columns are (any case, spaces for _): parent_first_name, parent_last_name (optional),");
    expect(plan.requests).toEqual([]);
  });

  it("checks the example sheet docs/operating.md names in a dry run and shows what each row would send, with no URL or key needed", async () => {
    const run = await runInvite(["examples/squad.csv", "--dry-run"], {}, "invite-cli-sheet");

    expect([run.exitCode, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toBe(
      [
        "examples/squad.csv, read as UTF-8: 3 players, every row valid. Dry run: nothing sent. Each row would send:",
        "row 2: invite Helen (+447700900123) to register Noah Example for Lions U11; manager Sam Coachman 07700 900456",
        "row 3: invite Priya (+447700900124) to register Maya Sample for Lions U11; manager Sam Coachman 07700 900456",
        "row 4: invite Tom (+447700900125) to register Leo Demo for Tigers U9; manager Jo Placeholder 07700 900457; membership £30",
        "",
      ].join("\n"),
    );
    expect(fs.existsSync(path.join(projectRoot, "examples/squad.results.csv"))).toBe(false);
    expect(twilio.attempts).toBe(0);
  });

  it("reads Excel's Windows-1252 with semicolons, says so, and shows a repeated row as the same player, not a new one", async () => {
    const sheet = writeExcelSheet("excel.csv", excelLines(560));
    expect(fs.readFileSync(sheet).includes(Buffer.from([0x53, 0x69, 0x6f, 0x62, 0x68, 0xe1, 0x6e]))).toBe(true);
    const run = await runInvite([sheet, "--dry-run"], {}, "invite-cli-sheet");

    expect([run.exitCode, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toBe(
      [
        `${sheet}, read as Windows-1252, cells separated by semicolons: 2 players, every row valid. Dry run: nothing sent. Each row would send:`,
        "row 2: invite Siobhán (+447700900560) to register Zoë Squad for Hawks U12; manager Coach Person 07700 900456",
        "row 3: invite Priya (+447700900561) to register Maya Squad for Hawks U12; manager Coach Person 07700 900456",
        "row 4: same player as row 2: not sent again",
        "",
      ].join("\n"),
    );
    expect(plan.requests).toEqual([]);
  });

  it.each([
    [
      "--stack without the Pulumi CLI",
      ["--stack", "prod"],
      // Only node's own folder on the PATH: no pulumi there.
      { PATH: path.dirname(process.execPath) },
      "--stack needs the Pulumi CLI (https://www.pulumi.com/docs/install/), which is not installed here: give --url and --api-key (or SIGNON_URL and SIGNON_API_KEY) instead",
    ],
    [
      "no URL",
      [],
      { SIGNON_API_KEY: apiKey },
      "no stack to send to: give --url or SIGNON_URL (npm start's is http://127.0.0.1:3000), or --stack NAME",
    ],
    [
      "no API key",
      ["--url", "http://127.0.0.1:9"],
      {},
      "no API key: give --api-key or SIGNON_API_KEY (pulumi stack output apiKey --show-secrets), or --stack NAME",
    ],
    [
      "a concurrency out of range",
      ["--concurrency", "0"],
      {},
      "error: option '--concurrency <n>' argument '0' is invalid. must be a whole number from 1 to 25",
    ],
  ])("refuses %s with a clear message, sends nothing and exits 1", async (_case, args, env, message) => {
    const sheet = writeSheet("usage.csv", [header, squadRow(1)]);
    const run = await runInvite([sheet, ...args], env);
    expect([run.exitCode, run.stderr.trim()]).toEqual([1, message]);
    expect(plan.requests).toEqual([]);
  });
});

describe("npm run invite, sending", () => {
  const squad = Array.from({ length: 25 }, (_, index) => squadRow(index + 1));
  let sheet: string;

  it("sends all 25 rows within a usage plan of 5 a second: each 429 waited out, each player invited once, exit 0", async () => {
    sheet = writeSheet("squad.csv", [header, ...squad]);
    const run = await runInvite([sheet], sending);

    expect([run.exitCode, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toContain(`${sheet}, read as UTF-8: 25 players, every row valid. Sending to ${plan.url}/trigger, 4 at a time.`);
    // Not a terminal: a plain line per row.
    for (let row = 2; row <= 26; row++) expect(run.stdout).toContain(`row ${row}: sent\n`);
    expect(run.stdout).toContain("25 rows: 25 sent, 0 already invited, 0 opted out, 0 failed\n");
    expect(run.stdout).toContain(`Results: ${path.join(folder, "squad.results.csv")}`);
    expectNothingPersonal(run.stdout);

    const throttled = plan.requests.filter((request) => request.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    // Past the plan, each row reached the trigger once, under its own key, and was sent.
    const passed = plan.requests.filter((request) => request.status !== 429);
    expect(passed.map((request) => request.status)).toEqual(Array(25).fill(200));
    expect(new Set(passed.map((request) => request.idempotencyKey)).size).toBe(25);
    for (const request of throttled) expect(passed.map((p) => p.idempotencyKey)).toContain(request.idempotencyKey);

    const invited = twilio.messages.map((message) => message.To).sort();
    expect(invited).toEqual(Array.from({ length: 25 }, (_, index) => `whatsapp:+447700900${501 + index}`));
  });

  it("writes squad.results.csv beside the sheet: one line per row, in row order, with its outcome and registration", () => {
    const results = readResults(sheet);
    expect(results.map((result) => [result.row, result.outcome, result.player_first_name, result.team_name])).toEqual(
      Array.from({ length: 25 }, (_, index) => [String(index + 2), "sent", `Player${index + 1}`, "Hawks"]),
    );
    for (const result of results) {
      expect(result.registration_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.detail).toBe(
        `Invite sent on WhatsApp to Parent${Number(result.row) - 1} to register Player${Number(result.row) - 1} Squad for Hawks U12`,
      );
    }
  });

  it("sends nothing on a re-run: every row already invited, exit 0", async () => {
    const sentBefore = twilio.messages.length;
    const run = await runInvite([sheet], sending);

    expect([run.exitCode, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toContain("25 rows: 0 sent, 25 already invited, 0 opted out, 0 failed\n");
    expect(twilio.messages).toHaveLength(sentBefore);
    expect(new Set(readResults(sheet).map((result) => result.outcome))).toEqual(new Set(["already invited"]));
  });

  it("waits out a 503's Retry-After, counts an opted-out parent and a refused send, neutralises formulas, and exits 2", async () => {
    const stop = inboundMessage({ From: "whatsapp:+447700900590", WaId: "447700900590", Body: "STOP", AccountSid: account.accountSid });
    const stopped = await fetch(`${signon.url}/webhook`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilioSignature(stop, { token: account.authToken, url: `${signon.url}/webhook` }),
      },
      body: formBody(stop),
    });
    expect(stopped.status).toBe(200);
    const mixed = writeSheet("mixed.csv", [
      header,
      "ParentR,Refused,Squad,Hawks,u12s,Coach Person,07700 900456,07700 900591",
      "ParentW,Waited,Squad,Hawks,u12s,Coach Person,07700 900456,07700 900592",
      "ParentO,OptedOut,Squad,Hawks,u12s,Coach Person,07700 900456,07700 900590",
      "ParentF,Formula,Squad,=SUM(1+1),u12s,Coach Person,07700 900456,07700 900593",
    ]);
    twilio.failNext({ status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
    plan.unavailableOnceFor('"player_first_name":"Waited"', 1);
    const requestsBefore = plan.requests.length;
    // One at a time, so the refused send is the first Twilio sees.
    const run = await runInvite([mixed, "--concurrency", "1"], sending);

    expect(run.exitCode).toBe(2);
    expect(run.stdout).toContain("4 rows: 2 sent, 0 already invited, 1 opted out, 1 failed\n");
    expect(run.stdout).toContain("row 2: failed (twilio_rejected)\n");
    expect(run.stdout).toContain("row 4: opted out (parent_opted_out)\n");
    expectNothingPersonal(run.stdout + run.stderr);

    const waited = plan.requests.slice(requestsBefore).filter((request) => request.status === 503 || request.status === 200);
    const [unavailable, retried] = waited.filter(
      (request) => request.idempotencyKey === waited.find((r) => r.status === 503)?.idempotencyKey,
    );
    expect([unavailable.status, retried.status]).toEqual([503, 200]);
    expect(retried.at - unavailable.at).toBeGreaterThanOrEqual(1000);

    expect(
      readResults(mixed).map(({ row, outcome, player_first_name, team_name, error }) => ({
        row,
        outcome,
        player_first_name,
        team_name,
        error,
      })),
    ).toEqual([
      { row: "2", outcome: "failed", player_first_name: "Refused", team_name: "Hawks", error: "twilio_rejected" },
      { row: "3", outcome: "sent", player_first_name: "Waited", team_name: "Hawks", error: "" },
      { row: "4", outcome: "opted out", player_first_name: "OptedOut", team_name: "Hawks", error: "parent_opted_out" },
      { row: "5", outcome: "sent", player_first_name: "Formula", team_name: "'=SUM(1+1)", error: "" },
    ]);
    expect(twilio.messages.map((message) => message.To)).not.toContain("whatsapp:+447700900590");
  });

  /** A stand-in for the Pulumi CLI on the PATH: prints the stack's outputs as `pulumi stack output --json --show-secrets` does. */
  function pulumiStandIn(stack: string, outputs: object): string {
    const bin = fs.mkdtempSync(path.join(folder, "bin-"));
    const script = [
      "#!/bin/sh",
      `if [ "$*" != "stack output --stack ${stack} --json --show-secrets" ]; then echo "error: no stack named '$4' found" >&2; exit 255; fi`,
      `echo '${JSON.stringify(outputs)}'`,
    ].join("\n");
    fs.writeFileSync(path.join(bin, "pulumi"), `${script}\n`, { mode: 0o755 });
    return `${bin}:${path.dirname(process.execPath)}`;
  }

  it("reads the URL and key from pulumi stack output with --stack, and passes on Pulumi's own error", async () => {
    const PATH = pulumiStandIn("club-prod", { apiUrl: plan.url, triggerUrl: `${plan.url}/trigger`, apiKey });
    const sheet = writeSheet("from-stack.csv", [header, squadRow(30)]);
    const run = await runInvite([sheet, "--stack", "club-prod"], { PATH });
    expect([run.exitCode, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toContain("1 row: 1 sent, 0 already invited, 0 opted out, 0 failed\n");
    expect(twilio.messages.map((message) => message.To)).toContain("whatsapp:+447700900530");

    const missing = await runInvite([sheet, "--stack", "club-staging"], { PATH });
    expect([missing.exitCode, missing.stderr]).toEqual([
      1,
      "pulumi stack output --stack club-staging failed: error: no stack named 'club-staging' found\n",
    ]);
  });

  it("stops at the first 403 when the API key is wrong: that row failed, the rest not sent, exit 2", async () => {
    const attemptsBefore = twilio.attempts;
    const sheet = writeSheet("wrong-key.csv", [header, squadRow(40), squadRow(41), squadRow(42)]);
    const run = await runInvite([sheet, "--concurrency", "1"], { ...sending, SIGNON_API_KEY: "not-the-key-0123456789" });

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe("Stopped: the API key was refused (403): check --api-key or SIGNON_API_KEY, and the URL\n");
    expect(run.stdout).toContain("3 rows: 0 sent, 0 already invited, 0 opted out, 1 failed, 2 not sent\n");
    expect(readResults(sheet).map((result) => result.outcome)).toEqual(["failed", "not sent", "not sent"]);
    expect(twilio.attempts).toBe(attemptsBefore);
  });

  it("sends Excel's Windows-1252 sheet with its names as typed, and a repeated row not at all: exit 0", async () => {
    const sheet = writeExcelSheet("excel-send.csv", excelLines(570));
    const requestsBefore = plan.requests.length;
    const run = await runInvite([sheet, "--concurrency", "1"], sending);

    expect([run.exitCode, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toContain(`${sheet}, read as Windows-1252, cells separated by semicolons: 2 players, every row valid.`);
    expect(run.stdout).toContain("row 4: repeated (same player as row 2)\n");
    expect(run.stdout).toContain("3 rows: 2 sent, 0 already invited, 0 opted out, 0 failed, 1 repeated\n");
    expectNothingPersonal(run.stdout);
    expect(plan.requests.slice(requestsBefore).filter((request) => request.status !== 429)).toHaveLength(2);

    const sent = twilio.messages.filter((message) => message.To === "whatsapp:+447700900570");
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0].ContentVariables)).toMatchObject({ "1": "Siobhán", "2": "Zoë" });
    expect(readResults(sheet).map(({ row, outcome, player_first_name, detail }) => [row, outcome, player_first_name, detail])).toEqual([
      ["2", "sent", "Zoë", expect.stringContaining("to Siobhán to register Zoë Squad")],
      ["3", "sent", "Maya", expect.stringContaining("to Priya to register Maya Squad")],
      ["4", "repeated", "Zoë", "same player as row 2"],
    ]);
  });
});
