/** UK parents' dates of birth, read day first, with impossible and future dates refused. */
import { describe, expect, it } from "vitest";
import { isoDate } from "../../domain/conversation/calendar-date";
import { parseDateOfBirth } from "../../domain/conversation/date-of-birth";

const today = { year: 2025, month: 7, day: 1 };

describe("parseDateOfBirth reads", () => {
  it.each([
    ["14/03/2015", "2015-03-14"],
    ["14-3-15", "2015-03-14"],
    ["14.03.2015", "2015-03-14"],
    ["14 03 2015", "2015-03-14"],
    ["14 / 03 / 2015", "2015-03-14"],
    ["14 March 2015", "2015-03-14"],
    ["14 march 2015", "2015-03-14"],
    ["14th Mar 2015", "2015-03-14"],
    ["14th of March, 2015", "2015-03-14"],
    ["1st Sept 2014", "2014-09-01"],
    ["2nd Jun 15", "2015-06-02"],
    ["14-Mar-2015", "2015-03-14"],
    ["March 14th, 2015", "2015-03-14"],
    ["2015-03-14", "2015-03-14"],
    ["2015/3/14", "2015-03-14"],
    ["She was born on 14/03/2015 ", "2015-03-14"],
    // Day first, never month first: 03/04 is 3 April.
    ["03/04/2015", "2015-04-03"],
    ["29/02/2016", "2016-02-29"],
    // Two-digit years: a child's, this century unless that is after this year.
    ["01/01/25", "2025-01-01"],
    ["01/01/26", "1926-01-01"],
    ["01/01/99", "1999-01-01"],
    // Today is not the future.
    ["01/07/2025", "2025-07-01"],
  ])("%s as %s", (typed, iso) => {
    const reading = parseDateOfBirth(typed, today);
    expect(reading.ok && isoDate(reading.date)).toBe(iso);
  });
});

describe("parseDateOfBirth refuses", () => {
  it.each([
    ["31/02/2015", "impossible"],
    ["29/02/2015", "impossible"],
    ["14/13/2015", "impossible"],
    ["03/14/2015", "impossible"],
    ["32 March 2015", "impossible"],
    ["00/03/2015", "impossible"],
    ["14/03/1015", "impossible"],
    ["02/07/2025", "future"],
    ["14/03/2030", "future"],
    ["1 January 2026", "future"],
    ["March 2015", "unreadable"],
    ["14/03", "unreadable"],
    ["next tuesday", "unreadable"],
    ["14 people 2015", "unreadable"],
    ["", "unreadable"],
    ["2015", "unreadable"],
  ])("%s as %s", (typed, problem) => {
    expect(parseDateOfBirth(typed, today)).toEqual({ ok: false, problem });
  });
});
