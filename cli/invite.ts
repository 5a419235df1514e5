/**
 * `npm run invite -- squad.csv`: invites a squad from the club's spreadsheet through the stack's
 * POST /trigger. Every row is checked first with the trigger's own validation; one wrong row and
 * nothing is sent. Then each row is sent once (cli/send-invites.ts), and `<name>.results.csv`
 * beside the sheet says what became of each.
 *
 * Exit codes: 0 every row sent or already invited; 1 nothing sent (a problem with the file or the
 * command); 2 some row not invited (failed, not sent, or the parent opted out).
 *
 * What it prints names rows by number and outcome; the API key is never printed, and player
 * details only in a dry run, which shows the user their own file.
 */
import * as fs from "node:fs";
import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError } from "commander";
import { decodeSheet, readSquadSheet, type SquadRow } from "../domain/squad-sheet";
import { resultsCsv, resultsPath } from "./results-file";
import { isInvited, type Outcome, outcomes, type RowResult, sendInvites } from "./send-invites";
import { readStackOutputs, type StackTarget } from "./stack-outputs";
import { UsageError } from "./usage-error";

const exitCodes = { invited: 0, nothingSent: 1, notAllInvited: 2 } as const;

interface InviteOptions {
  url?: string;
  apiKey?: string;
  stack?: string;
  dryRun?: boolean;
  concurrency: number;
}

function concurrencyOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 25) throw new InvalidArgumentError("must be a whole number from 1 to 25");
  return parsed;
}

/** POST /trigger's URL from the API's URL (`apiUrl`, npm start's address) or the trigger's own (`triggerUrl`). */
export function triggerUrlOf(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--url must be the stack's URL, such as http://127.0.0.1:3000 for npm start; "${given}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new UsageError("--url must start with https:// (or http:// for npm start)");
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith("/trigger") ? path : `${path}/trigger`;
  return url.toString();
}

async function targetOf(options: InviteOptions, env: NodeJS.ProcessEnv): Promise<StackTarget> {
  if (options.stack) return readStackOutputs(options.stack, env);
  const url = options.url ?? env.SIGNON_URL;
  const apiKey = options.apiKey ?? env.SIGNON_API_KEY;
  if (!url) throw new UsageError("no stack to send to: give --url or SIGNON_URL (npm start's is http://127.0.0.1:3000), or --stack NAME");
  if (!apiKey)
    throw new UsageError("no API key: give --api-key or SIGNON_API_KEY (pulumi stack output apiKey --show-secrets), or --stack NAME");
  return { triggerUrl: triggerUrlOf(url), apiKey };
}

/** A sheet that cannot be sent: every problem, one a line, and the hint for all of them. */
function sheetRefused(file: string, problems: string[], hint?: string): UsageError {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = [`${file} has ${count}; nothing was sent:`, ...problems.map((problem) => `  ${problem}`)];
  return new UsageError([...lines, ...(hint ? [hint] : [])].join("\n"));
}

/** The sheet's rows, and how it was read ("examples/squad.csv, read as UTF-8"), for the first line printed. */
function readSheet(file: string): { rows: SquadRow[]; readAs: string } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `${file}: no such file` : `${file} cannot be read (${code})`);
  }
  const decoded = decodeSheet(bytes);
  if (!decoded.ok) throw sheetRefused(file, [decoded.problem]);
  const sheet = readSquadSheet(decoded.text);
  if (!sheet.ok) throw sheetRefused(file, sheet.problems, sheet.hint);
  const separated = sheet.delimiter === ";" ? ", cells separated by semicolons" : "";
  return { rows: sheet.rows, readAs: `${file}, read as ${decoded.encoding}${separated}` };
}

/** What a row would send, as the trigger reads it: the user's own file, shown back to them. */
function describeRow({ row, invite, sameAs }: SquadRow): string {
  if (sameAs !== undefined) return `row ${row}: same player as row ${sameAs}: not sent again`;
  const player = [invite.player_first_name, invite.player_last_name].filter(Boolean).join(" ");
  const extras = [
    invite.current_registration_season && `season ${invite.current_registration_season}`,
    invite.membership_fee_amount && `membership £${invite.membership_fee_amount}`,
    invite.subscription_fee_amount && `subscription £${invite.subscription_fee_amount}`,
  ].filter(Boolean);
  return `row ${row}: invite ${invite.parent_first_name} (${invite.parent_tel}) to register ${player} for ${invite.team_name} ${invite.age_group}; manager ${invite.team_manager_1_full_name} ${invite.team_manager_1_tel}${extras.length ? `; ${extras.join(", ")}` : ""}`;
}

const resultLine = (result: RowResult) =>
  `row ${result.row}: ${result.outcome}${result.error ? ` (${result.error})` : result.outcome === "repeated" ? ` (${result.detail})` : ""}`;

/** A bar on a terminal; plain lines otherwise (a CI log, a file), one per row as it finishes. */
function progressReporter(total: number, out: NodeJS.WriteStream): { onResult: (result: RowResult) => void; done: () => void } {
  if (!out.isTTY) return { onResult: (result) => out.write(`${resultLine(result)}\n`), done: () => {} };
  const bar = new SingleBar({ stream: out, format: "Inviting [{bar}] {value}/{total} rows | {failed} not invited", hideCursor: true });
  let notInvited = 0;
  bar.start(total, 0, { failed: 0 });
  return {
    onResult: (result) => {
      if (!isInvited(result)) notInvited++;
      bar.increment({ failed: notInvited });
    },
    done: () => bar.stop(),
  };
}

async function run(file: string, options: InviteOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { rows, readAs } = readSheet(file);
  const playerCount = rows.filter((row) => row.sameAs === undefined).length;
  const players = playerCount === 1 ? "1 player" : `${playerCount} players`;
  if (options.dryRun) {
    console.log(`${readAs}: ${players}, every row valid. Dry run: nothing sent. Each row would send:`);
    for (const row of rows) console.log(describeRow(row));
    return exitCodes.invited;
  }
  const target = await targetOf(options, env);
  console.log(`${readAs}: ${players}, every row valid. Sending to ${target.triggerUrl}, ${options.concurrency} at a time.`);
  const progress = progressReporter(rows.length, process.stdout);
  const { results, stopped } = await sendInvites(rows, { ...target, concurrency: options.concurrency, onResult: progress.onResult });
  progress.done();

  const count = (outcome: Outcome) => results.filter((result) => result.outcome === outcome).length;
  console.log(
    `${results.length === 1 ? "1 row" : `${results.length} rows`}: ${outcomes
      // The outcomes most runs never have are said only when some row has them.
      .filter((outcome) => (outcome !== "not sent" && outcome !== "repeated") || count(outcome) > 0)
      .map((outcome) => `${count(outcome)} ${outcome}`)
      .join(", ")}`,
  );
  const notInvited = results.filter((result) => !isInvited(result));
  if (process.stdout.isTTY) for (const result of notInvited) console.log(resultLine(result));
  if (stopped) console.error(`Stopped: ${stopped}`);
  const written = resultsPath(file);
  fs.writeFileSync(written, resultsCsv(rows, results));
  console.log(`Results: ${written}`);
  return notInvited.length ? exitCodes.notAllInvited : exitCodes.invited;
}

function inviteCommand(env: NodeJS.ProcessEnv): Command {
  return new Command("npm run invite --")
    .description("Invites a squad from a CSV export of the club's spreadsheet: one player a row, the trigger's fields as columns.")
    .argument("<squad.csv>", "the spreadsheet saved as CSV; row 1 names the columns")
    .option("--url <url>", "the stack's URL, such as http://127.0.0.1:3000 for npm start (default: SIGNON_URL)")
    .option("--api-key <key>", "the trigger's API key (default: SIGNON_API_KEY; the environment keeps it out of the shell's history)")
    .option("--stack <name>", "read the URL and API key from pulumi stack output (needs the Pulumi CLI)")
    .option("--dry-run", "check every row and show what would be sent; send nothing")
    .option("--concurrency <n>", "invites in flight at once, 1 to 25", concurrencyOption, 4)
    .action(async (file: string, options: InviteOptions) => {
      process.exitCode = await run(file, options, env);
    });
}

async function main(): Promise<void> {
  try {
    await inviteCommand(process.env).parseAsync(process.argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exitCode = exitCodes.nothingSent;
      return;
    }
    // Some rows may have gone: the same rows again send nothing twice.
    console.error(
      `npm run invite stopped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}. Run it again to finish.`,
    );
    process.exitCode = exitCodes.notAllInvited;
  }
}

void main();
