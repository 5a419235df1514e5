/**
 * One handler wired to the local stand-ins for a test file: the stand-ins start before the
 * file's tests (the process environment pointed at them, as a Lambda's would be), the handler
 * is built once with a log writer the log scan also captures, and everything stops after.
 */
import { afterAll, beforeAll } from "vitest";
import type { LineWriter } from "../plumbing/log";
import { capturing } from "./log-capture";
import { startLocalServices, type LocalServices } from "./local-services";

export interface HandlerUnderTest<H> {
  /** Calls the handler built for this file. */
  handler: H;
  /** Every line the handler logged in this file; empty it with `logLines.length = 0`. */
  logLines: string[];
  services(): LocalServices;
}

export function handlerUnderTest<H extends (...args: never[]) => unknown>(create: (writeLog: LineWriter) => H): HandlerUnderTest<H> {
  const logLines: string[] = [];
  let services: LocalServices | undefined;
  let built: H | undefined;
  beforeAll(async () => {
    services = await startLocalServices();
    Object.assign(process.env, services.env);
    built = create(capturing((line) => logLines.push(line)));
  });
  afterAll(async () => {
    await services?.close();
  });
  return {
    handler: ((...args: Parameters<H>) => built!(...args)) as H,
    logLines,
    services: () => services!,
  };
}
