/**
 * The Twilio, SSM, DynamoDB and GoCardless stand-ins in a Node process of their own, as the real
 * services are not inside the Lambda container: their request handling and garbage collection then
 * fall neither on the function's process nor on the bench's (which holds the program run under
 * mocks). Parameter Store holds two stacks' settings on one table: the dev stack's, taking no
 * payments, and the same club's taking them through GoCardless (its provider's secret beside
 * Twilio's), as testkit/payment-services.ts stands such a stack in. Sends the handlers' environments
 * to its parent once serving; exits when the parent disconnects.
 */
import { fork } from "node:child_process";
import type { Event } from "gocardless-nodejs";
import { environmentVariables } from "../config/settings";
import { startGoCardlessStandIn } from "../local/stand-ins/gocardless/stand-in";
import {
  clubSettings,
  cursorKeySecretName,
  parameterPath,
  settingsParameters,
  testCredentials,
  testCursorKey,
  twilioSecretName,
} from "../testkit/fixtures";
import { startLocalServices } from "../testkit/local-services";
import { goCardlessSecrets, paymentSecretName, paymentSettings } from "../testkit/payment-services";
import { frontWithTls, makeSelfSignedCertificate } from "./tls-front";

/** Where the stack taking payments keeps its settings: the dev stack's, GoCardless's sandbox named, ten monthly payments. */
const paymentsParameterPath = "/signon/urmston/payments";

export interface StandInsProcess {
  /** The handlers' environment, reaching the stand-ins over plain HTTP. */
  env: Record<string, string>;
  /** The same for the stack taking payments: its settings' path, its provider's secret, and GoCardless at the stand-in. */
  paymentsEnv: Record<string, string>;
  /** The same stand-ins over HTTPS, when asked for. */
  tlsEnv?: Record<string, string>;
  /** The code Twilio Verify's stand-in last sent to `tel` and still pending, as its WhatsApp shows it. */
  verifyCodeSentTo(tel: string): Promise<string | undefined>;
  /**
   * The parent completes the flow's page at the GoCardless stand-in (the billing request fulfilled
   * with a payment and a mandate); the events GoCardless makes of it, posted nowhere.
   */
  pay(flowId: string): Promise<Event[]>;
  close(): Promise<void>;
}

type Serving = Pick<StandInsProcess, "env" | "paymentsEnv" | "tlsEnv">;
/** Asked of the stand-ins' process, and its answers. */
type Question = { verifyCodeSentTo: string } | { pay: string };
type Answer = { tel: string; code: string | undefined } | { flowId: string; events: Event[] };

/** Forks this file as the stand-ins' process and waits until it serves. */
export async function startStandInsProcess(options: { tls?: boolean } = {}): Promise<StandInsProcess> {
  const child = fork(__filename, [], {
    execArgv: ["-r", "ts-node/register"],
    // The fixtures draw the test account and GoCardless's secrets at random in each process: the stand-ins take the bench's.
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: "true",
      SIGNON_BENCH_ACCOUNT: JSON.stringify(testCredentials),
      SIGNON_BENCH_GOCARDLESS: JSON.stringify(goCardlessSecrets),
      SIGNON_BENCH_TLS: options.tls ? "1" : "",
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  // A listener per question in flight: the bench asks for many payments at once.
  child.setMaxListeners(0);
  const serving = await new Promise<Serving>((resolve, reject) => {
    child.once("message", (message) => resolve(message as Serving));
    child.once("exit", (code) => reject(new Error(`the stand-ins' process exited with ${code} before serving`)));
  });
  const ask = <A extends Answer>(question: Question, isAnswer: (answer: Answer) => answer is A) =>
    new Promise<A>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the stand-ins' process exited with ${code} before answering`));
      const answered = (message: Answer) => {
        if (!isAnswer(message)) return;
        child.off("message", answered);
        child.off("exit", exited);
        resolve(message);
      };
      child.on("message", answered);
      child.once("exit", exited);
      child.send(question);
    });
  return {
    ...serving,
    verifyCodeSentTo: async (tel) =>
      (
        await ask(
          { verifyCodeSentTo: tel },
          (answer): answer is { tel: string; code: string | undefined } => "tel" in answer && answer.tel === tel,
        )
      ).code,
    pay: async (flowId) =>
      (
        await ask(
          { pay: flowId },
          (answer): answer is { flowId: string; events: Event[] } => "flowId" in answer && answer.flowId === flowId,
        )
      ).events,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

async function serve(): Promise<void> {
  const account = JSON.parse(process.env.SIGNON_BENCH_ACCOUNT!) as typeof testCredentials;
  const goCardlessAccount = JSON.parse(process.env.SIGNON_BENCH_GOCARDLESS!) as typeof goCardlessSecrets;
  const services = await startLocalServices(
    {
      parameters: {
        ...settingsParameters(parameterPath, clubSettings),
        ...settingsParameters(paymentsParameterPath, { ...paymentSettings, subscriptionMonths: "10" }),
      },
      secrets: {
        [twilioSecretName]: JSON.stringify(account),
        [cursorKeySecretName]: testCursorKey,
        [paymentSecretName]: JSON.stringify(goCardlessAccount),
      },
    },
    account,
  );
  // Without a webhook URL its events are kept, not posted: the bench sends them to the function itself.
  const goCardless = await startGoCardlessStandIn(goCardlessAccount);
  const paymentsEnv = {
    ...services.env,
    [environmentVariables.parameterPath]: paymentsParameterPath,
    [environmentVariables.paymentSecretName]: paymentSecretName,
    [environmentVariables.goCardlessApiBaseUrl]: goCardless.url,
  };
  const certificate = process.env.SIGNON_BENCH_TLS ? makeSelfSignedCertificate() : undefined;
  const tls = certificate && (await frontWithTls(services.env, certificate));
  process.once("disconnect", async () => {
    await tls?.close();
    certificate?.remove();
    await Promise.all([services.close(), goCardless.close()]);
    process.exit(0);
  });
  process.on("message", async (message: Question) => {
    if ("pay" in message) {
      // A flow the bench made that cannot be paid is the bench's mistake: the process ends, and the bench with it.
      const events = await goCardless.pay(message.pay).catch((error: Error) => {
        console.error(error.message);
        process.exit(1);
      });
      process.send!({ flowId: message.pay, events } satisfies Answer);
      return;
    }
    const tel = message.verifyCodeSentTo;
    process.send!({ tel, code: services.twilio.verify.codeSentTo(tel) } satisfies Answer);
  });
  process.send!({ env: services.env, paymentsEnv, tlsEnv: tls?.env } satisfies Serving);
}

if (require.main === module) {
  serve().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
