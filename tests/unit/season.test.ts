import { describe, expect, it } from "vitest";
import { normaliseSeason, seasonsBefore } from "../../domain/season";

describe("a season however it is written", () => {
  it.each([
    ["2026-27", "2026-27"],
    ["2026/27", "2026-27"],
    ["2026-2027", "2026-27"],
    ["2026/2027", "2026-27"],
    [" 2026 – 27 ", "2026-27"],
    ["\u200b2026-27\u200b", "2026-27"],
    ["2099-00", "2099-00"],
    ["2099/2100", "2099-00"],
  ])("reads %j as %s", (typed, season) => {
    expect(normaliseSeason(typed)).toBe(season);
  });

  it.each([["2026"], ["2026-28"], ["2026-2028"], ["26/27"], ["2026-7"], ["Season 2026"], ["2026-27 season"], [""]])(
    "refuses %j",
    (typed) => {
      expect(normaliseSeason(typed)).toBeUndefined();
    },
  );
});

it("names the seasons before one, the latest first", () => {
  expect(seasonsBefore("2026-27", 3)).toEqual(["2025-26", "2024-25", "2023-24"]);
  expect(seasonsBefore("2000-01", 2)).toEqual(["1999-00", "1998-99"]);
  expect(seasonsBefore("2026-27", 0)).toEqual([]);
});
