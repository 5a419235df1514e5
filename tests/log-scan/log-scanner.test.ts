/** The log scanner on planted lines: what it must find, what it must let through, and that it never repeats a leak. */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { localDefaults } from "../../local/options";
import { madeUpTwilioAccount, twilioSid } from "../../local/stand-ins/twilio/ids";
import { createMetrics } from "../../plumbing/metrics";
import { logSources, type SensitiveRecord, sensitiveKinds } from "../../testkit/log-capture";
import { lineScanner, scanCapture } from "./log-scanner";

const account = madeUpTwilioAccount();
const apiKey = "planted-api-key-not-secret";
const body = "Ready when you are, Poppy";
const parentsSid = twilioSid("SM");
const recorded: SensitiveRecord[] = [
  { kind: "account SID", value: account.accountSid },
  { kind: "auth token", value: account.authToken },
  { kind: "API key", value: apiKey },
  { kind: "name", value: "Poppy Planted" },
  { kind: "name", value: "Poppy" },
  { kind: "message body", value: body },
  { kind: "parent's MessageSid", value: parentsSid },
];
const scan = lineScanner(recorded);
const unrecordedScan = lineScanner([]);

function plantedCapture(files: Record<string, string[]>, records = recorded): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-log-scan-"));
  for (const [file, lines] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), `${lines.join("\n")}\n`);
  }
  fs.mkdirSync(path.join(dir, "sensitive"));
  fs.writeFileSync(path.join(dir, "sensitive", "planted.test.ts.jsonl"), records.map((record) => JSON.stringify(record)).join("\n"));
  return dir;
}

/** No excerpt may show what it reports: no recorded value, no run of six digits, no long hex. */
function expectNothingShown(excerpt: string) {
  for (const { value } of recorded) expect(excerpt).not.toContain(value);
  expect(excerpt).not.toMatch(/\d(?:[ ()-]{0,2}\d){5,}|[0-9a-f]{16,}/);
}

describe("the log scanner", () => {
  it("flags a planted token, full phone number and name, naming the file and line, and shows none of them", () => {
    const cleanLine = JSON.stringify({
      level: "info",
      event: "request_done",
      request_id: "3f1c2b7e-9a41-4c55-8e0d-6b2a1f0c9d11",
      route: "POST /trigger",
      status: 200,
      latency_ms: 12,
    });
    const dir = plantedCapture({
      "handler/planted.test.ts.log": [
        cleanLine,
        `twilio refused: 20003 Authenticate (token ${account.authToken})`,
        "sending the invite to 07700 900123 now",
        JSON.stringify({ level: "info", event: "invite_sent", detail: "Poppy Planted" }),
      ],
    });
    const { findings, linesBySource, recordedByKind } = scanCapture(dir);

    expect(linesBySource.handler).toBe(4);
    expect(recordedByKind).toEqual({
      "auth token": 1,
      "account SID": 1,
      "API key": 1,
      name: 2,
      "message body": 1,
      "parent's MessageSid": 1,
    });
    expect(findings.map(({ file, line, problems }) => ({ file, line, problems }))).toEqual([
      { file: "handler/planted.test.ts.log", line: 2, problems: ["auth token"] },
      { file: "handler/planted.test.ts.log", line: 3, problems: ["phone number"] },
      { file: "handler/planted.test.ts.log", line: 4, problems: ["name"] },
    ]);
    expect(findings.map(({ excerpt }) => excerpt)).toEqual([
      "twilio refused: 20003 Authenticate (token «auth token»)",
      "sending the invite to «phone number» now",
      '{"level":"info","event":"invite_sent","detail":"«name»"}',
    ]);
    for (const { excerpt } of findings) expectNothingShown(excerpt);
  });

  it.each([
    ["E.164", "+447700900123"],
    ["E.164 without the plus", "447700900123"],
    ["national, spaced", "07700 900123"],
    ["national, unspaced", "07700900123"],
    ["international, spaced", "+44 7700 900123"],
    ["with the national zero in brackets", "+44 (0)7700 900123"],
    ["dashed", "07700-900-123"],
    ["a WhatsApp address", "whatsapp:+447700900123"],
    ["form-encoded", "From=whatsapp%3A%2B447700900123"],
    ["in JSON", '{"WaId":"447700900123"}'],
  ])("finds a full phone number written %s: %s", (_form, text) => {
    const found = unrecordedScan(`parent replied from ${text}`, "npm-start");
    expect(found?.problems).toEqual(["phone number"]);
    expectNothingShown(found!.excerpt);
  });

  it("lets masked numbers, request ids, message SIDs, template SIDs, latencies and dates through", () => {
    for (const line of [
      JSON.stringify({
        level: "info",
        event: "invite_sent",
        request_id: "9a41c2b7-4c55-4e0d-8b2a-1f0c9d113f1c",
        to: "+44•••••••123",
        message_sid: "SM0e6c2216b26ad30086c818ed2809f60f",
      }),
      JSON.stringify({
        level: "warn",
        event: "twilio_retry",
        request_id: "3f1c2b7e-9a41-4c55-8e0d-447700900123",
        from: "•••",
        twilio_code: 20429,
        attempts: 3,
        latency_ms: 1712345678901,
      }),
      "signon:twilio.templateSid is missing. Example: pulumi config set --path signon:twilio.templateSid HX7d785aa7b15519a858cfc7f0d485ff2c",
      "trigger: 10000 generated bodies in 9720 ms, season 2025-26, started 2026-01-02 12:00",
    ]) {
      expect(scan(line, "handler"), line).toBeUndefined();
    }
  });

  it("finds an account SID and an auth token by their shape when nobody recorded them", () => {
    const other = madeUpTwilioAccount();
    expect(unrecordedScan(`account ${other.accountSid} token ${other.authToken}`, "program")).toEqual({
      problems: ["account SID", "auth token"],
      excerpt: "account «account SID» token «auth token»",
    });
  });

  it("finds recorded API keys, names and message bodies, also as a form encodes them", () => {
    expect(scan(`x-api-key: ${apiKey}`, "console")?.problems).toEqual(["API key"]);
    const found = scan(`Body=${encodeURIComponent(body).replace(/%20/g, "+")}&From=whatsapp%3A%2B447700900456`, "deployed-function");
    expect(found?.problems.sort()).toEqual(["message body", "name", "phone number"]);
    expectNothingShown(found!.excerpt);
  });

  it("flags a parent's MessageSid logged as it is, and lets its digest and the club's own message SIDs through", () => {
    const raw = scan(
      JSON.stringify({ level: "info", event: "message_received", message_sid: parentsSid, from: "+44•••••••123" }),
      "handler",
    );
    expect(raw?.problems).toEqual(["parent's MessageSid"]);
    expectNothingShown(raw!.excerpt);
    expect(raw!.excerpt).not.toContain(parentsSid);
    expect(
      scan(JSON.stringify({ level: "info", event: "message_received", message_mark: "x2Vd0Zg3kTq9sLw1aBcDeF" }), "handler"),
    ).toBeUndefined();
    expect(scan(JSON.stringify({ level: "info", event: "invite_sent", message_sid: twilioSid("SM") }), "handler")).toBeUndefined();
  });

  it("flags a handler log line with a field outside LogFields, showing the fields' names and not their values", () => {
    expect(unrecordedScan(JSON.stringify({ level: "info", event: "invite_sent", parent_first_name: "Poppy" }), "handler")).toEqual({
      problems: ["log field outside LogFields"],
      excerpt: "fields: level, event, parent_first_name",
    });
  });

  it("lets a business metric's EMF line through with its metric and dimensions, and flags any other field by name", () => {
    const lines: string[] = [];
    createMetrics({ SIGNON_CLUB: "urmston", SIGNON_STAGE: "dev" }, (line) => lines.push(line))("InvitesRefused", { errorCode: 63016 });
    expect(unrecordedScan(lines[0], "handler")).toBeUndefined();
    const withName = JSON.stringify({ ...JSON.parse(lines[0]), player: "Poppy" });
    expect(unrecordedScan(withName, "handler")).toEqual({
      problems: ["log field outside LogFields"],
      excerpt: "fields: _aws, Club, Stage, ErrorCode, InvitesRefused, player",
    });
  });

  it("flags an unmasked to or from, even when the number is not one it would recognise", () => {
    expect(
      unrecordedScan(JSON.stringify({ level: "info", event: "message_received", from: "whatsapp:+447700900123" }), "handler")?.problems,
    ).toEqual(["phone number", "unmasked phone field"]);
    expect(unrecordedScan(JSON.stringify({ level: "info", event: "invite_sent", to: "7700 900 123" }), "handler")?.problems).toEqual([
      "unmasked phone field",
    ]);
  });

  it("lets npm start's banner show only the documented local key and the club's sender number", () => {
    const keyLine = (key: string) => `  Trigger     POST http://127.0.0.1:3000/trigger   header x-api-key: ${key}`;
    const scan = lineScanner([...recorded, { kind: "API key", value: localDefaults.SIGNON_API_KEY }]);
    expect(scan(keyLine(localDefaults.SIGNON_API_KEY), "npm-start-banner")).toBeUndefined();
    expect(scan("  Sender      whatsapp:+447700900000", "npm-start-banner")).toBeUndefined();
    expect(scan(keyLine(apiKey), "npm-start-banner")?.problems).toEqual(["API key"]);
    expect(scan(keyLine(localDefaults.SIGNON_API_KEY), "npm-start")?.problems).toEqual(["API key"]);
    expect(scan(`  Twilio      built-in stand-in, auth token ${"ab12".repeat(8)}`, "npm-start-banner")?.problems).toEqual(["auth token"]);
    expect(scan("  Welcome back, Poppy", "npm-start-banner")?.problems).toEqual(["name"]);
  });

  it("lets npm run invite show a sheet's numbers only while checking the sheet, and never the key", () => {
    const dryRunLine = "row 2: invite Helen (+447700900123) to register Noah Example for Lions u11s";
    expect(scan(dryRunLine, "invite-cli-sheet")).toBeUndefined();
    expect(scan(dryRunLine, "invite-cli")?.problems).toEqual(["phone number"]);
    expect(scan("row 2: sent", "invite-cli")).toBeUndefined();
    expect(scan(`Sending with key ${apiKey}`, "invite-cli-sheet")?.problems).toEqual(["API key"]);
    expect(scan(`Sending with key ${apiKey}`, "invite-cli")?.problems).toEqual(["API key"]);
  });

  it("reports an empty capture as empty, with nothing recorded", () => {
    const { findings, linesBySource, recordedByKind } = scanCapture(plantedCapture({}, []));
    expect(findings).toEqual([]);
    expect(Object.values(linesBySource)).toEqual(logSources.map(() => 0));
    expect(Object.values(recordedByKind)).toEqual(sensitiveKinds.map(() => 0));
  });
});
