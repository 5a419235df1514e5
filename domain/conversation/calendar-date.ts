/** A day in the calendar, with no time and no zone: what a date of birth is. `month` is 1 to 12. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const dayMs = 86_400_000;

/** The date when it exists (no 31 February, 29 February only in leap years), otherwise undefined. */
export function calendarDate(year: number, month: number, day: number): CalendarDate | undefined {
  if (![year, month, day].every(Number.isInteger)) return undefined;
  // Date rolls 31 February over into March: a date that comes back changed does not exist.
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  return utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day ? { year, month, day } : undefined;
}

/** `2015-03-14`. */
export function isoDate({ year, month, day }: CalendarDate): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Reads `2015-03-14` back, as the record stores it. */
export function parseIsoDate(text: string): CalendarDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match ? calendarDate(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
}

/** Negative when `a` is earlier than `b`, 0 on the same day. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

const monthNames = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** `14 March 2015`: how a date reads to a parent, with no day-first or month-first doubt. */
export function longDate({ year, month, day }: CalendarDate): string {
  return `${day} ${monthNames[month - 1]} ${year}`;
}

/** The month a name or an abbreviation of at least three letters means (`mar`, `Sept`, `march`), 1 to 12. */
export function monthNumber(word: string): number | undefined {
  const lower = word.toLowerCase();
  if (lower.length < 3) return undefined;
  const index = monthNames.findIndex((name) => name.toLowerCase().startsWith(lower));
  return index < 0 ? undefined : index + 1;
}

/** 01:00 UTC on the last Sunday of a month: when the UK's clocks change. */
function lastSundayOneAmUtc(year: number, monthIndex: number): number {
  const lastDay = Date.UTC(year, monthIndex + 1, 0, 1);
  return lastDay - new Date(lastDay).getUTCDay() * dayMs;
}

/**
 * Europe/London's wall clock at `now`, as a Date whose UTC fields read London's. British Summer
 * Time (UTC+1) runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday
 * of October, the rule since 1996; tests/unit/calendar-date.test.ts holds it to Intl's time
 * zone data. Not Intl itself: the first Intl.DateTimeFormat in a process loads ICU's data, a
 * large part of the webhook's whole cold start (bench/README.md).
 */
function londonWallClock(now: Date): Date {
  const instant = now.getTime();
  const year = now.getUTCFullYear();
  const summerTime = instant >= lastSundayOneAmUtc(year, 2) && instant < lastSundayOneAmUtc(year, 9);
  return new Date(instant + (summerTime ? 3_600_000 : 0));
}

/** Today's date in Europe/London at `now`. */
export function londonToday(now: Date): CalendarDate {
  const local = londonWallClock(now);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** The hour, 0 to 23, on London's clocks at `now`. */
export function londonHour(now: Date): number {
  return londonWallClock(now).getUTCHours();
}
