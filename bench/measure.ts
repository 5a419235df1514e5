/** Runs code packages in fresh Node processes, as Lambda containers, and times them. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { type CpuCgroup, commandInCgroup } from "./cpu-cgroup";

export interface ProcessReport {
  /** process.hrtime.bigint() once `__index.js` was loaded and the handler made, in ns. */
  readyAtNs: string;
  /** CPU time the process used until it had answered, in ms. */
  cpuMs: number;
  latenciesMs: number[];
  statuses: number[];
  maxRssKb: number;
  /** Every file the process required, by absolute path. */
  loaded: string[];
}

const runner = path.join(__dirname, "function-process.cjs");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "signon-bench-"));
let nextFile = 0;

/**
 * Starts a process that loads `codeDir` and answers `events`, and waits for it to exit.
 * Returns its report, the wall time from spawn to exit (for one event, the whole cold
 * invocation) and from spawn to the handler being ready (the cold start).
 * With `cgroup`, the process runs under that cgroup's CPU quota from its first instruction;
 * the wrapping shell's own start, about a millisecond outside the cgroup, is counted.
 */
export async function runFunctionProcess(
  codeDir: string,
  events: APIGatewayProxyEvent[],
  env: Record<string, string>,
  cgroup?: CpuCgroup,
): Promise<{ report: ProcessReport; wallMs: number; coldStartMs: number }> {
  const id = nextFile++;
  const eventsFile = path.join(scratch, `events-${id}.json`);
  const reportFile = path.join(scratch, `report-${id}.json`);
  fs.writeFileSync(eventsFile, JSON.stringify(events));
  const started = process.hrtime.bigint();
  const command = [process.execPath, runner, codeDir, eventsFile, reportFile];
  const [file, ...args] = cgroup ? commandInCgroup(cgroup, command) : command;
  const child = spawn(file, args, {
    cwd: codeDir,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (exitCode !== 0) throw new Error(`${codeDir} exited with ${exitCode}:\n${stderr}`);
  const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as ProcessReport;
  // GoCardless's webhook is answered 204, the rest 200.
  const failed = report.statuses.find((status) => status < 200 || status > 299);
  if (failed !== undefined) throw new Error(`${codeDir} answered ${failed}: the bench measures successful requests only`);
  return { report, wallMs, coldStartMs: Number(BigInt(report.readyAtNs) - started) / 1e6 };
}

export function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

export const median = (values: number[]) => percentile(values, 0.5);
