/**
 * The registration record: one per player per season per team, created by the invite and
 * carried through the WhatsApp conversation. Field names are the secretary's export's.
 */

import type { RecordedPayment } from "./payments";

/**
 * `invited` → `in_progress` → `submitted`; side exits: `needs_club` (handed to a person),
 * `declined` (not joining), `opted_out` (the parent sent STOP mid-way), `lapsed` (unfinished
 * when the club moved to a later season), `erased`.
 */
export type RegistrationStatus = "invited" | "in_progress" | "submitted" | "needs_club" | "declined" | "opted_out" | "lapsed" | "erased";

/** Waiting on the parent: what a change of season closes as `lapsed` (handlers/reminders.ts). */
export const unfinishedStatuses: readonly string[] = ["invited", "in_progress"] satisfies RegistrationStatus[];

/** What the invite said, as `POST /trigger` normalised it. */
export interface InviteFields {
  /** `2025-26` */
  season: string;
  team_name: string;
  /** As the club writes it: `u11s`, `Under 11`. */
  age_group: string;
  player_first_name: string;
  player_last_name?: string;
  parent_first_name: string;
  parent_last_name?: string;
  /** E.164: the WhatsApp number the conversation happens on. */
  parent_tel: string;
  team_manager_name: string;
  /**
   * As the invite showed it, the way a parent dials it (`07700 900456`; the trigger formats it
   * for the template), so replies need no phone library.
   */
  team_manager_tel: string;
  /** Pounds, as the invite showed them: `40`, `26.50`. */
  membership_fee: string;
  subscription_fee: string;
}

/** The parent's answers; each is absent until given. */
export interface Answers {
  /** As on the passport or birth certificate: the league registers legal names. */
  player_legal_name?: string;
  /** ISO `YYYY-MM-DD` */
  date_of_birth?: string;
  /** One year younger than the age group, which the FA allows. */
  playing_up?: boolean;
  /** Health data: shown to the club, never logged. `None` when there is nothing. */
  medical_notes?: string;
  emergency_contact_name?: string;
  /** E.164, never the parent's own number. */
  emergency_contact_tel?: string;
  photo_consent?: boolean;
  code_of_conduct_agreed?: boolean;
}

// Every key of Answers, checked by the compiler: RESTART clears them all.
const everyAnswer: Record<keyof Answers, true> = {
  player_legal_name: true,
  date_of_birth: true,
  playing_up: true,
  medical_notes: true,
  emergency_contact_name: true,
  emergency_contact_tel: true,
  photo_consent: true,
  code_of_conduct_agreed: true,
};
export const answerKeys = Object.keys(everyAnswer) as (keyof Answers)[];

/** The steps of the default script, in order (domain/conversation/script.ts). */
export type StepId = "legal_name" | "date_of_birth" | "medical" | "emergency_contact" | "photo_consent" | "code_of_conduct";

/** Where the conversation about one registration stands. */
export interface ConversationPosition {
  /** `start` until the parent says they are ready; `summary` while the answers await confirmation. */
  step: "start" | StepId | "summary";
  /** Answering one question again from the summary: the summary comes next, not the next question. */
  editing: boolean;
  /** Unusable answers to the current question: the third hands the registration to the club. */
  unusable_answers: number;
  /** The parent said the child is not joining; a YES makes it `declined`. */
  pending_confirmation?: "decline";
}

/** A message the parent sent after the hand-over, for the club: personal data, erased with the rest. */
export interface MessageForClub {
  /** ISO timestamp */
  at: string;
  /** As typed, spaces tidied, cut short if long (domain/conversation/engine.ts says why). */
  text: string;
}

export interface RegistrationRecord extends InviteFields, Answers {
  registration_id: string;
  status: Exclude<RegistrationStatus, "erased">;
  conversation: ConversationPosition;
  /** ISO timestamps */
  invited_at: string;
  updated_at: string;
  submitted_at?: string;
  /** Once `needs_club`: what the parent wrote since, oldest first, the latest few only. */
  messages_for_club?: MessageForClub[];
  /** ISO: when the parent was last told a message was passed on to the club (at most once a day). */
  club_acknowledged_at?: string;
  /** Once submitted in a stack with a payment provider: the fee, the mandate and the subscription (domain/payments.ts). */
  payment?: RecordedPayment;
  /** Goes up by one with every change: a write is conditional on the version it read. */
  version: number;
}

/** All that is left after erasure: the fact and its date (and the version, for the conditional write). */
export interface ErasedRegistration {
  registration_id: string;
  status: "erased";
  erased_at: string;
  version: number;
}

export type Registration = RegistrationRecord | ErasedRegistration;

/** What is kept per WhatsApp number, across its registrations; stored under the parent's number. */
export interface ParentState {
  /** STOP: no message of any kind until START, and no new invite. */
  opted_out: boolean;
  opted_out_at?: string;
  /** DELETE MY DATA was sent; a YES erases every registration of this number. */
  pending_confirmation?: "delete_my_data";
  /**
   * ISO: when the number was last sent a reply outside an open registration's conversation (where
   * its registration stands, or no invite this season): at most one a day (conversation/reply-limits.ts).
   */
  standing_replied_at?: string;
  /** 0 for a number with nothing stored yet. */
  version: number;
}

/** A new registration's conversation: waiting for the parent to say they are ready. */
export const startPosition: ConversationPosition = { step: "start", editing: false, unusable_answers: 0 };

/** The registration an invite creates: invited, no answers yet, its conversation at the start. */
export function invitedRegistration(fields: InviteFields, registrationId: string, now: Date): RegistrationRecord {
  const at = now.toISOString();
  return {
    ...fields,
    registration_id: registrationId,
    status: "invited",
    conversation: startPosition,
    invited_at: at,
    updated_at: at,
    version: 1,
  };
}

/** An unfinished registration of a season the club has moved on from: closed, the version one up. */
export function lapseRegistration<R extends RegistrationRecord>(registration: R, now: Date): R {
  return { ...registration, status: "lapsed", updated_at: now.toISOString(), version: registration.version + 1 };
}

/**
 * Erasure is real: the answers and the invite's personal fields go, not hidden. The version
 * goes up by one, as with any change.
 */
export function eraseRegistration(registration: Registration, now: Date): ErasedRegistration {
  return {
    registration_id: registration.registration_id,
    status: "erased",
    erased_at: now.toISOString(),
    version: registration.version + 1,
  };
}
