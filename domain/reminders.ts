/**
 * Who gets a reminder (issue 15, part 2): a parent whose registration waits on them (`invited`
 * or `in_progress`) for the stack's season and who has been quiet `afterDays` days since their
 * last message, the invite or the last reminder, whichever came last; at most `max` reminders per
 * registration; never to a number that sent STOP; never in London's quiet hours (20:00 to 09:00)
 * and never twice on one London day. Pure: the clock, the settings and what the table holds are
 * passed in.
 */
import { isoDate, londonHour, londonToday } from "./conversation/calendar-date";
import { type RegistrationStatus, unfinishedStatuses } from "./registration";

/** The club's reminder settings (signon:reminders.*). */
export interface ReminderRules {
  /** Whole days of quiet before a reminder, and between two reminders. */
  afterDays: number;
  /** Reminders per registration, at most. */
  max: number;
}

/** What the rules read of a registration. */
export interface ReminderRegistration {
  status: RegistrationStatus;
  season: string;
  invited_at: string;
  /** When Twilio took the invite (the last one, after a resend); `invited_at` when not recorded. */
  invite_sent_at?: string;
  reminders_sent?: number;
  last_reminder_at?: string;
}

/** What the rules read of the parent's number (the conversation's contact); undefined when the parent never wrote. */
export interface ReminderContact {
  opted_out: boolean;
  /** When the parent's last message arrived (handlers/webhook.ts records it). */
  last_message_at?: string;
}

export type SkipReason =
  /** The registration does not wait on the parent: submitted, declined, handed to the club, opted out, lapsed or erased. */
  | "not_waiting"
  /** Not the stack's season: the conversation would not take the parent's reply to it. */
  | "other_season"
  /** The number sent STOP. */
  | "parent_opted_out"
  | "quiet_hours"
  | "max_reached"
  | "reminded_today"
  | "too_soon";

export type ReminderDecision = { remind: true } | { remind: false; reason: SkipReason };

/** Waiting on the parent: the only statuses a reminder may go to. */
export const waitingStatuses = unfinishedStatuses;
const dayMs = 24 * 60 * 60 * 1000;
// Quiet from 20:00 until 09:00, London's wall clock (GMT or BST as the date says).
const quietFromHour = 20;
const quietUntilHour = 9;

const londonDate = (instant: Date) => isoDate(londonToday(instant));

const isQuietHour = (now: Date) => {
  const hour = londonHour(now);
  return hour >= quietFromHour || hour < quietUntilHour;
};

/** The rules for one set of settings, for the stack's season. */
export function createReminderRules({ afterDays, max }: ReminderRules, season: string) {
  return {
    /** Whether `now` falls in London's quiet hours: a run then sends nothing at all. */
    isQuietHour,

    decide(registration: ReminderRegistration, contact: ReminderContact | undefined, now: Date): ReminderDecision {
      const skip = (reason: SkipReason): ReminderDecision => ({ remind: false, reason });
      if (!waitingStatuses.includes(registration.status)) return skip("not_waiting");
      if (registration.season !== season) return skip("other_season");
      if (contact?.opted_out) return skip("parent_opted_out");
      if (isQuietHour(now)) return skip("quiet_hours");
      const sent = registration.reminders_sent ?? 0;
      if (sent >= max) return skip("max_reached");
      const lastReminder = registration.last_reminder_at;
      if (lastReminder !== undefined && londonDate(new Date(lastReminder)) === londonDate(now)) return skip("reminded_today");
      const quietSince = Math.max(
        Date.parse(registration.invite_sent_at ?? registration.invited_at),
        contact?.last_message_at ? Date.parse(contact.last_message_at) : 0,
        lastReminder ? Date.parse(lastReminder) : 0,
      );
      if (now.getTime() - quietSince < afterDays * dayMs) return skip("too_soon");
      return { remind: true };
    },
  };
}

/**
 * The reminder template's variables: 1 the parent's first name, 2 the club's name, 3 the
 * player's first name, 4 the team and age group.
 */
export function reminderVariables(
  registration: { parent_first_name: string; player_first_name: string; team_name: string; age_group: string },
  clubName: string,
): Record<"1" | "2" | "3" | "4", string> {
  return {
    "1": registration.parent_first_name,
    "2": clubName,
    "3": registration.player_first_name,
    "4": `${registration.team_name} ${registration.age_group}`,
  };
}
