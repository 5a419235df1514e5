/** Runs a Lambda's extracted code package in its own Node process, as the Lambda runtime would. */
import { type ChildProcess, fork } from "node:child_process";
import * as path from "node:path";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { captureOutput } from "./log-capture";

export interface DeployedFunction {
  /** An API Gateway event by default; a scheduled function's takes EventBridge's and answers its own shape. */
  invoke<Event = APIGatewayProxyEvent, Result = APIGatewayProxyResult>(event: Event): Promise<Result>;
  /** Every file the function's process has required so far, by absolute path. */
  loadedFiles(): Promise<string[]>;
  /** Everything the function wrote to stdout and stderr: its CloudWatch logs. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startDeployedFunction(codeDir: string, env: Record<string, string>): Promise<DeployedFunction> {
  // Only the function's own environment: nothing of the test process leaks in.
  const child: ChildProcess = fork(path.join(__dirname, "lambda-runtime.cjs"), [codeDir], {
    env: { PATH: process.env.PATH ?? "", ...env },
    cwd: codeDir,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  captureOutput("deployed-function", child.stdout!);
  captureOutput("deployed-function", child.stderr!);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  type Reply = { result?: APIGatewayProxyResult; error?: string; loaded?: string[] };
  const pending = new Map<number, (message: Reply) => void>();
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`function exited with ${code} before it was ready:\n${output}`)));
    child.on("message", (message: Reply & { ready?: boolean; id?: number }) => {
      if (message.ready) resolve();
      else if (message.id !== undefined) pending.get(message.id)?.(message);
    });
  });
  let nextId = 0;
  const ask = (message: object) =>
    new Promise<Reply>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ id, ...message });
    });
  return {
    async invoke<Event, Result>(event: Event) {
      const { result, error } = await ask({ event });
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
