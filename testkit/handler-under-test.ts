/**
 * Handlers wired to the local stand-ins for a test file: the stand-ins start before the file's
 * tests and stop after; each handler gets their environment handed to it, as a Lambda's would
 * be, and a log writer the log scan also captures. Nothing goes through process.env.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { afterAll, beforeAll } from "vitest";
import { functions } from "../handlers/functions";
import { createTriggerHandler, type TriggerHandler } from "../handlers/trigger";
import { createWebhookHandler, type WebhookDependencies, type WebhookHandler } from "../handlers/webhook";
import type { LineWriter } from "../plumbing/log";
import { createMessagesClient, type MessagesClientOptions } from "../twilio/messages-client";
import { type LocalServices, startLocalServices } from "./local-services";
import { capturing } from "./log-capture";

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
  return createTriggerHandler(functions.trigger, {
    env,
    writeLog,
    messagesClient: createMessagesClient({ apiBaseUrl: env.TWILIO_API_BASE_URL, ...client }),
  });
}

/** The webhook on `wiring`; `dependencies` replace its defaults (its clock, say). */
export function testWebhook({ env, writeLog }: TestWiring, dependencies: Partial<WebhookDependencies> = {}): WebhookHandler {
  return createWebhookHandler(functions.webhook, { env, writeLog, ...dependencies });
}

export interface StandInsForFile {
  services(): LocalServices;
  /** The stand-ins' environment and the file's log writer. */
  wiring(): TestWiring;
  /** Every line the file's handlers logged through `wiring().writeLog`; empty it with `logLines.length = 0`. */
  logLines: string[];
}

/** Starts the stand-ins before the file's tests and stops them after. */
export function standInsForFile(): StandInsForFile {
  const logLines: string[] = [];
  const writeLog = capturing((line) => logLines.push(line));
  let services: LocalServices | undefined;
  beforeAll(async () => {
    services = await startLocalServices();
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
