/** `npm start` as a volunteer runs it: a child process, read until it says it is ready. */
import { spawn } from "node:child_process";
import * as os from "node:os";
import { localDefaults } from "../local/options";
import { projectRoot } from "../local/stack-file";
import { captureLine, captureOutput, recordSensitive } from "./log-capture";

export interface RunningSignon {
  url: string;
  /** Everything printed on stdout so far, line by line. */
  lines: string[];
  /** The JSON log lines among them. */
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface ExitedSignon {
  exitCode: number | null;
  stderr: string;
}

function npmStart(args: string[], env: Record<string, string>) {
  recordSensitive("API key", [env.SIGNON_API_KEY ?? localDefaults.SIGNON_API_KEY]);
  recordSensitive("API key", [env.SIGNON_EXPORT_API_KEY ?? localDefaults.SIGNON_EXPORT_API_KEY]);
  recordSensitive("account SID", [env.TWILIO_ACCOUNT_SID]);
  recordSensitive("auth token", [env.TWILIO_AUTH_TOKEN]);
  // GoCardless's secrets are credentials as Twilio's token is: the log scan looks for them too.
  recordSensitive("auth token", [env.GOCARDLESS_ACCESS_TOKEN, env.GOCARDLESS_WEBHOOK_SECRET]);
  const child = spawn("npm", ["start", "--silent", "--", ...args], {
    cwd: projectRoot,
    // A port of the system's choosing, and nothing inherited that could point signon elsewhere.
    env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), PORT: "0", ...env },
    // Its own process group, so stopping it stops node as well as npm.
    detached: true,
  });
  captureOutput("npm-start", child.stderr);
  return child;
}

export function startSignon(env: Record<string, string> = {}, args: string[] = [], readyWithinMs = 20_000): Promise<RunningSignon> {
  const child = npmStart(args, env);
  const lines: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start was not ready within ${readyWithinMs} ms:\n${lines.join("\n")}\n${stderr}`)),
      readyWithinMs,
    );
    let partial = "";
    let ready = false;
    child.stdout.on("data", (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const complete = text.split("\n");
      partial = complete.pop() ?? "";
      for (const line of complete) {
        lines.push(line);
        captureLine(ready ? "npm-start" : "npm-start-banner", line);
        const readyAt = /^signon is ready at (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
        if (!readyAt) continue;
        ready = true;
        clearTimeout(timer);
        resolve({
          url: readyAt[1],
          lines,
          logs: () => lines.filter((entry) => entry.startsWith("{")).map((entry) => JSON.parse(entry) as Record<string, unknown>),
          stop: async () => {
            process.kill(-child.pid!, "SIGTERM");
            await exited;
          },
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${stderr}`));
    });
  });
}

/** `npm start` behind the invite key `apiKey`, sending through a Twilio stand-in the test holds, with that stand-in's account. */
export function startSignonSendingTo(
  twilio: { url: string },
  account: { accountSid: string; authToken: string },
  apiKey: string,
): Promise<RunningSignon> {
  return startSignon({
    SIGNON_API_KEY: apiKey,
    TWILIO_ACCOUNT_SID: account.accountSid,
    TWILIO_AUTH_TOKEN: account.authToken,
    TWILIO_API_BASE_URL: twilio.url,
  });
}

/** Runs `npm start` expecting it to refuse to start. */
export function signonRefusing(env: Record<string, string>, args: string[] = []): Promise<ExitedSignon> {
  const child = npmStart(args, env);
  captureOutput("npm-start", child.stdout);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("exit", (exitCode) => resolve({ exitCode, stderr })));
}

/** POST /trigger as a secretary's script sends it: the invite as JSON, with `headers` (the API key, or not). */
export function postInvite(baseUrl: string, invite: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${baseUrl}/trigger`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(invite),
  });
}
