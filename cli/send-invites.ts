/**
 * Sends each row of a squad sheet to POST /trigger, a few at a time, within the stack's usage
 * plan: a 429 (the plan's throttle) or 503 (Twilio or the table unavailable) pauses every sender
 * for the answer's Retry-After, or a growing wait when it gives none (API Gateway's 429 has none),
 * then the row is sent again with the same Idempotency-Key, so a retry never invites twice.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { SquadRow } from "../domain/squad-sheet";
import { backoffDelay, type RetryPolicy } from "../plumbing/retry";

export const outcomes = ["sent", "already invited", "opted out", "failed", "not sent", "repeated"] as const;
export type Outcome = (typeof outcomes)[number];

/** The player has the invite: sent now, before, or by the earlier row this one repeats. */
export const isInvited = (result: Pick<RowResult, "outcome">) =>
  result.outcome === "sent" || result.outcome === "already invited" || result.outcome === "repeated";

export interface RowResult {
  row: number;
  outcome: Outcome;
  /** The trigger's own words, or why there was no answer. */
  detail: string;
  /** The trigger's error code (`twilio_rejected`), or the HTTP status when it gave none. */
  error?: string;
  registrationId?: string;
  requestId?: string;
}

export interface SendOptions {
  /** POST /trigger's URL. */
  triggerUrl: string;
  apiKey: string;
  concurrency: number;
  onResult: (result: RowResult) => void;
}

interface TriggerAnswer {
  error?: string;
  message?: string;
  duplicate?: boolean;
  registration_id?: string;
  request_id?: string;
}

// The first wait after a 429 without Retry-After: about what a usage plan's bucket takes to refill a few requests.
const firstBackoffMs = 500;
// Tries per row before it counts as failed; a throttled try counts. 10 waits reach about a minute.
const maxAttempts = 10;
const maxBackoffMs = 20_000;
// A Retry-After longer than this is not waited for: the row fails and a re-run picks it up.
const maxRetryAfterMs = 120_000;

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const backoffPolicy: RetryPolicy = { attempts: maxAttempts, baseDelayMs: firstBackoffMs, maxDelayMs: maxBackoffMs };
/**
 * Doubling from firstBackoffMs, with jitter so paused senders do not all come back at once;
 * at least half the step, as a throttled key needs the time to refill, not a lucky zero.
 */
const backoffMs = (attempt: number) => backoffDelay(backoffPolicy, attempt - 1, () => 0.5 + Math.random() / 2);

async function answerOf(response: Response): Promise<TriggerAnswer> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === "object" && body !== null ? (body as TriggerAnswer) : {};
  } catch {
    return {};
  }
}

/** What a final answer means for the row. */
function resultOf(row: number, status: number, answer: TriggerAnswer): RowResult {
  const ids = { registrationId: answer.registration_id, requestId: answer.request_id };
  const detail = answer.message ?? `HTTP ${status}`;
  if (status === 200) return { row, outcome: answer.duplicate ? "already invited" : "sent", detail, ...ids };
  if (status === 409 && answer.error === "parent_opted_out") return { row, outcome: "opted out", detail, error: answer.error, ...ids };
  return { row, outcome: "failed", detail, error: answer.error ?? `HTTP ${status}`, ...ids };
}

/** Why the whole run stops: every later row would get the same answer. */
function stopsTheRun(status: number): string | undefined {
  if (status === 403) return "the API key was refused (403): check --api-key or SIGNON_API_KEY, and the URL";
  if (status === 404) return "there is no POST /trigger at that URL (404): check --url or SIGNON_URL";
  return undefined;
}

/** Each row's result in row order, and why the run stopped early if it did. */
export async function sendInvites(rows: readonly SquadRow[], options: SendOptions): Promise<{ results: RowResult[]; stopped?: string }> {
  const results: RowResult[] = [];
  // Shared by every sender: the plan throttles the key, not one connection.
  let pausedUntil = 0;
  let stopped: string | undefined;

  async function sendRow(row: SquadRow): Promise<RowResult> {
    // The earlier row invites this player: sending again would be a second invite, or at best a wasted request.
    if (row.sameAs !== undefined) return { row: row.row, outcome: "repeated", detail: `same player as row ${row.sameAs}` };
    let lastProblem = "";
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (stopped) return { row: row.row, outcome: "not sent", detail: stopped };
      const wait = pausedUntil - Date.now();
      if (wait > 0) await sleep(wait);
      let response: Response;
      try {
        response = await fetch(options.triggerUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", "x-api-key": options.apiKey, "Idempotency-Key": row.idempotencyKey },
          body: JSON.stringify(row.cells),
        });
      } catch (error) {
        // No answer: the invite may or may not have gone, and the same key makes trying again safe.
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        lastProblem = `no answer from ${new URL(options.triggerUrl).origin} (${cause})`;
        await sleep(backoffMs(attempt));
        continue;
      }
      const answer = await answerOf(response);
      const inProgress = response.status === 409 && answer.error === "invite_in_progress";
      if (response.status === 429 || response.status === 503 || inProgress) {
        const asked = retryAfterMs(response.headers.get("Retry-After"));
        lastProblem = answer.message ?? `HTTP ${response.status}`;
        if (asked !== undefined && asked > maxRetryAfterMs)
          return { row: row.row, outcome: "failed", detail: lastProblem, error: answer.error ?? `HTTP ${response.status}` };
        const until = Date.now() + (asked ?? backoffMs(attempt));
        // Another invite of the same row in flight holds up only this row.
        if (inProgress) await sleep(until - Date.now());
        else pausedUntil = Math.max(pausedUntil, until);
        continue;
      }
      const stop = stopsTheRun(response.status);
      if (stop) {
        stopped ??= stop;
        return { row: row.row, outcome: "failed", detail: stop, error: `HTTP ${response.status}` };
      }
      return resultOf(row.row, response.status, answer);
    }
    return { row: row.row, outcome: "failed", detail: `not sent after ${maxAttempts} tries: ${lastProblem}`, error: "gave_up" };
  }

  let next = 0;
  const sender = async () => {
    while (next < rows.length) {
      const result = await sendRow(rows[next++]);
      results.push(result);
      options.onResult(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, rows.length) }, sender));
  return { results: results.sort((a, b) => a.row - b.row), stopped };
}
