/** Runs a Lambda's extracted code package in its own Node process, as the Lambda runtime would. */
import { type ChildProcess, fork } from "node:child_process";
import * as path from "node:path";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { LineWriter } from "../plumbing/log";
import { captureOutput } from "./log-capture";

/** What a test hands one invocation besides its event. */
export interface Invocation {
  /** The time left in the invocation's budget, as the test's Lambda context gives it; the function's timeout otherwise. */
  remainingMs?: number;
  /** The time the function's clock stands at throughout the invocation, as the test's clock gives it; the real time otherwise. */
  now?: Date;
}

export interface DeployedFunction {
  /** An API Gateway event by default; a scheduled function's takes EventBridge's and answers its own shape. */
  invoke<Event = APIGatewayProxyEvent, Result = APIGatewayProxyResult>(event: Event, invocation?: Invocation): Promise<Result>;
  /** Every file the function's process has required so far, by absolute path. */
  loadedFiles(): Promise<string[]>;
  /** Everything the function wrote to stdout and stderr: its CloudWatch logs. */
  logs(): string;
  stop(): Promise<void>;
}

export interface DeployedFunctionOptions {
  /** Given each invocation's log lines (its stdout) before its answer; they are captured for the log scan either way. */
  writeLog?: LineWriter;
}

export async function startDeployedFunction(
  codeDir: string,
  env: Record<string, string>,
  { writeLog }: DeployedFunctionOptions = {},
): Promise<DeployedFunction> {
  // Only the function's own environment: nothing of the test process leaks in.
  const child: ChildProcess = fork(path.join(__dirname, "lambda-runtime.cjs"), [codeDir], {
    env: { PATH: process.env.PATH ?? "", ...env },
    cwd: codeDir,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  // A writeLog given captures the lines itself (testkit/log-capture.ts's capturing).
  if (!writeLog) captureOutput("deployed-function", child.stdout!);
  captureOutput("deployed-function", child.stderr!);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  type Reply = { result?: APIGatewayProxyResult; error?: string; loaded?: string[]; logs?: string[] };
  const pending = new Map<number, (message: Reply) => void>();
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`function exited with ${code} before it was ready:\n${output}`)));
    child.on("message", (message: Reply & { ready?: boolean; id?: number }) => {
      if (message.ready) resolve();
      else if (message.id !== undefined) pending.get(message.id)?.(message);
    });
  });
  // A function that dies mid-invocation answers each waiting invocation with its exit.
  child.once("exit", (code, signal) => {
    for (const settle of pending.values()) settle({ error: `nothing: the function exited (${code ?? signal})` });
  });
  let nextId = 0;
  const ask = (message: object) =>
    new Promise<Reply>((resolve) => {
      const id = nextId++;
      pending.set(id, (reply) => {
        pending.delete(id);
        resolve(reply);
      });
      child.send({ id, ...message });
    });
  return {
    async invoke<Event, Result>(event: Event, { remainingMs, now }: Invocation = {}) {
      const { result, error, logs } = await ask({ event, remainingMs, now: now?.toISOString() });
      for (const line of logs ?? []) writeLog?.(line);
      if (!result) throw new Error(`handler threw ${error}`);
      return result as Result;
    },
    loadedFiles: async () => (await ask({ loadedFiles: true })).loaded!,
    logs: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
