import { type CalendarDate, compareDates } from "./calendar-date";

/** The youngest and oldest "Under N" a club runs: from its first training groups up to U23. */
const youngestUnder = 5;
const oldestUnder = 23;

/**
 * An age group as clubs write it, read: N of "Under N" and any words after it (`girls`, `Red`).
 * `U11`, `u11s`, `Under 11's`, `under-11` and `U-11` are all Under 11.
 */
function readAgeGroup(text: string): { under: number; rest: string } | undefined {
  // Invisible format marks (a zero-width space pasted from a web page) are not part of what was typed.
  const match = /^\s*(?:u|under)[\s-]*(\d{1,2})(?:['’]?s)?(?:\s+(.*?))?\s*$/isu.exec(text.replace(/\p{Cf}/gu, ""));
  const under = match ? Number(match[1]) : undefined;
  if (under === undefined || under < youngestUnder || under > oldestUnder) return undefined;
  return { under, rest: (match?.[2] ?? "").replace(/\s+/g, " ") };
}

/** N of an "Under N" age group as clubs write it: `u11`, `U11s`, `under 11`, `u-11`, `Under 11's girls`. */
export function parseAgeGroup(text: string): number | undefined {
  return readAgeGroup(text)?.under;
}

/**
 * The one form signon keeps an age group in, so the same children are one age group for the
 * duplicate check, the export's filter and the FA's rule: `U11` for `u11s`, `Under 11s`,
 * `under-11` or `U-11`; words after it kept as typed (`U9 girls` for `Under 9s girls`).
 * Undefined for what is not an age group.
 */
export function canonicalAgeGroup(text: string): string | undefined {
  const read = readAgeGroup(text);
  return read && (read.rest ? `U${read.under} ${read.rest}` : `U${read.under}`);
}

/** The year a season starts: 2025 for `2025-26`, `2025/26` or `2025-2026`. */
export function parseSeasonStartYear(text: string): number | undefined {
  const match = /^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  return end === (match[2].length === 2 ? (start + 1) % 100 : start + 1) ? start : undefined;
}

export interface BirthRange {
  from: CalendarDate;
  to: CalendarDate;
}

/**
 * The FA's rule: "Under N" in the season that starts in `seasonStartYear` (Y) is for children
 * aged N-1 on 31 August of Y, so born 1 September Y-N to 31 August Y-N+1.
 */
export function ageGroupBirthRange(under: number, seasonStartYear: number): BirthRange {
  const firstYear = seasonStartYear - under;
  return { from: { year: firstYear, month: 9, day: 1 }, to: { year: firstYear + 1, month: 8, day: 31 } };
}

/** `playing_up`: one year younger than the age group, which the FA allows. */
export type AgeGroupFit = "in_age_group" | "playing_up" | "too_young" | "too_old";

export function ageGroupFit(dateOfBirth: CalendarDate, under: number, seasonStartYear: number): AgeGroupFit {
  const own = ageGroupBirthRange(under, seasonStartYear);
  if (compareDates(dateOfBirth, own.from) < 0) return "too_old";
  if (compareDates(dateOfBirth, own.to) <= 0) return "in_age_group";
  const oneYearYounger = ageGroupBirthRange(under - 1, seasonStartYear);
  return compareDates(dateOfBirth, oneYearYounger.to) <= 0 ? "playing_up" : "too_young";
}
