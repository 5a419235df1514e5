/** Runs index.ts under Pulumi mocks in a child process (see program-under-mocks.ts). */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot, stackFileValues } from "../local/stack-file";
import { captureOutput, recordSensitive } from "./log-capture";
import type { RecordedResource } from "./program-under-mocks";

export interface ProgramResult {
  resources: RecordedResource[];
  outputs: Record<string, { value: unknown; secret: boolean }>;
}

export type ProgramRun = { ok: true; result: ProgramResult; outDir: string } | { ok: false; exitCode: number | null; stderr: string };

export interface StackConfigInput {
  stack: string;
  /** `signon:` keys without the namespace, and `aws:region`, as in a Pulumi.<stack>.yaml. */
  values: Record<string, unknown>;
  secrets: Record<string, string>;
}

/** A committed stack file's config, with the secrets a volunteer would set beside it. */
export function stackFileConfig(stack: string, secrets: Record<string, string>): StackConfigInput {
  return { stack, values: stackFileValues(stack), secrets };
}

export interface RunOptions {
  extractCode?: boolean;
  /** Another checkout of signon to run instead of this one (the bench's straightforward variant). */
  root?: string;
  /** Where that checkout keeps its copy of program-under-mocks.ts, relative to `root`. */
  harness?: string;
}

export function runProgram(
  input: StackConfigInput,
  { extractCode = false, root = projectRoot, harness = "testkit/program-under-mocks.ts" }: RunOptions = {},
): Promise<ProgramRun> {
  recordSensitive("account SID", [input.secrets.twilioAccountSid]);
  recordSensitive("auth token", [input.secrets.twilioAuthToken]);
  recordSensitive("API key", [input.secrets.apiKey]);
  recordSensitive("API key", [input.secrets.exportApiKey]);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `signon-${input.stack}-`));
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...input.values, ...input.secrets })) {
    const fullKey = key.includes(":") ? key : `signon:${key}`;
    config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const run = {
    stack: input.stack,
    config,
    secretKeys: Object.keys(input.secrets).map((key) => `signon:${key}`),
    outDir,
    extractCode,
  };
  const child = spawn(process.execPath, ["-r", "ts-node/register", path.join(root, harness)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), TS_NODE_TRANSPILE_ONLY: "true", SIGNON_MOCK_RUN: JSON.stringify(run) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Reading the output also keeps the child's pipes from filling up.
  captureOutput("program", child.stdout);
  captureOutput("program", child.stderr);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.on("exit", (exitCode) => {
      if (exitCode !== 0) return resolve({ ok: false, exitCode, stderr });
      const result = JSON.parse(fs.readFileSync(path.join(outDir, "result.json"), "utf8")) as ProgramResult;
      resolve({ ok: true, result, outDir });
    });
  });
}

export function resourcesOfType(result: ProgramResult, type: string): RecordedResource[] {
  return result.resources.filter((resource) => resource.type === type);
}

export function resourceNamed(result: ProgramResult, type: string, name: string): RecordedResource {
  const found = result.resources.find((resource) => resource.type === type && resource.name === name);
  if (!found) throw new Error(`no ${type} named ${name}; have ${result.resources.map((r) => r.name).join(", ")}`);
  return found;
}
