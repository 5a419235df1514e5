/**
 * The Twilio, SSM and DynamoDB stand-ins in a Node process of their own, as the real services are not
 * inside the Lambda container: their request handling and garbage collection then fall
 * neither on the function's process nor on the bench's (which holds the program run under
 * mocks). Sends the handlers' environment to its parent once serving; exits when the parent
 * disconnects.
 */
import { fork } from "node:child_process";
import { testCredentials } from "../testkit/fixtures";
import { startLocalServices } from "../testkit/local-services";
import { frontWithTls, makeSelfSignedCertificate } from "./tls-front";

export interface StandInsProcess {
  /** The handlers' environment, reaching the stand-ins over plain HTTP. */
  env: Record<string, string>;
  /** The same stand-ins over HTTPS, when asked for. */
  tlsEnv?: Record<string, string>;
  /** The code Twilio Verify's stand-in last sent to `tel` and still pending, as its WhatsApp shows it. */
  verifyCodeSentTo(tel: string): Promise<string | undefined>;
  close(): Promise<void>;
}

type Serving = Pick<StandInsProcess, "env" | "tlsEnv">;
/** Asked of the stand-ins' process, and its answer. */
type CodeQuestion = { verifyCodeSentTo: string };
type CodeAnswer = { tel: string; code: string | undefined };

/** Forks this file as the stand-ins' process and waits until it serves. */
export async function startStandInsProcess(options: { tls?: boolean } = {}): Promise<StandInsProcess> {
  const child = fork(__filename, [], {
    execArgv: ["-r", "ts-node/register"],
    // The fixtures draw the test account at random in each process: the stand-ins take the bench's.
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: "true",
      SIGNON_BENCH_ACCOUNT: JSON.stringify(testCredentials),
      SIGNON_BENCH_TLS: options.tls ? "1" : "",
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const serving = await new Promise<Serving>((resolve, reject) => {
    child.once("message", (message) => resolve(message as Serving));
    child.once("exit", (code) => reject(new Error(`the stand-ins' process exited with ${code} before serving`)));
  });
  return {
    ...serving,
    verifyCodeSentTo: (tel) =>
      new Promise((resolve) => {
        const answered = (message: unknown) => {
          if ((message as CodeAnswer).tel !== tel) return;
          child.off("message", answered);
          resolve((message as CodeAnswer).code);
        };
        child.on("message", answered);
        child.send({ verifyCodeSentTo: tel } satisfies CodeQuestion);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

async function serve(): Promise<void> {
  const services = await startLocalServices({}, JSON.parse(process.env.SIGNON_BENCH_ACCOUNT!) as typeof testCredentials);
  const certificate = process.env.SIGNON_BENCH_TLS ? makeSelfSignedCertificate() : undefined;
  const tls = certificate && (await frontWithTls(services.env, certificate));
  process.once("disconnect", async () => {
    await tls?.close();
    certificate?.remove();
    await services.close();
    process.exit(0);
  });
  process.on("message", (message: CodeQuestion) => {
    const tel = message.verifyCodeSentTo;
    process.send!({ tel, code: services.twilio.verify.codeSentTo(tel) } satisfies CodeAnswer);
  });
  process.send!({ env: services.env, tlsEnv: tls?.env } satisfies Serving);
}

if (require.main === module) {
  serve().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
