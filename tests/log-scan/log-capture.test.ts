/** The log capture itself: console output, child processes and handlers' writeLog all reach the capture folder. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { captureDirVariable, captureOutput, capturing, recordSensitive } from "../../testkit/log-capture";
import { readSensitive } from "./log-scanner";

const thisFile = path.basename(__filename);
let captureDir: string;
let runCaptureDir: string | undefined;
beforeEach(() => {
  // A folder of this test's own, so these lines stay out of the suite's capture.
  runCaptureDir = process.env[captureDirVariable];
  captureDir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-log-capture-"));
  process.env[captureDirVariable] = captureDir;
});
afterEach(() => {
  if (runCaptureDir === undefined) delete process.env[captureDirVariable];
  else process.env[captureDirVariable] = runCaptureDir;
});

const captured = (source: string) => fs.readFileSync(path.join(captureDir, source, `${thisFile}.log`), "utf8");

describe("the log capture", () => {
  it("copies what a test writes with console.*, formatted, under the test file's name", () => {
    console.log("console check %s", "formatted", { n: 1 });
    console.warn("console warning");
    expect(captured("console")).toBe("console check formatted { n: 1 }\nconsole warning\n");
  });

  it("copies a child process's stdout and stderr line by line, the last line without its newline too", async () => {
    const child = spawn(process.execPath, [
      "-e",
      'process.stdout.write("one\\ntwo\\nthr"); process.stdout.write("ee"); process.stderr.write("four\\n")',
    ]);
    captureOutput("program", child.stdout);
    captureOutput("program", child.stderr);
    await new Promise((resolve) => child.once("close", resolve));
    expect(captured("program").split("\n").sort()).toEqual(["", "four", "one", "three", "two"]);
  });

  it("tees a handler's writeLog: the test keeps its lines and the capture gets them", () => {
    const lines: string[] = [];
    const writeLog = capturing((line) => lines.push(line));
    writeLog('{"level":"info","event":"request_done"}');
    expect(lines).toEqual(['{"level":"info","event":"request_done"}']);
    expect(captured("handler")).toBe('{"level":"info","event":"request_done"}\n');
  });

  it("records sensitive values apart from the logs, skipping absent ones", () => {
    recordSensitive("name", ["Poppy", undefined, ""]);
    expect(readSensitive(captureDir)).toEqual([{ kind: "name", value: "Poppy" }]);
    expect(fs.readdirSync(captureDir)).toEqual(["sensitive"]);
  });

  it("writes nothing when no run has set a capture folder (the bench shares these helpers)", () => {
    delete process.env[captureDirVariable];
    console.log("outside a run");
    recordSensitive("name", ["Poppy"]);
    expect(fs.readdirSync(captureDir)).toEqual([]);
  });
});
