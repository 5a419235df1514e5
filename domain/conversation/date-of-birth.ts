import { type CalendarDate, calendarDate, compareDates, monthNumber } from "./calendar-date";

/**
 * Why a typed date of birth cannot be used: `unreadable` (no date in it), `impossible` (31/02,
 * month 13, a year before 1900) or `future`.
 */
export type DateOfBirthProblem = "unreadable" | "impossible" | "future";

export type DateOfBirthReading = { ok: true; date: CalendarDate } | { ok: false; problem: DateOfBirthProblem };

// Written here rather than taken from a date library: each one tried costs more to require than
// the webhook's cold start budget has left (bench/README.md lists them). Each
// would still need the shapes parents type (ordinals, "of", two-digit years) spelt out, which is
// most of this file; the calendar itself (leap years, month lengths) is JavaScript's Date.
const ordinal = "(?:st|nd|rd|th)?";
const year = "(\\d{4}|\\d{2})(?!\\d)";
const readings: { pattern: RegExp; order: "ymd" | "dmy" | "mdy" }[] = [
  // 2015-03-14, 2015/3/14
  { pattern: /(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/, order: "ymd" },
  // 14 March 2015, 14th Mar 15, 14th of March, 2015, 14-Mar-2015 (month names are ASCII letters)
  { pattern: new RegExp(`(?<![a-z\\d])(\\d{1,2})${ordinal}(?:\\s+of)?[\\s/.,-]*([a-z]+)\\.?[\\s/.,-]*${year}`, "i"), order: "dmy" },
  // March 14th, 2015: the month's name leaves no doubt, but only with four year digits
  { pattern: new RegExp(`(?<![a-z])([a-z]+)\\.?\\s*(\\d{1,2})${ordinal}[\\s,]+(\\d{4})(?!\\d)`, "i"), order: "mdy" },
  // 14/03/2015, 14-3-15, 14.03.2015, 14 03 2015: always day first, as in the UK
  { pattern: new RegExp(`(?<!\\d)(\\d{1,2})(?:\\s*[/.-]\\s*|\\s+)(\\d{1,2})(?:\\s*[/.-]\\s*|\\s+)${year}`), order: "dmy" },
];

/** A child born in `15` was born in 2015, unless that is after this year: then 1915. */
function fullYear(typed: string, today: CalendarDate): number {
  if (typed.length === 4) return Number(typed);
  const thisCentury = 2000 + Number(typed);
  return thisCentury <= today.year ? thisCentury : thisCentury - 100;
}

function monthOf(typed: string): number | undefined {
  return /^\d+$/.test(typed) ? Number(typed) : monthNumber(typed);
}

/**
 * Reads a date of birth as UK parents type it, day first: `14/03/2015`, `14-3-15`,
 * `14.03.2015`, `14 March 2015`, `14th Mar 2015`, `2015-03-14`, also inside a sentence
 * ("she was born 14/03/2015"). `today` is Europe/London's date: a later date is refused.
 */
export function parseDateOfBirth(text: string, today: CalendarDate): DateOfBirthReading {
  for (const { pattern, order } of readings) {
    const match = pattern.exec(text);
    if (!match) continue;
    const [first, second, third] = match.slice(1);
    const [dayText, monthText, yearText] =
      order === "ymd" ? [third, second, first] : order === "mdy" ? [second, first, third] : [first, second, third];
    const month = monthOf(monthText);
    // "14 people 2015" is not a date: try the next reading.
    if (month === undefined) continue;
    const yearNumber = fullYear(yearText, today);
    const date = yearNumber >= 1900 ? calendarDate(yearNumber, month, Number(dayText)) : undefined;
    if (!date) return { ok: false, problem: "impossible" };
    if (compareDates(date, today) > 0) return { ok: false, problem: "future" };
    return { ok: true, date };
  }
  return { ok: false, problem: "unreadable" };
}
