/**
 * The Twilio and SSM stand-ins in a Node process of their own, as the real services are not
 * inside the Lambda container: their request handling and garbage collection then fall
 * neither on the function's process nor on the bench's (which holds the program run under
 * mocks). Sends the handlers' environment to its parent once serving; exits when the parent
 * disconnects.
 */
import { fork } from "node:child_process";
import { testCredentials } from "../testkit/fixtures";
import { startLocalServices } from "../testkit/local-services";

export interface StandInsProcess {
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Forks this file as the stand-ins' process and waits until it serves. */
export async function startStandInsProcess(): Promise<StandInsProcess> {
  const child = fork(__filename, [], {
    execArgv: ["-r", "ts-node/register"],
    // The fixtures draw the test account at random in each process: the stand-ins take the bench's.
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", SIGNON_BENCH_ACCOUNT: JSON.stringify(testCredentials) },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once("message", (message) => resolve(message as Record<string, string>));
    child.once("exit", (code) => reject(new Error(`the stand-ins' process exited with ${code} before serving`)));
  });
  return {
    env,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

if (require.main === module) {
  startLocalServices({}, JSON.parse(process.env.SIGNON_BENCH_ACCOUNT!) as typeof testCredentials).then(
    (services) => {
      process.once("disconnect", () => void services.close().then(() => process.exit(0)));
      process.send!(services.env);
    },
    (error: unknown) => {
      // The parent reports an exit before serving.
      console.error(error);
      process.exit(1);
    },
  );
}
