/** The calendar the engine relies on: real dates only, and Europe/London's today held to Intl's time zone data. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  calendarDate,
  isoDate,
  londonHour,
  londonToday,
  longDate,
  monthNumber,
  parseIsoDate,
} from "../../domain/conversation/calendar-date";

// The reference: Intl with the tz database Node carries (en-CA formats as YYYY-MM-DD).
const londonByIntl = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" });

describe("londonToday", () => {
  it.each([
    // Just before and after midnight in summer (BST) and winter (GMT).
    ["2025-06-30T22:59:59.999Z", "2025-06-30"],
    ["2025-06-30T23:00:00.000Z", "2025-07-01"],
    ["2025-12-31T23:59:59.999Z", "2025-12-31"],
    ["2026-01-01T00:00:00.000Z", "2026-01-01"],
    // Around the clock changes: 30 March 2025 and 26 October 2025 at 01:00 UTC.
    ["2025-03-29T23:30:00.000Z", "2025-03-29"],
    ["2025-03-30T23:30:00.000Z", "2025-03-31"],
    ["2025-10-25T23:30:00.000Z", "2025-10-26"],
    ["2025-10-26T23:30:00.000Z", "2025-10-26"],
  ])("at %s is %s", (instant, date) => {
    expect(isoDate(londonToday(new Date(instant)))).toBe(date);
    expect(londonByIntl.format(new Date(instant))).toBe(date);
  });

  it("agrees with Intl's Europe/London at any instant from 1997 to 2037", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1997-01-01T00:00:00Z"), max: new Date("2037-12-31T23:59:59Z"), noInvalidDate: true }),
        (instant) => {
          expect(isoDate(londonToday(instant))).toBe(londonByIntl.format(instant));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("agrees with Intl either side of every clock change from 1997 to 2037", () => {
    // The clocks change at 01:00 UTC on the last Sunday of March and October: always the 25th to the 31st.
    const instants = [];
    for (let year = 1997; year <= 2037; year++) {
      for (const month of [2, 9]) {
        for (let day = 25; day <= 31; day++) {
          for (const minutes of [0, 59, 60, 61, 119, 120])
            instants.push(new Date(Date.UTC(year, month, day, 0, minutes) - 1), new Date(Date.UTC(year, month, day, 23, minutes)));
        }
      }
    }
    const ours = instants.map((instant) => isoDate(londonToday(instant)));
    expect(ours).toEqual(instants.map((instant) => londonByIntl.format(instant)));
  });
});

describe("calendarDate", () => {
  it.each([
    [2016, 2, 29],
    [2000, 2, 29],
    [2015, 12, 31],
  ])("%d-%d-%d exists", (year, month, day) => expect(calendarDate(year, month, day)).toEqual({ year, month, day }));

  it.each([
    [2015, 2, 29],
    [1900, 2, 29],
    [2015, 4, 31],
    [2015, 13, 1],
    [2015, 0, 1],
    [2015, 1, 0],
    [2015.5, 1, 1],
  ])("%d-%d-%d does not", (year, month, day) => expect(calendarDate(year, month, day)).toBeUndefined());

  it("reads back what it writes, and only real dates", () => {
    expect(parseIsoDate("2015-03-14")).toEqual({ year: 2015, month: 3, day: 14 });
    expect(parseIsoDate("2015-02-30")).toBeUndefined();
    expect(parseIsoDate("14/03/2015")).toBeUndefined();
    expect(longDate({ year: 2014, month: 9, day: 1 })).toBe("1 September 2014");
  });

  it.each([
    ["mar", 3],
    ["March", 3],
    ["SEPT", 9],
    ["sep", 9],
    ["may", 5],
  ])("month %s is %d", (word, month) => expect(monthNumber(word)).toBe(month));

  it.each(["ma", "marching", "people", "ju"])("%s is no month", (word) => expect(monthNumber(word)).toBeUndefined());
});

describe("londonHour", () => {
  const hourByIntl = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", hour: "numeric", hourCycle: "h23" });

  it("agrees with Intl's Europe/London at any instant from 1997 to 2037", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1997-01-01T00:00:00Z"), max: new Date("2037-12-31T23:59:59Z"), noInvalidDate: true }),
        (instant) => {
          expect(londonHour(instant)).toBe(Number(hourByIntl.format(instant)));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
