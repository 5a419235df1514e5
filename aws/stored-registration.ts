/**
 * Every kind of item the registrations table holds, attribute by attribute, as DynamoDB holds
 * them (config/registrations-table.ts has the keys and indexes and why): a registration, the
 * tombstone its erasure leaves, a parent's contact, and an invite's Idempotency-Key. The store
 * (registration-store.ts) derives the keys and hands the rest to its callers, which take what
 * they need of it. Types only: nothing here runs.
 */
import type { InviteDelivery } from "../domain/delivery-status";
import type { ParentState, RegistrationRecord } from "../domain/registration";

/**
 * A registration as the store reads and writes it (its keys aside): the record the invite
 * creates and the conversation carries (domain/registration.ts), and what the trigger, Twilio's
 * status callbacks and the reminders keep on it. An attribute left undefined is not written.
 */
export interface StoredRegistration extends RegistrationRecord, InviteDelivery {
  /** Epoch seconds: DynamoDB's TTL deletes the registration after this (domain/retention.ts). */
  retain_until: number;
  /** Invites Twilio took or may have taken for it: 0 while the first is being sent. */
  invites_sent: number;
  /** Set while a request sends the invite: a repeat meanwhile is asked to come back. */
  sending?: { request_id: string; since: string };
  /** Twilio's status in its answer to the last send (`queued`, `accepted`). */
  invite_twilio_status?: string;
  /** ISO: when Twilio took the last invite; reminders count the quiet from it. */
  invite_sent_at?: string;
  /** The request that sent the invite last. */
  invite_request_id?: string;
  /** Twilio may have taken the last send but never confirmed it: repeats get 504 until a resend. */
  invite_unconfirmed_at?: string;
  /** Reminders claimed for it; absent until the first. */
  reminders_sent?: number;
  /** ISO: when the last reminder was claimed. */
  last_reminder_at?: string;
}

/** The keys the store derives from a registration; readers never see them. */
export interface RegistrationKeys {
  /** The parent's partition, `parent#<E.164>`: their registrations and contact in one Query. */
  pk: `parent#${string}`;
  /** `registration#<digest of the natural key>`: one item per player per season, team and age group. */
  sk: `registration#${string}`;
  /** The by-season index's sort key: team and age group (lower-cased), invite time, id, joined by `#`. */
  season_order: string;
  /** The id of the last PutItem that carried one (dynamodb.ts ownWrite), so its retry knows its own write. */
  write_id?: string;
}

export type RegistrationItem = StoredRegistration & RegistrationKeys;

/**
 * What erasure leaves of a registration, out of its parent's partition: the fact, its date and
 * its season (for the export), so no key or attribute holds a phone number or a name.
 */
export interface RegistrationTombstone {
  registration_id: string;
  status: "erased";
  season: string;
  /** ISO */
  erased_at: string;
  /** The erased registration's: the tombstone goes when the registration would have. */
  retain_until: number;
}

export interface TombstoneKeys {
  pk: `erased#${string}`;
  sk: "erased";
  /** After every registration's in the by-season index, so the export lists tombstones last. */
  season_order: `~erased#${string}`;
}

export type TombstoneItem = RegistrationTombstone & TombstoneKeys;

/**
 * What is kept per phone number: the conversation's ParentState (STOP's `opted_out`, for good
 * until START: nothing is sent to this number), its number and its recent messages.
 */
export interface ParentContact extends ParentState {
  parent_tel: string;
  /** Digests of the last MessageSids applied, so a repeat changes nothing. */
  recent_messages: string[];
  /** When the parent's last message was applied: reminders count the quiet from it (domain/reminders.ts). */
  last_message_at?: string;
  /**
   * Epoch seconds: DynamoDB's TTL deletes the contact after this, the latest retention date of the
   * parent's registrations; absent on an opted-out number, kept so nothing is sent to it (domain/retention.ts).
   */
  retain_until?: number;
}

export type ContactItem = ParentContact & { pk: `parent#${string}`; sk: "contact" };

/** An invite's Idempotency-Key, claimed for a day in the invite's transaction. */
export interface IdempotencyKeyItem {
  /** `idempotency-key#<digest of the key>`: the key itself is the caller's and is not kept. */
  pk: `idempotency-key#${string}`;
  sk: "idempotency-key";
  /** The digest of the invite's natural key: the same invite again under its key is a retry. */
  invite: string;
  /** Epoch seconds: a day after the claim. */
  retain_until: number;
}
