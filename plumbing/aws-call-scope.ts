/**
 * The invocation each AWS call belongs to: its deadline, which no attempt or wait may pass, and
 * the log its retries go to. Made once per handler and entered per invocation, so a call finds
 * them however deep it is made; the calls themselves are aws/'s.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Log } from "./log";

/** What an invocation lends the AWS calls it makes: when they must be done by, and the log their retries go to. */
export interface AwsCallContext {
  /** Epoch ms: no attempt or wait is started that would run past it. */
  deadline: number;
  log: Log;
}

/**
 * Binds AWS calls to the invocation that makes them, however deep the call (a store passes no
 * context down) and however many invocations share the
 * container's clients at once (npm start, the tests). Made in a handler factory, as the
 * Pulumi serializer wants objects to be.
 */
export interface AwsCallScope {
  run<T>(context: AwsCallContext, work: () => Promise<T>): Promise<T>;
  /** The running invocation's context; undefined outside any (a stand-in creating its table). */
  current(): AwsCallContext | undefined;
}

export function createAwsCallScope(): AwsCallScope {
  const invocations = new AsyncLocalStorage<AwsCallContext>();
  return { run: (context, work) => invocations.run(context, work), current: () => invocations.getStore() };
}

// Kept back from a function's remaining time: after its last AWS call it must still answer.
const answerReserveMs = 500;

/** The context for an invocation with `remainingMs` of its time left. */
export function awsCallContext(remainingMs: number, log: Log): AwsCallContext {
  return { deadline: Date.now() + remainingMs - answerReserveMs, log };
}
