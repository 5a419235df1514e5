/** Runs a Lambda's extracted code package in its own Node process, as the Lambda runtime would. */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

export interface DeployedFunction {
  invoke(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult>;
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
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const pending = new Map<number, (message: { result?: APIGatewayProxyResult; error?: string }) => void>();
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`function exited with ${code} before it was ready:\n${output}`)));
    child.on("message", (message: { ready?: boolean; id?: number; result?: APIGatewayProxyResult; error?: string }) => {
      if (message.ready) resolve();
      else if (message.id !== undefined) pending.get(message.id)?.(message);
    });
  });
  let nextId = 0;
  return {
    invoke(event) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, ({ result, error }) => (result ? resolve(result) : reject(new Error(`handler threw ${error}`))));
        child.send({ id, event });
      });
    },
    logs: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners("exit");
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
