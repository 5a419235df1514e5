/**
 * How long a registration is kept: until 31 August after its season ends, plus the club's
 * retention years (default 1), then DynamoDB's TTL deletes it. Season 2025-26 ends in summer
 * 2026, so with the default its records go after 31 August 2027.
 */
import type { RegistrationStatus } from "./registration";

/** The season's first year: `2025-26` is 2025. */
export function seasonStartYear(season: string): number {
  const match = /^(\d{4})-\d{2}$/.exec(season);
  if (!match) throw new RangeError(`season must look like 2025-26, not ${JSON.stringify(season)}`);
  return Number(match[1]);
}

/**
 * The retention date as epoch seconds: the end of 31 August (UTC) of the year the records go.
 * Never before `now`: a season whose retention is over already (a stack left on an old season)
 * is deleted as soon as DynamoDB's TTL gets to it, and TTL skips an item more than five years
 * past its date, which would keep it for good.
 */
export function retainUntil(season: string, retentionYears: number, now: Date): number {
  const year = seasonStartYear(season) + 1 + retentionYears;
  return Math.max(Date.UTC(year, 8, 1) / 1000, Math.ceil(now.getTime() / 1000));
}

/** A number with no registration is kept as long as a stranger's message marks: a day. */
const contactWithoutRegistrationSeconds = 24 * 60 * 60;

/**
 * The parent's contact item's retention date: the latest of their registrations', so it goes
 * with the last of them. Undefined (kept while the stack runs) for a number that sent STOP:
 * honouring the objection needs the number for as long as signon could message it.
 */
export function contactRetainUntil(optedOut: boolean, registrations: readonly { retain_until: number }[], now: Date): number | undefined {
  if (optedOut) return undefined;
  if (registrations.length === 0) return Math.ceil(now.getTime() / 1000) + contactWithoutRegistrationSeconds;
  return Math.max(...registrations.map((registration) => registration.retain_until));
}

/** How far back point-in-time recovery can restore a table. */
export const pointInTimeRecoveryDays = 35;

/**
 * How long an erasure log entry is kept (epoch seconds): as long as a restored table could bring
 * the erased registration back, so to its own retention date, and at least point-in-time
 * recovery's window after the erasure.
 */
export function erasureLogRetainUntil(registrationRetainUntil: number, erasedAt: Date): number {
  return Math.max(registrationRetainUntil, Math.ceil(erasedAt.getTime() / 1000) + pointInTimeRecoveryDays * 24 * 60 * 60);
}

/** Closed without a registration: the club keeps their answers only `closedRetentionDays` (config/schema.ts). */
export const closedStatuses: readonly string[] = ["declined", "needs_club"] satisfies RegistrationStatus[];

/**
 * The registrations due to be reduced to a tombstone: declined or handed over to the club, and
 * unchanged for `closedRetentionDays` whole days. A handed-over registration counts from its last
 * change, so what the parent last wrote for the club is kept the full period for the club to read.
 */
export function closedRegistrationsDue<R extends { status: string; updated_at: string }>(
  registrations: readonly R[],
  closedRetentionDays: number,
  now: Date,
): R[] {
  const kept = closedRetentionDays * 24 * 60 * 60 * 1000;
  return registrations.filter(
    (registration) => closedStatuses.includes(registration.status) && now.getTime() - Date.parse(registration.updated_at) >= kept,
  );
}
