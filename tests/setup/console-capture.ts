/**
 * vitest setup file: runs before each test file (each in a process of its own, vitest's
 * isolation), after vitest has installed its own console, and copies whatever the test file and
 * the code it loads write with console.* into the log capture, and records the fixtures' sensitive
 * values for the log scan. A test needs no change to be covered.
 */
import { format } from "node:util";
import { expect } from "vitest";
import { recordFixtureValues } from "../../testkit/fixtures";
import { captureForTestFile, captureLine } from "../../testkit/log-capture";

captureForTestFile(expect.getState().testPath ?? "unknown test file");
recordFixtureValues();

for (const name of ["log", "info", "warn", "error", "debug", "trace"] as const) {
  const original = console[name];
  console[name] = (...args: unknown[]) => {
    captureLine("console", format(...args));
    original.apply(console, args);
  };
}
