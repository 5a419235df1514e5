/**
 * Issue 4, item 6: after the whole suite (this project runs last, see vitest.config.mts), the
 * captured logs hold no auth token, account SID, API key, full phone number, name or message body,
 * and every handler log line keeps to plumbing/log.ts's fields.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { captureDirVariable, type LogSource, type SensitiveKind } from "../../testkit/log-capture";
import { type CaptureScan, scanCapture } from "./log-scanner";

/** Each source the suite logs through, and what produces it: none may be empty, or the scan proves nothing. */
const expectedSources: Partial<Record<LogSource, string>> = {
  handler: "handlers' writeLog in tests (capturing)",
  "npm-start": "npm start children, after start-up",
  "npm-start-banner": "npm start children, at start-up",
  program: "the Pulumi program under mocks",
  "deployed-function": "the deployed Lambda code in its own process",
  "invite-cli": "npm run invite children, sending",
  "invite-cli-sheet": "npm run invite children, dry runs and sheet problems",
  "reapply-erasures-cli": "npm run reapply-erasures children",
};

let scan: CaptureScan;
beforeAll(() => {
  const captureDir = process.env[captureDirVariable];
  if (!captureDir) throw new Error(`${captureDirVariable} is unset: the log scan reads what the whole suite logged; run it with npm test`);
  scan = scanCapture(captureDir);
  console.info(`log scan: ${JSON.stringify(scan.linesBySource)} lines; recorded values ${JSON.stringify(scan.recordedByKind)}`);
});

describe("the logs captured from the whole suite", () => {
  it("come from every source the suite logs through", () => {
    const empty = Object.entries(expectedSources).filter(([source]) => scan.linesBySource[source as LogSource] === 0);
    expect(
      empty.map(([source, from]) => `no lines from ${from} (${source})`),
      "run the whole suite (npm test) before the log scan",
    ).toEqual([]);
  });

  it("are checked against every kind of sensitive value the suite handed to the code", () => {
    const unrecorded = Object.entries(scan.recordedByKind).filter(([, count]) => count === 0);
    expect(unrecorded.map(([kind]) => kind as SensitiveKind)).toEqual([]);
  });

  it("hold no credential, full phone number, name or message body, and only LogFields", () => {
    const shown = scan.findings
      .slice(0, 40)
      .map(({ file, line, problems, excerpt }) => `${file}:${line} ${problems.join(", ")}: ${excerpt}`);
    expect(shown, `${scan.findings.length} log lines leak`).toEqual([]);
  });
});
