import { describe, expect, it } from "vitest";
import { retainUntil, seasonStartYear } from "../../domain/retention";

describe("how long a registration is kept", () => {
  it.each([
    ["2025-26", 1, "2027-09-01T00:00:00.000Z"],
    ["2025-26", 0, "2026-09-01T00:00:00.000Z"],
    ["2099-00", 2, "2102-09-01T00:00:00.000Z"],
  ])("season %s with %i retention years is kept to the end of 31 August before %s", (season, years, until) => {
    expect(new Date(retainUntil(season, years) * 1000).toISOString()).toBe(until);
  });

  it("refuses what is not a season", () => {
    expect(() => seasonStartYear("2025")).toThrow(/2025-26/);
  });
});
