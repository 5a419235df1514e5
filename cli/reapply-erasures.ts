/**
 * `npm run reapply-erasures -- --stack <stack> --table <restored table>`: after the registrations
 * table is restored from a backup (point-in-time recovery makes a new table), erases again every
 * registration the stack's erasure log records that the restored table still holds, as it was
 * erased: the same tombstone and date, and the parent's contact with their last registration
 * (an opted-out number kept as the number and its STOP). Run it before anything reads the
 * restored table; running it again changes nothing (docs/data-protection.md).
 *
 * It reaches AWS with the credentials and region in the environment (AWS_REGION,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), as the functions do. It prints
 * counts, and registration ids only for those it could not erase: nothing personal.
 *
 * Exit codes: 0 every logged erasure holds in the table; 1 nothing done (a problem with the
 * command or its environment); 2 some registration could not be erased (run it again).
 */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { Command } from "commander";
import { createDynamoDbTableClient } from "../aws/dynamodb";
import { createRegistrationStore } from "../aws/registration-store";
import type { ErasureLogEntry } from "../config/erasure-log";
import { environmentVariables } from "../config/settings";
import { readErasureLogTable } from "./stack-outputs";
import { UsageError } from "./usage-error";

const exitCodes = { done: 0, nothingDone: 1, notAllErased: 2 } as const;

export interface ReapplyCounts {
  /** Entries in the erasure log. */
  logged: number;
  /** Registrations the restored table held, erased again now. */
  erasedAgain: number;
  /** Already a tombstone in the restored table. */
  alreadyErased: number;
  /** Not in the restored table: restored from before the invite, or gone by its retention date. */
  notInTable: number;
  /** Those that kept changing while being erased (nothing else should write to a restored table). */
  notErased: string[];
}

/** Every entry of the erasure log, read page by page. */
async function readErasureLog(env: NodeJS.ProcessEnv): Promise<ErasureLogEntry[]> {
  const { call, tableName } = createDynamoDbTableClient(
    env,
    environmentVariables.erasureLogTable,
    (variable) => new UsageError(`${variable} is not set`),
  );
  const entries: ErasureLogEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const answer = await call("Scan", { TableName: tableName(), ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) });
    for (const item of (answer.Items ?? []) as never[]) entries.push(unmarshall(item) as ErasureLogEntry);
    start = answer.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  return entries;
}

/** Erases again in `table` what the erasure log `logTable` records; `env` has the AWS region and credentials. */
export async function reapplyErasures(env: NodeJS.ProcessEnv, logTable: string, table: string): Promise<ReapplyCounts> {
  const tables = { ...env, [environmentVariables.erasureLogTable]: logTable, [environmentVariables.registrationsTable]: table };
  const store = createRegistrationStore(tables);
  const entries = await readErasureLog(tables);
  const counts: ReapplyCounts = { logged: entries.length, erasedAgain: 0, alreadyErased: 0, notInTable: 0, notErased: [] };
  for (const entry of entries) {
    let outcome: "erasedAgain" | "alreadyErased" | "notInTable" | undefined;
    for (let attempt = 0; attempt < 3 && outcome === undefined; attempt++) {
      const found = await store.findById(entry.registration_id);
      if (!found) outcome = "notInTable";
      else if (found.status === "erased") outcome = "alreadyErased";
      // As it was erased: its date and why, so the tombstone and the log's entry are what they were.
      else if (await store.erase(found, new Date(entry.erased_at), entry.reason)) outcome = "erasedAgain";
    }
    if (outcome) counts[outcome]++;
    else counts.notErased.push(entry.registration_id);
  }
  return counts;
}

interface ReapplyOptions {
  stack: string;
  table: string;
}

async function run(options: ReapplyOptions, env: NodeJS.ProcessEnv): Promise<number> {
  if (!(env.AWS_REGION || env.AWS_DEFAULT_REGION) || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
    throw new UsageError(
      'AWS_REGION (the stack\'s aws:region) and AWS credentials must be set in the environment, for instance with eval "$(aws configure export-credentials --format env)"',
    );
  }
  const logTable = await readErasureLogTable(options.stack, env);
  const counts = await reapplyErasures(env, logTable, options.table);
  console.log(
    `${counts.logged} in the erasure log ${logTable}: ${counts.erasedAgain} erased again in ${options.table}, ${counts.alreadyErased} already erased, ${counts.notInTable} not in the table`,
  );
  if (counts.notErased.length === 0) return exitCodes.done;
  console.error(
    `Not erased, as they kept changing: ${counts.notErased.join(", ")}. Stop whatever writes to ${options.table} and run this again.`,
  );
  return exitCodes.notAllErased;
}

async function main(): Promise<void> {
  const command = new Command("npm run reapply-erasures --")
    .description("Erases again, in a registrations table restored from a backup, every registration the stack's erasure log records.")
    .requiredOption("--stack <name>", "the stack whose erasure log to read (pulumi stack output erasureLogTable; needs the Pulumi CLI)")
    .requiredOption("--table <name>", "the restored registrations table, as the restore named it")
    .action(async (options: ReapplyOptions) => {
      process.exitCode = await run(options, process.env);
    });
  try {
    await command.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = exitCodes.nothingDone;
      return;
    }
    // AWS's error names and messages carry no registration's contents.
    console.error(
      `npm run reapply-erasures stopped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}. Run it again to finish.`,
    );
    process.exitCode = exitCodes.notAllErased;
  }
}

void main();
