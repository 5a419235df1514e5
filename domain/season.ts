/**
 * A club registers for one season at a time: the stack's `registration.season`, written `2025-26`.
 * Every invite is for it, the conversation and the reminders address only it, and the earlier
 * seasons' unfinished registrations lapse once the club has moved on (handlers/reminders.ts).
 * Pure functions: no clock, no AWS.
 */

/** The season starting in `year`, as the stack writes it: 2025 is `2025-26`. */
const seasonStarting = (year: number) => `${year}-${String((year + 1) % 100).padStart(2, "0")}`;

/**
 * `2025-26` from a season however a person or a spreadsheet writes it: `2025/26`, `2025-2026`,
 * `2025 – 26`; undefined for anything that is not two consecutive years. Format marks (a
 * zero-width space pasted with the text) are not part of it.
 */
export function normaliseSeason(typed: string): string | undefined {
  const match = /^(\d{4})\s*[-/\u2013\u2014]\s*(\d{2}|\d{4})$/u.exec(typed.replace(/\p{Cf}/gu, "").trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  return end === (match[2].length === 2 ? (start + 1) % 100 : start + 1) ? seasonStarting(start) : undefined;
}

/** The `count` seasons before `season` (the stack's form), the latest first: `2024-25`, `2023-24`, ... */
export function seasonsBefore(season: string, count: number): string[] {
  const start = Number(season.slice(0, 4));
  return Array.from({ length: count }, (_, index) => seasonStarting(start - 1 - index));
}
