/**
 * Reads a log capture (testkit/log-capture.ts) and finds what must never be in a log:
 * Twilio credentials, API keys, full phone numbers, names and message bodies, and handler log
 * lines with fields outside plumbing/log.ts's closed set or an unmasked `to`/`from`. A finding
 * carries a redacted excerpt, so reporting a leak never repeats it.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { businessMetrics, metricDimensions } from "../../config/metrics";
import { localDefaults } from "../../local/options";
import type { LogFields } from "../../plumbing/log";
import {
  type LogSource,
  logSources,
  type SensitiveKind,
  type SensitiveRecord,
  sensitiveFolder,
  sensitiveKinds,
} from "../../testkit/log-capture";

export type Problem = SensitiveKind | "phone number" | "log field outside LogFields" | "unmasked phone field";

export interface Finding {
  /** The capture file, relative to the capture folder: `<source>/<test file>.log`. */
  file: string;
  line: number;
  problems: Problem[];
  excerpt: string;
}

/** What to look for in one source. */
interface Checks {
  credentials: boolean;
  phones: boolean;
  structure: boolean;
  /** Recorded values this source may show. */
  allowed?: readonly string[];
}

const allChecks: Checks = { credentials: true, phones: true, structure: true };
/**
 * npm start's banner is the operator's terminal, not a log: it shows the documented local
 * default API keys (invite and export) and the club's own sender number on purpose (tests/local/local-runtime.test.ts
 * checks that it does). Any other credential, a person's name or a message is a leak there too.
 */
const checksBySource: Record<LogSource, Checks> = {
  handler: allChecks,
  console: allChecks,
  "npm-start": allChecks,
  "npm-start-banner": {
    credentials: true,
    phones: false,
    structure: false,
    allowed: [localDefaults.SIGNON_API_KEY, localDefaults.SIGNON_EXPORT_API_KEY],
  },
  program: allChecks,
  "deployed-function": allChecks,
  // A terminal, not JSON log lines: rows by number and outcome, never the key or a number.
  "invite-cli": { credentials: true, phones: true, structure: false },
  // Shows the user their own sheet as the trigger will read it, numbers included, or its problems
  // (whose hints give example numbers); never the key.
  "invite-cli-sheet": { credentials: true, phones: false, structure: false },
  // A terminal: counts and registration ids, never a number or a name.
  "reapply-erasures-cli": { credentials: true, phones: true, structure: false },
};

// Every key of LogFields, and the compiler insists on each one.
const logFieldKeys: Record<keyof LogFields, true> = {
  request_id: true,
  route: true,
  status: true,
  latency_ms: true,
  to: true,
  from: true,
  message_sid: true,
  message_mark: true,
  registration_id: true,
  twilio_code: true,
  twilio_status: true,
  provider_status: true,
  attempts: true,
  aws_call: true,
  retry_in_ms: true,
  error: true,
  detail: true,
  count: true,
};
const logLineKeys = new Set(["level", "event", ...Object.keys(logFieldKeys)]);
const metricLineKeys = new Set(["_aws", ...Object.keys(businessMetrics), ...Object.values(metricDimensions)]);
/** plumbing/log.ts maskPhone's output: `+44•••••••123`, or `•••` for something too short. */
const maskedPhone = /^(?:\+\d{2}•+\d{3}|•••)$/;

const credentialPatterns: { problem: Problem; pattern: RegExp }[] = [
  { problem: "account SID", pattern: /(?<![0-9A-Za-z])AC[0-9a-fA-F]{32}(?![0-9A-Za-z])/g },
  { problem: "auth token", pattern: /(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])/g },
];

/**
 * Digits as people type a phone number: spaces, dashes or brackets between them, a `+` or not.
 * Not after a letter, digit or dash, nor before one, so a UUID's last group is not a number.
 */
const phoneCandidate = /(?<![\w-])\+?\d(?:[ ()-]{0,2}\d){8,14}(?![\w-])/g;

/** +447700900123, 447700900123, 07700 900123, +44 (0)7700 900123: a full number, not a count or a time. */
function isFullPhoneNumber(candidate: string): boolean {
  const digits = candidate.replace("(0)", "").replace(/\D/g, "");
  if (candidate.startsWith("+")) return digits.length >= 10 && digits.length <= 15;
  return /^(?:44|0)7\d{9}$/.test(digits);
}

interface Span {
  start: number;
  end: number;
  problem: Problem;
}

/** Where `pattern` matches, each match named by `problemOf` or, when it returns undefined, let go. */
function spansOf(pattern: RegExp, text: string, problemOf: (match: string) => Problem | undefined): Span[] {
  return [...text.matchAll(pattern)].flatMap((match) => {
    const problem = problemOf(match[0]);
    return problem ? [{ start: match.index, end: match.index + match[0].length, problem }] : [];
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const decodePercent = (text: string) =>
  text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });

/** The line as written, and as a form or URL decoder would read it. */
function readingsOf(line: string): string[] {
  return [...new Set([line, decodePercent(line), decodePercent(line.replace(/\+/g, " "))])];
}

export type LineScan = (line: string, source: LogSource) => { problems: Problem[]; excerpt: string } | undefined;

const credentialKinds = new Set<Problem>(["auth token", "account SID", "API key"]);

/**
 * Scans one line for the recorded values and the credential and phone shapes, as written and as
 * a form or URL decoder would read it. The result names the problems, with an excerpt that shows
 * none of them; undefined when the line is clean.
 */
export function lineScanner(sensitive: SensitiveRecord[]): LineScan {
  const kindOf = new Map(sensitive.map(({ kind, value }) => [value, kind]));
  // Longest first, so a full name wins over the first name inside it.
  const values = [...kindOf.keys()].sort((a, b) => b.length - a.length);
  const literals = values.length ? new RegExp(values.map(escapeRegExp).join("|"), "g") : undefined;

  const spansIn = (text: string, checks: Checks): Span[] => {
    const literalSpans = literals ? spansOf(literals, text, (match) => kindOf.get(match)!) : [];
    return [
      ...literalSpans.filter(
        (span) => (checks.credentials || !credentialKinds.has(span.problem)) && !checks.allowed?.includes(text.slice(span.start, span.end)),
      ),
      ...(checks.credentials ? credentialPatterns.flatMap(({ problem, pattern }) => spansOf(pattern, text, () => problem)) : []),
      ...(checks.phones ? spansOf(phoneCandidate, text, (match) => (isFullPhoneNumber(match) ? "phone number" : undefined)) : []),
    ];
  };

  return (line, source) => {
    const checks = checksBySource[source];
    const problems = new Set<Problem>();
    let worst: { text: string; spans: Span[] } | undefined;
    for (const text of readingsOf(line)) {
      const spans = spansIn(text, checks);
      for (const span of spans) problems.add(span.problem);
      if (spans.length > (worst?.spans.length ?? 0)) worst = { text, spans };
    }
    const fieldProblems = checks.structure ? structureProblems(line) : { problems: [], keys: [] };
    for (const problem of fieldProblems.problems) problems.add(problem);
    if (worst) return { problems: [...problems], excerpt: redactedExcerpt(worst.text, worst.spans) };
    // A field outside the set may hold anything: show the names of the fields, never their values.
    if (fieldProblems.problems.length) return { problems: [...problems], excerpt: `fields: ${fieldProblems.keys.join(", ")}` };
    return undefined;
  };
}

function structureProblems(line: string): { problems: Problem[]; keys: string[] } {
  if (!line.startsWith("{")) return { problems: [], keys: [] };
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return { problems: [], keys: [] };
  }
  if (typeof entry === "object" && entry !== null && "_aws" in entry) {
    // A business metric's EMF line (plumbing/metrics.ts): its metric and dimensions, nothing else.
    const keys = Object.keys(entry);
    return { problems: keys.some((key) => !metricLineKeys.has(key)) ? ["log field outside LogFields"] : [], keys };
  }
  if (typeof entry !== "object" || entry === null || !("level" in entry) || !("event" in entry)) return { problems: [], keys: [] };
  const record = entry as Record<string, unknown>;
  const keys = Object.keys(record);
  const problems: Problem[] = [];
  if (keys.some((key) => !logLineKeys.has(key))) problems.push("log field outside LogFields");
  if (["to", "from"].some((key) => key in record && !maskedPhone.test(String(record[key])))) problems.push("unmasked phone field");
  return { problems, keys };
}

/** Every finding replaced by its name; then, to be safe, any long run of digits or hex as well. */
function redactedExcerpt(text: string, spans: Span[], context = 60): string {
  const ordered = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let redacted = "";
  let at = 0;
  let firstMark = -1;
  for (const span of ordered) {
    // Overlapping findings share the mark before them.
    if (span.start < at) {
      at = Math.max(at, span.end);
      continue;
    }
    redacted += text.slice(at, span.start);
    if (firstMark < 0) firstMark = redacted.length;
    redacted += `«${span.problem}»`;
    at = span.end;
  }
  redacted += text.slice(at);
  redacted = redacted.replace(/\d(?:[ ()-]{0,2}\d){5,}/g, "«digits»").replace(/[0-9a-fA-F]{16,}/g, "«hex»");
  const start = Math.max(0, firstMark - context);
  const end = Math.min(redacted.length, firstMark + context * 2);
  return `${start > 0 ? "…" : ""}${redacted.slice(start, end)}${end < redacted.length ? "…" : ""}`;
}

export interface CaptureScan {
  findings: Finding[];
  linesBySource: Record<LogSource, number>;
  recordedByKind: Record<SensitiveKind, number>;
}

export function readSensitive(captureDir: string): SensitiveRecord[] {
  const folder = path.join(captureDir, sensitiveFolder);
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .flatMap((file) => fs.readFileSync(path.join(folder, file), "utf8").split("\n"))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SensitiveRecord);
}

export function scanCapture(captureDir: string): CaptureScan {
  const sensitive = readSensitive(captureDir);
  const scan = lineScanner(sensitive);
  const distinctValues = (kind: SensitiveKind) =>
    new Set(sensitive.filter((record) => record.kind === kind).map(({ value }) => value)).size;
  const recordedByKind = Object.fromEntries(sensitiveKinds.map((kind) => [kind, distinctValues(kind)])) as Record<SensitiveKind, number>;
  const linesBySource = Object.fromEntries(logSources.map((source) => [source, 0])) as Record<LogSource, number>;
  const findings: Finding[] = [];
  for (const source of logSources) {
    const folder = path.join(captureDir, source);
    if (!fs.existsSync(folder)) continue;
    for (const name of fs.readdirSync(folder)) {
      const lines = fs.readFileSync(path.join(folder, name), "utf8").split("\n");
      if (lines.at(-1) === "") lines.pop();
      linesBySource[source] += lines.length;
      lines.forEach((line, index) => {
        const found = scan(line, source);
        if (found) findings.push({ file: `${source}/${name}`, line: index + 1, ...found });
      });
    }
  }
  return { findings, linesBySource, recordedByKind };
}
