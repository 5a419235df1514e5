/** `npm run invite` as a secretary runs it: a child process in the project folder, read to the end. */
import { spawn } from "node:child_process";
import * as os from "node:os";
import { projectRoot } from "../local/stack-file";
import { captureOutput, type LogSource } from "./log-capture";

export interface InviteRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run invite -- <args>` with nothing from this process's environment but PATH (unless
 * `env` sets it), so SIGNON_URL and SIGNON_API_KEY are only what the test gives. Its output goes to
 * the log capture under `source`: a dry run shows the sheet's own numbers, so it goes to `invite-cli-sheet`.
 */
export function runInvite(args: string[], env: Record<string, string> = {}, source: LogSource = "invite-cli"): Promise<InviteRun> {
  const child = spawn("npm", ["run", "--silent", "invite", "--", ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), ...env },
  });
  captureOutput(source, child.stdout);
  captureOutput(source, child.stderr);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (exitCode) => resolve({ exitCode, stdout, stderr })));
}
