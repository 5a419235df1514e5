/**
 * vitest global setup: one capture folder per `vitest run`, test-output/logs/run-<pid of vitest>,
 * made empty at the start of the run and named in the environment every worker inherits. Other
 * runs' folders are cleared too, unless that vitest is still running: other engineers run tests
 * in this working tree at the same time, and their runs must not lose their logs to ours.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { captureDirVariable } from "../../testkit/log-capture";

const logsRoot = path.resolve(__dirname, "../../test-output/logs");
const runFolder = /^run-(\d+)$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export default function startLogCapture(): void {
  const ours = path.join(logsRoot, `run-${process.pid}`);
  // Each project that captures runs this setup: only the first of the run empties the folder.
  if (process.env[captureDirVariable] === ours) return;
  for (const entry of fs.existsSync(logsRoot) ? fs.readdirSync(logsRoot) : []) {
    const pid = runFolder.exec(entry)?.[1];
    const folder = path.join(logsRoot, entry);
    if (folder === ours || !pid || !isRunning(Number(pid))) fs.rmSync(folder, { recursive: true, force: true });
  }
  fs.mkdirSync(ours, { recursive: true });
  // Workers are started after global setup, with this process's environment.
  process.env[captureDirVariable] = ours;
}
