/**
 * Who gets a reminder (issue 15, part 2): a parent whose registration waits on them (`invited`
 * or `in_progress`) for the stack's season and who has been quiet `afterDays` days since their
 * last message, the invite or the last reminder, whichever came last; at most `max` reminders per
 * registration; never to a number that sent STOP; never in London's quiet hours (20:00 to 09:00)
 * and never twice on one London day. Pure: the clock, the settings and what the table holds are
 * passed in.
 */

import type { PaymentLink } from "../payments/payment-provider";
import { isoDate, londonHour, londonToday } from "./conversation/calendar-date";
import { linkWorksAt, sentPaymentLink } from "./payment-link";
import type { RecordedPayment } from "./payments";
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

/**
 * Payment reminders (PAYMENTS.md, "Not paid"): a submitted registration of the stack's season whose
 * fee is still to pay through a link (unpaid or link_sent; pending is the bank at work, paid is
 * done, failed is the club's to look at) gets its link: first the one GoCardless could not give at
 * submission, then at most `paymentRemindersMax` reminders, each `afterDays` after the parent's
 * last message, the submission or the last reminder; never to a number that sent STOP, never in
 * London's quiet hours, never twice on one London day.
 */
export const paymentRemindersMax = 2;

/** What the payment rules read of a registration. */
export interface PaymentReminderRegistration {
  status: RegistrationStatus;
  season: string;
  submitted_at?: string;
  payment?: RecordedPayment;
}

export type PaymentSkipReason =
  | "not_submitted"
  | "other_season"
  /** Submitted before the stack took payments: it was sent the club's paymentUrl. */
  | "no_payment"
  | "paid"
  /** The bank is processing the fee. */
  | "pending"
  /** The fee failed or was charged back: the club's attention, not a reminder. */
  | "needs_club"
  | "parent_opted_out"
  | "quiet_hours"
  | "max_reached"
  | "reminded_today"
  | "too_soon"
  /** Outside WhatsApp's 24-hour window, in a stack with no approved payment template. */
  | "no_payment_template"
  | "provider_unavailable";

export type PaymentReminderDecision =
  /** `first`: the link the submission's reply promised, not a reminder (it does not count towards the max). */
  { remind: true; first: boolean } | { remind: false; reason: PaymentSkipReason };

/** The submission's own reply may still be asking GoCardless this long after: the run leaves its link to it. */
const submissionAnswerMs = 10 * 60 * 1000;

export function decidePaymentReminder(
  registration: PaymentReminderRegistration,
  contact: ReminderContact | undefined,
  now: Date,
  { afterDays, season }: { afterDays: number; season: string },
): PaymentReminderDecision {
  const skip = (reason: PaymentSkipReason): PaymentReminderDecision => ({ remind: false, reason });
  if (registration.status !== "submitted") return skip("not_submitted");
  if (registration.season !== season) return skip("other_season");
  const { payment } = registration;
  if (!payment) return skip("no_payment");
  if (payment.fee_status === "paid" || payment.fee_status === "pending") return skip(payment.fee_status);
  if (payment.fee_status === "failed") return skip("needs_club");
  if (contact?.opted_out) return skip("parent_opted_out");
  if (isQuietHour(now)) return skip("quiet_hours");
  const { reminded_at } = payment;
  if (reminded_at !== undefined && londonDate(new Date(reminded_at)) === londonDate(now)) return skip("reminded_today");
  const submittedAt = registration.submitted_at ? Date.parse(registration.submitted_at) : 0;
  if (payment.fee_status === "unpaid") {
    return now.getTime() - submittedAt < submissionAnswerMs ? skip("too_soon") : { remind: true, first: true };
  }
  if ((payment.reminders_sent ?? 0) >= paymentRemindersMax) return skip("max_reached");
  const quietSince = Math.max(
    submittedAt,
    contact?.last_message_at ? Date.parse(contact.last_message_at) : 0,
    reminded_at ? Date.parse(reminded_at) : 0,
  );
  if (now.getTime() - quietSince < afterDays * dayMs) return skip("too_soon");
  return { remind: true, first: false };
}

/**
 * Whether the payment needs a link made before it is sent: a new request when it has none (GoCardless
 * was out of reach at submission), a fresh page when its link stops working within a day (so the
 * parent is not sent a link that dies before they open it), or none: the kept link goes again.
 */
export function linkNeeded(payment: RecordedPayment, now: Date): "new" | "fresh" | "none" {
  if (payment.request_id === undefined) return "new";
  return linkWorksAt(payment, new Date(now.getTime() + dayMs)) ? "none" : "fresh";
}

/**
 * WhatsApp takes a free-form message only within 24 hours of the parent's last one; an hour is left
 * for the send itself and clocks that differ. Outside it, only an approved template.
 */
export function insideWhatsAppWindow(contact: ReminderContact | undefined, now: Date): boolean {
  const last = contact?.last_message_at;
  return last !== undefined && now.getTime() - Date.parse(last) < 23 * 60 * 60 * 1000;
}

/** The payment as the claim for one send leaves it: the link kept and sent, the send counted and dated. */
export function claimPaymentReminder(payment: RecordedPayment, link: PaymentLink, now: Date, first: boolean): RecordedPayment {
  return {
    ...sentPaymentLink(payment, link),
    reminded_at: now.toISOString(),
    reminders_sent: (payment.reminders_sent ?? 0) + (first ? 0 : 1),
  };
}

interface PaymentReminderFields {
  parent_first_name: string;
  player_first_name: string;
  membership_fee: string;
  subscription_fee: string;
}

/** The free-form message inside WhatsApp's window: the link, both amounts, and how to stop. */
export function paymentReminderText(registration: PaymentReminderFields, clubName: string, url: string, first: boolean): string {
  const opening = first
    ? `Hi ${registration.parent_first_name}, here's the payment link I promised for ${registration.player_first_name}'s registration with ${clubName}.`
    : `Hi ${registration.parent_first_name}, a quick reminder from ${clubName}: ${registration.player_first_name}'s registration is waiting for its payment.`;
  return [
    opening,
    `Pay the £${registration.membership_fee} signing-on fee and set up the £${registration.subscription_fee} monthly Direct Debit here: ${url}`,
    `${clubName} will never ask for card or bank details on WhatsApp: only pay on that page. Reply STOP if you'd rather not hear from us.`,
  ].join("\n\n");
}

/**
 * The payment template's variables: 1 the parent's first name, 2 the club's name, 3 the player's
 * first name, 4 the signing-on fee and 5 the monthly amount (pounds, no £), 6 the link.
 */
export function paymentTemplateVariables(
  registration: PaymentReminderFields,
  clubName: string,
  url: string,
): Record<"1" | "2" | "3" | "4" | "5" | "6", string> {
  return {
    "1": registration.parent_first_name,
    "2": clubName,
    "3": registration.player_first_name,
    "4": registration.membership_fee,
    "5": registration.subscription_fee,
    "6": url,
  };
}
