/**
 * Powertools Idempotency around a piece of work, with its records in the stack's DynamoDB
 * table. The first call for a key runs the work and keeps its result; a repeat within
 * `expiresAfterSeconds` gets that result back, marked `replayed`, without running it; a
 * repeat while the first still runs is refused (IdempotencyAlreadyInProgressError).
 * If the work throws, its record is removed, so the next attempt runs it.
 */
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import type { Context } from "aws-lambda";
import type { RemainingTime } from "../../plumbing/api-gateway-event";
import type { AwsCallScope } from "../aws-retry";
import { createIdempotencyStore } from "./dynamodb-persistence";

export interface IdempotencyRule {
  /** Which field of the identity is the key (Powertools hashes it with SHA-256). */
  keyField: string;
  /** A field that must match on a repeat, or the repeat is refused (IdempotencyValidationError). */
  sameField?: string;
  expiresAfterSeconds: number;
  /** Starts every record's key: what the function's role may touch (`dynamodb:LeadingKeys`). */
  keyPrefix: string;
}

export interface RunOutcome<Result> {
  result: Result;
  /** The result of an earlier run, read from its record: the work did not run now. */
  replayed: boolean;
  /** The work ran now, but its record could not be kept (this is why): a repeat would run it again. */
  recordError?: unknown;
}

export type RunOnce<Identity, Result> = (
  identity: Identity,
  context: RemainingTime,
  work: () => Promise<Result>,
) => Promise<RunOutcome<Result>>;

export function createRunOnce<Identity extends object, Result extends object>(
  rule: IdempotencyRule,
  env: NodeJS.ProcessEnv,
  awsCalls?: AwsCallScope,
): RunOnce<Identity, Result> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: rule.keyField,
    payloadValidationJmesPath: rule.sameField,
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: rule.expiresAfterSeconds,
    hashFunction: "sha256",
    responseHook: (response) => ({ ...(response as object), replayed: true }),
  });
  // One store per rule: Powertools configures a store once, with one expiry.
  const run = makeIdempotent((_identity: Identity, work: () => Promise<Result>) => work(), {
    persistenceStore: createIdempotencyStore(env, awsCalls),
    config,
    keyPrefix: rule.keyPrefix,
  });
  return async (identity, context, work) => {
    // An in-progress record holds off repeats until this invocation's time is up.
    config.registerLambdaContext(context as Context);
    let ran: { result: Result } | undefined;
    const runWork = async () => {
      ran = { result: await work() };
      return ran.result;
    };
    try {
      const { replayed, ...result } = (await run(identity, runWork)) as Result & { replayed?: true };
      return { result: result as Result, replayed: replayed === true };
    } catch (error) {
      // Powertools failed after the work was done (saving its result): the work's result stands all the same.
      if (ran) return { result: ran.result, replayed: false, recordError: error };
      throw error;
    }
  };
}
