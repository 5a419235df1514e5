/** The FA's age-group rule at its edges: 31 August and 1 September birthdays. */
import { describe, expect, it } from "vitest";
import {
  ageGroupBirthRange,
  ageGroupFit,
  canonicalAgeGroup,
  parseAgeGroup,
  parseSeasonStartYear,
} from "../../domain/conversation/age-group";
import { parseIsoDate } from "../../domain/conversation/calendar-date";

describe("parseAgeGroup", () => {
  it.each([
    ["u11", 11],
    ["U11s", 11],
    ["under 11", 11],
    ["Under 11's", 11],
    ["u-11", 11],
    ["U 9s girls", 9],
    ["U18", 18],
    ["Under-11", 11],
    ["U-11", 11],
    ["under11s", 11],
    ["Under 11’s", 11],
  ])("%s is Under %d", (typed, under) => expect(parseAgeGroup(typed)).toBe(under));

  it.each(["Open age", "Seniors", "11", "u", "u111", "u2", "u40", "Lions u11"])("%s is no Under N", (typed) =>
    expect(parseAgeGroup(typed)).toBeUndefined(),
  );
});

describe("canonicalAgeGroup", () => {
  it.each([
    ["U11", "U11"],
    ["u11s", "U11"],
    ["Under 11s", "U11"],
    ["under-11", "U11"],
    ["Under-11", "U11"],
    ["U-11", "U11"],
    ["u 9", "U9"],
    ["Under 9's girls", "U9 girls"],
    ["U12s   Red  Team", "U12 Red Team"],
    ["u7s\u200b", "U7"],
  ])("writes %j as %j", (typed, canonical) => expect(canonicalAgeGroup(typed)).toBe(canonical));

  it.each(["Open age", "11", "u111", "u4", "Lions u11", "u11-girls"])("finds no age group in %j", (typed) =>
    expect(canonicalAgeGroup(typed)).toBeUndefined(),
  );
});

describe("parseSeasonStartYear", () => {
  it.each([
    ["2025-26", 2025],
    ["2025/26", 2025],
    ["2025-2026", 2025],
    ["2099-00", 2099],
  ])("%s starts in %d", (typed, year) => expect(parseSeasonStartYear(typed)).toBe(year));

  it.each(["2025-27", "2025", "25-26", "2025-2025", "season"])("%s is no season", (typed) =>
    expect(parseSeasonStartYear(typed)).toBeUndefined(),
  );
});

describe("ageGroupFit: U11 in 2025-26 is born 1 Sep 2014 to 31 Aug 2015", () => {
  it("gives that range", () => {
    expect(ageGroupBirthRange(11, 2025)).toEqual({ from: { year: 2014, month: 9, day: 1 }, to: { year: 2015, month: 8, day: 31 } });
  });

  it.each([
    ["2014-08-31", "too_old"],
    ["2014-09-01", "in_age_group"],
    ["2015-03-14", "in_age_group"],
    ["2015-08-31", "in_age_group"],
    // One year younger: playing up, from 1 September 2015 to 31 August 2016.
    ["2015-09-01", "playing_up"],
    ["2016-08-31", "playing_up"],
    // Two years younger.
    ["2016-09-01", "too_young"],
    ["2017-03-14", "too_young"],
    ["2010-01-01", "too_old"],
  ])("born %s: %s", (born, fit) => {
    expect(ageGroupFit(parseIsoDate(born)!, 11, 2025)).toBe(fit);
  });

  it("moves with the season: U11 in 2026-27 is born 1 Sep 2015 to 31 Aug 2016", () => {
    expect(ageGroupFit(parseIsoDate("2015-09-01")!, 11, 2026)).toBe("in_age_group");
    expect(ageGroupFit(parseIsoDate("2015-08-31")!, 11, 2026)).toBe("too_old");
  });
});
