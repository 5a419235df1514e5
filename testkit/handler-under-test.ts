/**
 * Handlers wired to the local stand-ins for a test file: the stand-ins start before the file's
 * tests and stop after; each handler gets their environment handed to it, as a Lambda's would
 * be, and a log writer the log scan also captures. Nothing goes through process.env.
 *
 * In the `package` project (vitest.config.mts) each builder returns, with the same signature, the
 * function's uploaded code package run in a process of its own (testkit/deployed-function.ts): the
 * program's environment for it with the test's wiring over it, its log lines handed to the
 * wiring's writeLog. Pulumi's serializer makes that code, and what the source does the package
 * may not (docs/reliability.md).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, inject } from "vitest";
import type { HandlerName } from "../config/names";
import type { SettingKey } from "../config/settings";
import { environmentVariables } from "../config/settings";
import { createBoardHandler } from "../handlers/board/board-handler";
import { functions } from "../handlers/functions";
import { createPaymentsHandler, type PaymentsDependencies } from "../handlers/payments";
import { createRegistrationsHandler, type RegistrationsDependencies } from "../handlers/registrations";
import { createRemindersHandler, type RemindersHandler } from "../handlers/reminders";
import { createStatusHandler, type StatusDependencies } from "../handlers/status";
import { createTriggerHandler, type TriggerHandler } from "../handlers/trigger";
import { createWebhookHandler, type WebhookDependencies, type WebhookHandler } from "../handlers/webhook";
import { type GoCardlessStandIn, startGoCardlessStandIn } from "../local/stand-ins/gocardless/stand-in";
import type { ProxyHandler, RemainingTime } from "../plumbing/api-gateway-event";
import type { LineWriter } from "../plumbing/log";
import { createMessagesClient, type MessagesClientOptions } from "../twilio/messages-client";
import { type DeployedFunction, startDeployedFunction } from "./deployed-function";
import { parameterPath, settingsParameters } from "./fixtures";
import { type LocalServices, type SsmContents, startLocalServices } from "./local-services";
import { capturing, recordSensitive } from "./log-capture";
import { goCardlessSecrets, paymentSecretName, paymentSettings, paymentStackSecrets } from "./payment-services";

/** Each function's uploaded code and the environment the program gives it (tests/setup/packaged-functions.ts). */
export type PackagedFunctions = Record<HandlerName, { codeDir: string; env: Record<string, string> }>;

declare module "vitest" {
  export interface ProvidedContext {
    /** Provided in the `package` project only. */
    packagedFunctions?: PackagedFunctions;
  }
}

const packaged = inject("packagedFunctions");

/** The builders below run the uploaded packages: a test that needs what cannot reach another process skips with this. */
export const testsThePackage = packaged !== undefined;

/** What a handler under test is built with. */
export interface TestWiring {
  /** The stand-ins' endpoints, made-up AWS credentials and the function's own variables. */
  env: Record<string, string>;
  writeLog: LineWriter;
}

/** Retries that take milliseconds, not seconds. */
export const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

/** A Lambda context with the trigger's whole budget left. */
export const lambdaContext = { getRemainingTimeInMillis: () => 20_000 };

export const bodyOf = (response: APIGatewayProxyResult) => JSON.parse(response.body) as Record<string, any>;

/** The trigger on `wiring`, its Twilio client sending to the stand-in's URL unless `client` says otherwise. */
export function testTrigger({ env, writeLog }: TestWiring, client: MessagesClientOptions = {}): TriggerHandler {
  // The package retries Twilio by its own policy: slower, the same outcome.
  const { retry: _retry, ...crossing } = client;
  if (packaged) return packagedFunction("trigger", { env, writeLog }, crossing);
  return createTriggerHandler(functions.trigger, {
    env,
    writeLog,
    messagesClient: createMessagesClient({ apiBaseUrl: env.TWILIO_API_BASE_URL, ...client }),
  });
}

/** The webhook on `wiring`; `dependencies` replace its defaults (its clock, say). */
export function testWebhook({ env, writeLog }: TestWiring, dependencies: Partial<WebhookDependencies> = {}): WebhookHandler {
  if (packaged) return packagedFunction("webhook", { env, writeLog }, dependencies);
  return createWebhookHandler(functions.webhook, { env, writeLog, ...dependencies });
}

/** The status callbacks on `wiring`; `dependencies` replace its defaults. */
export function testStatus({ env, writeLog }: TestWiring, dependencies: Partial<StatusDependencies> = {}): ProxyHandler {
  if (packaged) return packagedFunction("status", { env, writeLog }, dependencies);
  return createStatusHandler(functions.status, { env, writeLog, ...dependencies });
}

/** The export and erasure on `wiring`; `dependencies` replace its defaults. */
export function testExport({ env, writeLog }: TestWiring, dependencies: Partial<RegistrationsDependencies> = {}): ProxyHandler {
  if (packaged) return packagedFunction("export", { env, writeLog }, dependencies);
  return createRegistrationsHandler(functions.export, { env, writeLog, ...dependencies });
}

/** The board on `wiring`, with its clock (the one thing that crosses into the uploaded package) when a test moves time. */
export function testBoard({ env, writeLog }: TestWiring, dependencies: { clock?: () => Date } = {}): ProxyHandler {
  if (packaged) return packagedFunction("board", { env, writeLog }, dependencies);
  return createBoardHandler(functions.board, { env, writeLog, ...dependencies });
}

/** GoCardless's webhook and the thank-you page on `wiring`; `dependencies` replace its defaults. */
export function testPayments({ env, writeLog }: TestWiring, dependencies: Partial<PaymentsDependencies> = {}): ProxyHandler {
  if (packaged) return packagedFunction("payment", { env, writeLog }, dependencies);
  return createPaymentsHandler(functions.payment, { env, writeLog, ...dependencies });
}

/** The reminders' scheduled run on `wiring`. */
export function testReminders({ env, writeLog }: TestWiring): RemindersHandler {
  if (packaged) return packagedFunction("remind", { env, writeLog });
  return createRemindersHandler(functions.remind, { env, writeLog });
}

/** The packages' processes: those built in a test stop after it, those built before the tests after the file. */
const packageProcesses: { builtInTest: boolean; stop(): Promise<void> }[] = [];
let inTest = false;
async function stopPackageProcesses(which: (running: { builtInTest: boolean }) => boolean) {
  const stopping = packageProcesses.filter(which);
  packageProcesses.splice(0, packageProcesses.length, ...packageProcesses.filter((running) => !which(running)));
  await Promise.all(stopping.map((running) => running.stop()));
}
if (packaged) {
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    await stopPackageProcesses((running) => running.builtInTest);
  });
  afterAll(() => stopPackageProcesses(() => true));
}

/**
 * `name`'s package on `wiring`, started at its first invocation. Of what the source handler
 * would be given, only a clock crosses into the package's process, read once per invocation (the
 * package's clock stands at that time throughout it); anything else cannot, and its test must
 * skip in the package project (testsThePackage).
 */
function packagedFunction<Event = APIGatewayProxyEvent, Result = APIGatewayProxyResult>(
  name: HandlerName,
  { env, writeLog }: TestWiring,
  dependencies: object = {},
): (event: Event, context?: RemainingTime) => Promise<Result> {
  const { clock, ...uncrossable } = dependencies as { clock?: () => Date };
  const cannotCross = Object.keys(uncrossable);
  if (cannotCross.length > 0)
    throw new Error(`${cannotCross.join(", ")} cannot be given to the uploaded ${name} package: skip this test there (testsThePackage)`);
  const { codeDir, env: programEnv } = packaged![name];
  const timeoutMs = String(functions[name].timeoutSeconds * 1000);
  let started: Promise<DeployedFunction> | undefined;
  packageProcesses.push({
    builtInTest: inTest,
    async stop() {
      const running = started;
      started = undefined;
      await (await running)?.stop();
    },
  });
  return async (event, context) => {
    started ??= startDeployedFunction(codeDir, { ...programEnv, ...env, LAMBDA_TIMEOUT_MS: timeoutMs }, { writeLog });
    return (await started).invoke<Event, Result>(event, { remainingMs: context?.getRemainingTimeInMillis(), now: clock?.() });
  };
}

export interface StandInsForFile {
  services(): LocalServices;
  /** The stand-ins' environment and the file's log writer. */
  wiring(): TestWiring;
  /** Every line the file's handlers logged through `wiring().writeLog`; empty it with `logLines.length = 0`. */
  logLines: string[];
}

/** Starts the stand-ins before the file's tests and stops them after; Parameter Store holding `contents` when given. */
export function standInsForFile(contents: SsmContents = {}): StandInsForFile {
  const logLines: string[] = [];
  const writeLog = capturing((line) => logLines.push(line));
  let services: LocalServices | undefined;
  beforeAll(async () => {
    services = await startLocalServices(contents);
  });
  afterAll(async () => {
    await services?.close();
  });
  return { services: () => services!, wiring: () => ({ env: services!.env, writeLog }), logLines };
}

export interface HandlerUnderTest<H> extends Omit<StandInsForFile, "wiring"> {
  /** Calls the handler built for this file. */
  handler: H;
}

/** The stand-ins for this file, and one handler built on them once they serve. */
export function handlerUnderTest<H extends (...args: never[]) => unknown>(create: (wiring: TestWiring) => H): HandlerUnderTest<H> {
  const { services, wiring, logLines } = standInsForFile();
  let built: H | undefined;
  beforeAll(() => {
    built = create(wiring());
  });
  return {
    handler: ((...args: Parameters<H>) => built!(...args)) as H,
    logLines,
    services,
  };
}

export interface PaymentStandIns {
  services(): LocalServices;
  goCardless(): GoCardlessStandIn;
  wiring(): TestWiring;
  logLines: string[];
  /** Sets GoCardless's clock (a flow expires seven days after it is made); undefined: the real one. */
  setGoCardlessNow(now: Date | undefined): void;
}

/**
 * The stand-ins for a stack that takes payments through GoCardless (payment-services.ts), and the
 * GoCardless stand-in GOCARDLESS_API_BASE_URL points at, on a clock a test may move; started before
 * the file's tests with `settings` and stopped after.
 */
export function paymentStandInsForFile(settings: Record<SettingKey, string> = paymentSettings): PaymentStandIns {
  const logLines: string[] = [];
  const writeLog = capturing((line) => logLines.push(line));
  let services: LocalServices | undefined;
  let goCardless: GoCardlessStandIn | undefined;
  let goCardlessNow: Date | undefined;
  beforeAll(async () => {
    recordSensitive("API key", [goCardlessSecrets.accessToken, goCardlessSecrets.webhookSecret]);
    services = await startLocalServices({ parameters: settingsParameters(parameterPath, settings), secrets: paymentStackSecrets });
    goCardless = await startGoCardlessStandIn({ ...goCardlessSecrets, now: () => goCardlessNow ?? new Date() });
  });
  afterAll(async () => {
    await Promise.all([services?.close(), goCardless?.close()]);
  });
  const env = () => ({
    ...services!.env,
    [environmentVariables.paymentSecretName]: paymentSecretName,
    [environmentVariables.goCardlessApiBaseUrl]: goCardless!.url,
  });
  return {
    services: () => services!,
    goCardless: () => goCardless!,
    wiring: () => ({ env: env(), writeLog }),
    logLines,
    setGoCardlessNow: (now) => {
      goCardlessNow = now;
    },
  };
}
