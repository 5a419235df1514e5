/**
 * Copies every log line the suite sees into this run's capture folder, so that the log scan
 * (tests/log-scan), which runs after the whole suite, can check them for secrets and personal
 * data. Also records the sensitive values the suite hands to the code under test, so the scan
 * knows what to look for. Outside vitest (the bench shares these helpers) the folder is unset and
 * nothing is written.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { LineWriter } from "../plumbing/log";

/** Set for every worker by the global setup (log-capture-run.ts): test-output/logs/run-<pid of vitest>. */
export const captureDirVariable = "SIGNON_LOG_CAPTURE_DIR";

/**
 * Where a line came from. `npm-start-banner` is what npm start prints before it is ready: the
 * operator's terminal, which shows their API key and the local default account on purpose.
 * `invite-cli` is what `npm run invite` prints while sending; `invite-cli-sheet` what it shows of
 * the sheet itself: a dry run's rows, phone numbers included, or the sheet's problems.
 * `reapply-erasures-cli` is what `npm run reapply-erasures` prints: counts and registration ids.
 */
export const logSources = [
  "handler",
  "console",
  "npm-start",
  "npm-start-banner",
  "program",
  "deployed-function",
  "invite-cli",
  "invite-cli-sheet",
  "reapply-erasures-cli",
] as const;
export type LogSource = (typeof logSources)[number];

/**
 * A parent's MessageSid is Twilio's key to what they wrote: the webhook logs its digest instead
 * (handlers/webhook.ts). The club's own messages' SIDs may be logged.
 */
export const sensitiveKinds = ["auth token", "account SID", "API key", "name", "message body", "parent's MessageSid"] as const;
export type SensitiveKind = (typeof sensitiveKinds)[number];

export interface SensitiveRecord {
  kind: SensitiveKind;
  value: string;
}

/** Sensitive values go here, apart from the logs, so the scan never reads them as log lines. */
export const sensitiveFolder = "sensitive";

// Files are named after the test file writing them, so a finding names the test that caused it.
let writer = `process-${process.pid}`;

/** Called by the console setup file before each test file runs. */
export function captureForTestFile(testFile: string): void {
  writer = path.basename(testFile);
}

const openFiles = new Map<string, number>();

function append(folder: string, fileName: string, text: string): void {
  const dir = process.env[captureDirVariable];
  if (!dir) return;
  const file = path.join(dir, folder, fileName);
  let descriptor = openFiles.get(file);
  if (descriptor === undefined) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    descriptor = fs.openSync(file, "a");
    openFiles.set(file, descriptor);
  }
  fs.writeSync(descriptor, text);
}

export function captureLine(source: LogSource, line: string): void {
  append(source, `${writer}.log`, line.endsWith("\n") ? line : `${line}\n`);
}

/** Captures a child process's stdout or stderr, line by line. */
export function captureOutput(source: LogSource, stream: Readable): void {
  let partial = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) captureLine(source, line);
  });
  stream.on("end", () => partial && captureLine(source, partial));
}

/** A handler's `writeLog` in tests: the test's own collector, with every line captured as well. */
export function capturing(writeLog: LineWriter): LineWriter {
  return (line) => {
    captureLine("handler", line);
    writeLog(line);
  };
}

export function recordSensitive(kind: SensitiveKind, values: (string | undefined)[]): void {
  const records = values
    .filter((value): value is string => Boolean(value))
    .map((value) => JSON.stringify({ kind, value } satisfies SensitiveRecord));
  if (records.length) append(sensitiveFolder, `${writer}.jsonl`, `${records.join("\n")}\n`);
}
