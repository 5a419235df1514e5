import { describe, expect, it } from "vitest";
import type { RegistrationStatus } from "../../domain/registration";
import { createReminderRules, type ReminderContact, type ReminderRegistration, reminderVariables } from "../../domain/reminders";

const rules = createReminderRules({ afterDays: 3, max: 2 }, "2025-26");
// Invited on Monday 2 June 2025 at 11:00 London time (BST, UTC+1).
const invitedAt = "2025-06-02T10:00:00.000Z";
const invited: ReminderRegistration = { status: "invited", season: "2025-26", invited_at: invitedAt };
const contact: ReminderContact = { opted_out: false };

describe("reminder rules over a week of hourly runs", () => {
  // Each run sees the registration as the runs before it left it.
  const runs: [string, string, "remind" | string][] = [
    ["day 1", "2025-06-03T10:00:00.000Z", "too_soon"],
    ["day 3, a minute early", "2025-06-05T09:59:00.000Z", "too_soon"],
    ["day 3", "2025-06-05T10:00:00.000Z", "remind"],
    ["day 3 again, later the same London day", "2025-06-05T18:00:00.000Z", "reminded_today"],
    ["day 5", "2025-06-07T12:00:00.000Z", "too_soon"],
    ["day 6, 08:30 in London (07:30 UTC): quiet hours", "2025-06-08T07:30:00.000Z", "quiet_hours"],
    ["day 6", "2025-06-08T10:00:00.000Z", "remind"],
    ["day 8, 21:00 in London: quiet hours come before the count", "2025-06-10T20:00:00.000Z", "quiet_hours"],
    ["day 9", "2025-06-11T10:00:00.000Z", "max_reached"],
    ["day 30", "2025-07-02T10:00:00.000Z", "max_reached"],
  ];

  it("sends on day 3 and on day 6, never in quiet hours nor twice a day; then no more", () => {
    let registration = invited;
    const seen = runs.map(([label, now]) => {
      const decision = rules.decide(registration, contact, new Date(now));
      if (decision.remind) {
        registration = { ...registration, reminders_sent: (registration.reminders_sent ?? 0) + 1, last_reminder_at: now };
      }
      return [label, now, decision.remind ? "remind" : decision.reason];
    });
    expect(seen).toEqual(runs);
  });

  it("counts from the parent's last message when it came after the invite", () => {
    const replied = { ...contact, last_message_at: "2025-06-04T10:00:00.000Z" };
    expect(rules.decide(invited, replied, new Date("2025-06-05T10:00:00.000Z"))).toEqual({ remind: false, reason: "too_soon" });
    expect(rules.decide(invited, replied, new Date("2025-06-07T10:00:00.000Z"))).toEqual({ remind: true });
  });

  it("counts from a resent invite", () => {
    const resent = { ...invited, invite_sent_at: "2025-06-04T10:00:00.000Z" };
    expect(rules.decide(resent, contact, new Date("2025-06-05T10:00:00.000Z"))).toEqual({ remind: false, reason: "too_soon" });
  });

  it("never twice on one London day, even when afterDays would allow it across midnight UTC", () => {
    const everyDay = createReminderRules({ afterDays: 1, max: 5 }, "2025-26");
    // 09:30 BST on 5 June, then 19:45 BST on 6 June: 34 hours apart, another London day: allowed.
    const reminded = { ...invited, reminders_sent: 1, last_reminder_at: "2025-06-05T08:30:00.000Z" };
    expect(everyDay.decide(reminded, contact, new Date("2025-06-06T18:45:00.000Z"))).toEqual({ remind: true });
    expect(everyDay.decide(reminded, contact, new Date("2025-06-05T18:45:00.000Z"))).toEqual({ remind: false, reason: "reminded_today" });
  });

  it.each([
    ["08:30 GMT in December is quiet", "2025-12-01T08:30:00.000Z", true],
    ["08:30 UTC in June is 09:30 BST, not quiet", "2025-06-01T08:30:00.000Z", false],
    ["19:59 GMT is not quiet", "2025-12-01T19:59:00.000Z", false],
    ["19:00 UTC in June is 20:00 BST, quiet", "2025-06-01T19:00:00.000Z", true],
    ["00:30 on the night the clocks go back is quiet", "2025-10-26T00:30:00.000Z", true],
  ])("quiet hours follow London's clock: %s", (_label, now, quiet) => {
    expect(rules.isQuietHour(new Date(now))).toBe(quiet);
  });
});

describe("who never gets a reminder", () => {
  const due = new Date("2025-06-05T10:00:00.000Z");

  it.each<[RegistrationStatus, boolean]>([
    ["invited", true],
    ["in_progress", true],
    ["submitted", false],
    ["declined", false],
    ["needs_club", false],
    ["opted_out", false],
    ["lapsed", false],
    ["erased", false],
  ])("a registration %s: reminded %s", (status, reminded) => {
    expect(rules.decide({ ...invited, status }, contact, due)).toEqual(
      reminded ? { remind: true } : { remind: false, reason: "not_waiting" },
    );
  });

  it.each([["2024-25"], ["2026-27"]])("a registration for %s, another season than the stack's, however long it has waited", (season) => {
    expect(rules.decide({ ...invited, season }, contact, due)).toEqual({ remind: false, reason: "other_season" });
    expect(rules.decide({ ...invited, status: "in_progress", season }, undefined, due)).toEqual({ remind: false, reason: "other_season" });
  });

  it("a number that sent STOP, whatever its registration's status", () => {
    expect(rules.decide(invited, { opted_out: true }, due)).toEqual({ remind: false, reason: "parent_opted_out" });
  });

  it("a parent who never wrote (no contact) is reminded from the invite", () => {
    expect(rules.decide(invited, undefined, due)).toEqual({ remind: true });
  });

  it("no registration at all when the club allows none", () => {
    expect(createReminderRules({ afterDays: 3, max: 0 }, "2025-26").decide(invited, contact, due)).toEqual({
      remind: false,
      reason: "max_reached",
    });
  });
});

it("fills the reminder template's four variables", () => {
  const registration = { parent_first_name: "Sarah", player_first_name: "Alfie", team_name: "Lions", age_group: "u11s" };
  expect(reminderVariables(registration, "Urmston Town")).toEqual({ "1": "Sarah", "2": "Urmston Town", "3": "Alfie", "4": "Lions u11s" });
});
