import { describe, expect, it } from "vitest";
import { closedRegistrationsDue, contactRetainUntil, erasureLogRetainUntil, retainUntil, seasonStartYear } from "../../domain/retention";

// In the 2025-26 season.
const now = new Date("2025-10-01T12:00:00.000Z");

describe("how long a registration is kept", () => {
  it.each([
    ["2025-26", 1, "2027-09-01T00:00:00.000Z"],
    ["2025-26", 0, "2026-09-01T00:00:00.000Z"],
    ["2099-00", 2, "2102-09-01T00:00:00.000Z"],
  ])("season %s with %i retention years is kept to the end of 31 August before %s", (season, years, until) => {
    expect(new Date(retainUntil(season, years, now) * 1000).toISOString()).toBe(until);
  });

  it("is never set in the past, where DynamoDB's TTL, which skips an item more than five years past its date, would keep it for good", () => {
    for (const season of ["2015-16", "2000-01", "1999-00", "2024-25"]) {
      expect(retainUntil(season, 0, now), season).toBeGreaterThanOrEqual(now.getTime() / 1000);
    }
  });

  it("refuses what is not a season", () => {
    expect(() => seasonStartYear("2025")).toThrow(/2025-26/);
  });
});

describe("how long a parent's contact is kept", () => {
  const registrations = [{ retain_until: 1_788_048_000 }, { retain_until: 1_819_584_000 }];

  it("to the latest retention date of the parent's registrations", () => {
    expect(contactRetainUntil(false, registrations, now)).toBe(1_819_584_000);
  });

  it("without a date once the number sent STOP: the opt-out is kept while the stack runs", () => {
    expect(contactRetainUntil(true, registrations, now)).toBeUndefined();
  });

  it("a day when the number has no registration left (START after erasure)", () => {
    expect(contactRetainUntil(false, [], now)).toBe(now.getTime() / 1000 + 24 * 60 * 60);
  });
});

describe("how long an erasure log entry is kept", () => {
  const erasedAt = new Date("2027-08-20T12:00:00.000Z");

  it("to the erased registration's retention date, when that is later", () => {
    expect(erasureLogRetainUntil(1_819_584_000, new Date("2025-10-01T12:00:00.000Z"))).toBe(1_819_584_000);
  });

  it("at least 35 days after the erasure, as long as point-in-time recovery could restore the registration", () => {
    // The registration's retention ends 12 days after its erasure.
    expect(new Date(erasureLogRetainUntil(1_819_584_000, erasedAt) * 1000).toISOString()).toBe("2027-09-24T12:00:00.000Z");
  });
});

describe("which closed registrations are reduced to a tombstone", () => {
  const at = new Date("2025-08-01T12:00:00.000Z");
  const record = (status: string, updated_at: string) => ({ status, updated_at });

  it("declined and handed-over ones unchanged for the club's whole days, and no others", () => {
    const declined = record("declined", "2025-07-02T12:00:00.000Z");
    const handedOver = record("needs_club", "2025-06-01T09:00:00.000Z");
    const declinedLately = record("declined", "2025-07-02T12:00:00.001Z");
    const others = ["invited", "in_progress", "submitted", "opted_out", "lapsed"].map((status) =>
      record(status, "2024-01-01T00:00:00.000Z"),
    );
    expect(closedRegistrationsDue([declined, handedOver, declinedLately, ...others], 30, at)).toEqual([declined, handedOver]);
  });

  it("a handed-over one from its last change: a message the parent wrote for the club since the hand-over keeps it the full period", () => {
    const messagedLately = record("needs_club", "2025-07-20T08:00:00.000Z");
    expect(closedRegistrationsDue([messagedLately], 30, at)).toEqual([]);
    expect(closedRegistrationsDue([messagedLately], 30, new Date("2025-08-19T08:00:00.000Z"))).toEqual([messagedLately]);
  });
});
