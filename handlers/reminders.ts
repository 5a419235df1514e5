/**
 * The reminders (issue 15, part 2), run by EventBridge on the function's schedule, and by
 * `POST /local/reminders` under `npm start` with a clock of the caller's choosing: sends the
 * club's approved reminder template to each parent whose registration waits on them and who
 * has gone quiet, by the rules of domain/reminders.ts.
 *
 * One Query of the season's index finds the registrations waiting on a parent; each such
 * parent's partition is then read again, strongly consistent (the index lags), for the contact
 * (STOP, the last message) and the registration as it stands. Each reminder is claimed before
 * it is sent: one conditional write raises `reminders_sent` and sets `last_reminder_at` on the
 * version read, in a transaction with the parent not having opted out, so two overlapping runs
 * (or a run and a parent's reply) cannot both send. A send that made no message gives the claim
 * back, as the trigger does; one Twilio may have taken keeps it, so nothing goes twice. Each run
 * also closes the earlier seasons' unfinished registrations as `lapsed` (lapseEarlierSeasons),
 * and reduces declined and handed-over registrations to tombstones once the club's period for
 * them is over (reduceClosed).
 *
 * In a stack with a payment provider it also sends payment links (PAYMENTS.md, "Not paid"; the
 * rules in domain/reminders.ts): the one GoCardless could not give at submission, then at most two
 * reminders, each with a fresh page when the last expires. Inside WhatsApp's 24-hour window as a
 * plain message, outside it through the approved payment template; each claimed the same way.
 */

import { createRegistrationStore, type RegistrationStore } from "../aws/registration-store";
import type { HandlerSettings, PaymentSecretsReader, SettingsReader } from "../aws/settings-reader";
import type { StoredRegistration } from "../aws/stored-registration";
import type { SettingKey } from "../config/settings";
import { noPaymentProvider, noReminderTemplate } from "../config/settings";
import { awaitsPayment, withPaymentLink } from "../domain/payment-link";
import { lapseRegistration, unfinishedStatuses } from "../domain/registration";
import {
  claimPaymentReminder,
  createReminderRules,
  decidePaymentReminder,
  insideWhatsAppWindow,
  linkNeeded,
  type PaymentSkipReason,
  paymentReminderText,
  paymentTemplateVariables,
  reminderVariables,
  type SkipReason,
  waitingStatuses,
} from "../domain/reminders";
import { closedRegistrationsDue } from "../domain/retention";
import { seasonsBefore } from "../domain/season";
import type { PaymentLink, PaymentProvider } from "../payments/payment-provider";
import { logFailure } from "../plumbing/answer-logged";
import type { RemainingTime } from "../plumbing/api-gateway-event";
import { awsCallContext } from "../plumbing/aws-call-scope";
import { createLog, errorName, type LineWriter, type Log, maskPhone } from "../plumbing/log";
import { createMessagesClient, type MessagesClient } from "../twilio/messages-client";
import type { ScheduledFunctionDeclaration } from "./function-declaration";
import { handlerSetup } from "./handler-setup";
import { askForPaymentLink, paymentProviderOf } from "./payment-links";

/** The settings the reminders read: its role may read these parameters and no others. */
export const remindSettingKeys = [
  "whatsappNumber",
  "clubName",
  "season",
  // How many earlier seasons may still hold registrations to close as lapsed (below).
  "retentionYears",
  // Days a declined or handed-over registration keeps its answers (reduceClosed, below).
  "closedRetentionDays",
  "reminderTemplateSid",
  "reminderAfterDays",
  "reminderMax",
  "statusCallbackUrl",
  // Payment reminders: the provider, where its page returns the parent, and the template outside WhatsApp's window.
  "paymentProvider",
  "paymentsEnvironment",
  "paymentReturnUrl",
  "paymentTemplateSid",
] as const satisfies readonly SettingKey[];
export type RemindSettingKey = (typeof remindSettingKeys)[number];

/** What EventBridge's scheduled event carries that the run reads: its id, and the time it was due, which is the run's clock. */
export interface ScheduledRunEvent {
  id?: string;
  time?: string;
}

export type ReminderSent = { registration_id: string; message_sid?: string; unconfirmed?: true };
type SendSkipReason = "changed_meanwhile" | "twilio_refused" | "twilio_unavailable" | "out_of_time";
export type ReminderSkip = { registration_id: string; reason: SkipReason | SendSkipReason };
export type PaymentReminderSkip = { registration_id: string; reason: PaymentSkipReason | SendSkipReason };
/** A payment link sent: `first` when it is the one the submission's reply promised, `template` outside WhatsApp's window. */
export type PaymentReminderSent = ReminderSent & { first: boolean; template: boolean };

/** What a run did, by registration id only: nothing that names or reaches a person. */
export type RemindersAnswer =
  | { error: string }
  | {
      now: string;
      /** False when the stack has no reminder template: nothing is sent. */
      configured: boolean;
      /** True when the run fell in London's quiet hours: nothing is sent. */
      quiet_hours: boolean;
      /** Earlier seasons' unfinished registrations this run closed: the club has moved on. */
      lapsed: string[];
      /** Declined and handed-over registrations this run reduced to tombstones: their period was over. */
      reduced: string[];
      sent: ReminderSent[];
      skipped: ReminderSkip[];
      /** Payment links and reminders, in a stack with a payment provider; absent without one. */
      payments?: { sent: PaymentReminderSent[]; skipped: PaymentReminderSkip[] };
    };

export type RemindersHandler = (event: ScheduledRunEvent, context?: RemainingTime) => Promise<RemindersAnswer>;

export interface RemindersDependencies {
  /** The Lambda's environment unless given. */
  env: NodeJS.ProcessEnv;
  readSettings: SettingsReader<RemindSettingKey>;
  messagesClient: MessagesClient;
  store: RegistrationStore;
  /** The payment provider's secrets, read only in a stack with a provider. */
  readPaymentSecrets: PaymentSecretsReader;
  writeLog?: LineWriter;
}

/** The longest one payment link is waited for: a squad's links may all be due in one run. */
const paymentLinkWaitMs = 10_000;

// Time kept back from the Lambda's budget so the last claim can still be given back.
const responseReserveMs = 5_000;
// An ISO 8601 instant with its offset: a bare date or local time would be read in the server's zone.
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The run's clock from the event's time, or why it cannot be one. */
export function runClock(time: string | undefined, clock: () => Date): Date | { error: string } {
  if (time === undefined) return clock();
  if (!instantPattern.test(time) || Number.isNaN(Date.parse(time))) {
    return { error: "time must be an ISO 8601 instant with its offset, such as 2025-06-05T10:00:00Z" };
  }
  return new Date(time);
}

export function createRemindersHandler(
  declaration: ScheduledFunctionDeclaration<RemindSettingKey>,
  dependencies: Partial<RemindersDependencies> = {},
): RemindersHandler {
  const { env, awsCalls, readSettings, writeLog, route, metrics } = handlerSetup(declaration, dependencies);
  // Those Twilio took (an unconfirmed send is claimed and kept, but may not have gone): one line a run for each kind.
  const countSent = (sent: readonly ReminderSent[]) => {
    const taken = sent.filter((reminder) => reminder.message_sid !== undefined).length;
    if (taken > 0) metrics("RemindersSent", { count: taken });
  };
  const messagesClient = dependencies.messagesClient ?? createMessagesClient({ apiBaseUrl: env.TWILIO_API_BASE_URL });
  const store = dependencies.store ?? createRegistrationStore(env, awsCalls);
  const providerFor = paymentProviderOf(env, awsCalls, dependencies.readPaymentSecrets);

  /**
   * The ids of the season's registrations that `wanted` keeps, grouped by the parent's number: only
   * their partitions are read again. Each one left out (a tombstone has no parent) goes to `left`.
   */
  async function seasonByParent(
    season: string,
    wanted: (registration: StoredRegistration) => boolean,
    left: (registrationId: string) => void = () => undefined,
  ) {
    const byParent = new Map<string, Set<string>>();
    let cursor: string | undefined;
    do {
      const page = await store.listSeason(season, {}, cursor);
      for (const registration of page.registrations) {
        if (!("parent_tel" in registration) || !wanted(registration)) {
          left(registration.registration_id);
          continue;
        }
        const ids = byParent.get(registration.parent_tel) ?? new Set<string>();
        byParent.set(registration.parent_tel, ids.add(registration.registration_id));
      }
      cursor = page.cursor;
    } while (cursor);
    return byParent;
  }

  /**
   * Closes the earlier seasons' unfinished registrations as `lapsed`. Here rather than in the
   * webhook: the hourly run is what reads whole seasons, so after a change of season every one is
   * closed within the hour, whether or not its parent ever writes again (the conversation already
   * treats it as over). Each is a write conditional on the version the index showed, which may
   * lag: one that changed meanwhile, or one the run fails on, is left to the next run. A season
   * after the stack's (a club that set its season back) is left as it is.
   */
  async function lapseEarlierSeasons(values: Record<RemindSettingKey, string>, now: Date, log: Log): Promise<string[]> {
    const lapsed: string[] = [];
    // The seasons whose records DynamoDB may still hold: kept until the August after the season plus the retention years.
    for (const season of seasonsBefore(values.season, Number(values.retentionYears) + 1)) {
      let cursor: string | undefined;
      do {
        const page = await store.listSeason(season, {}, cursor);
        for (const registration of page.registrations) {
          if (registration.status === "erased" || !unfinishedStatuses.includes(registration.status)) continue;
          try {
            if (await store.replace(registration, lapseRegistration(registration, now))) lapsed.push(registration.registration_id);
          } catch (error) {
            log("warn", "registration_not_lapsed", { registration_id: registration.registration_id, error: errorName(error) });
          }
        }
        cursor = page.cursor;
      } while (cursor);
    }
    if (lapsed.length > 0) log("info", "registrations_lapsed", { count: lapsed.length });
    return lapsed;
  }

  /**
   * Reduces the declined and handed-over registrations whose period is over (domain/retention.ts)
   * to the tombstone erasure leaves, each with its erasure log entry, in every season DynamoDB may
   * still hold. Each erasure is conditional on the version the index showed: one that changed
   * meanwhile (a RESTART, a message for the club), or one the run fails on, is left to the next run.
   */
  async function reduceClosed(values: Record<RemindSettingKey, string>, now: Date, log: Log): Promise<string[]> {
    const reduced: string[] = [];
    for (const season of [values.season, ...seasonsBefore(values.season, Number(values.retentionYears) + 1)]) {
      let cursor: string | undefined;
      do {
        const page = await store.listSeason(season, {}, cursor);
        const records = page.registrations.filter((record): record is StoredRegistration => record.status !== "erased");
        for (const registration of closedRegistrationsDue(records, Number(values.closedRetentionDays), now)) {
          try {
            if (await store.erase(registration, now, "closed")) reduced.push(registration.registration_id);
          } catch (error) {
            log("warn", "registration_not_reduced", { registration_id: registration.registration_id, error: errorName(error) });
          }
        }
        cursor = page.cursor;
      } while (cursor);
    }
    if (reduced.length > 0) log("info", "registrations_reduced", { count: reduced.length });
    return reduced;
  }

  /** Claims, sends and, when no message was made, gives the claim back. */
  async function remind(
    registration: StoredRegistration,
    now: Date,
    settings: HandlerSettings<RemindSettingKey>,
    deadline: number,
    log: Log,
  ): Promise<{ sent: ReminderSent } | { skipped: ReminderSkip }> {
    const { registration_id } = registration;
    const claimed: StoredRegistration = {
      ...registration,
      reminders_sent: (registration.reminders_sent ?? 0) + 1,
      last_reminder_at: now.toISOString(),
      // Not updated_at: the conversation takes the latest-updated registration as the one the parent is answering.
      version: registration.version + 1,
    };
    const claim = await store.claimResend(registration, claimed);
    if (claim.outcome === "opted_out") return { skipped: { registration_id, reason: "parent_opted_out" } };
    if (claim.outcome !== "created") return { skipped: { registration_id, reason: "changed_meanwhile" } };

    const { values, twilio } = settings;
    const outcome = await messagesClient.sendTemplate(
      twilio,
      {
        from: `whatsapp:${values.whatsappNumber}`,
        to: `whatsapp:${registration.parent_tel}`,
        contentSid: values.reminderTemplateSid,
        contentVariables: JSON.stringify(reminderVariables(registration, values.clubName)),
        // Twilio reports the reminder's delivery too; POST /status keeps only the invite's on the registration.
        statusCallback: values.statusCallbackUrl,
      },
      deadline,
    );
    const to = maskPhone(registration.parent_tel);
    if (outcome.outcome === "sent") {
      log("info", "reminder_sent", { to, message_sid: outcome.sid, registration_id });
      return { sent: { registration_id, message_sid: outcome.sid } };
    }
    if (outcome.outcome === "unconfirmed") {
      // Twilio may have sent it: the claim stays, so it is never sent twice.
      log("warn", "reminder_unconfirmed", { to, registration_id, twilio_status: outcome.httpStatus, attempts: outcome.attempts });
      return { sent: { registration_id, unconfirmed: true } };
    }
    log("warn", `reminder_${outcome.outcome}`, {
      to,
      registration_id,
      twilio_code: outcome.outcome === "refused" ? outcome.code : undefined,
      twilio_status: outcome.httpStatus,
    });
    const unclaimed = { ...registration, version: claimed.version + 1 };
    if (!(await store.replace(claimed, unclaimed))) log("warn", "registration_moved_on", { registration_id });
    return { skipped: { registration_id, reason: outcome.outcome === "refused" ? "twilio_refused" : "twilio_unavailable" } };
  }

  /**
   * One payment link to a parent: made first when needed (none yet, or the kept one about to
   * expire), then claimed (the link kept, the send counted) before it goes, as a plain message
   * inside WhatsApp's window or through the payment template outside it. A send that made no
   * message gives the claim back but keeps the link.
   */
  async function remindToPay(
    registration: StoredRegistration & { payment: NonNullable<StoredRegistration["payment"]> },
    { first, template }: { first: boolean; template: boolean },
    provider: PaymentProvider,
    now: Date,
    settings: HandlerSettings<RemindSettingKey>,
    deadline: number,
    log: Log,
  ): Promise<{ sent: PaymentReminderSent } | { skipped: PaymentReminderSkip }> {
    const { registration_id, payment } = registration;
    const { values, twilio } = settings;
    let link: PaymentLink;
    if (linkNeeded(payment, now) === "none") {
      link = { requestId: payment.request_id!, flowId: payment.flow_id!, url: payment.link_url!, expiresAt: payment.link_expires_at! };
    } else {
      const timeoutMs = Math.min(paymentLinkWaitMs, deadline - Date.now());
      const outcome = await askForPaymentLink(provider, registration, values, { store, timeoutMs, log });
      if (outcome.outcome !== "created") {
        return { skipped: { registration_id, reason: "provider_unavailable" } };
      }
      link = outcome.link;
    }
    const claimed: StoredRegistration = {
      ...registration,
      payment: claimPaymentReminder(payment, link, now, first),
      // Not updated_at, as for the invite's reminders.
      version: registration.version + 1,
    };
    const claim = await store.claimResend(registration, claimed);
    if (claim.outcome === "opted_out") return { skipped: { registration_id, reason: "parent_opted_out" } };
    if (claim.outcome !== "created") return { skipped: { registration_id, reason: "changed_meanwhile" } };

    const from = `whatsapp:${values.whatsappNumber}`;
    const to = `whatsapp:${registration.parent_tel}`;
    const outcome = template
      ? await messagesClient.sendTemplate(
          twilio,
          {
            from,
            to,
            contentSid: values.paymentTemplateSid,
            contentVariables: JSON.stringify(paymentTemplateVariables(registration, values.clubName, link.url)),
            statusCallback: values.statusCallbackUrl,
          },
          deadline,
        )
      : await messagesClient.sendText(
          twilio,
          {
            from,
            to,
            body: paymentReminderText(registration, values.clubName, link.url, first),
            statusCallback: values.statusCallbackUrl,
          },
          deadline,
        );
    const masked = maskPhone(registration.parent_tel);
    const detail = template ? "template" : "text";
    if (outcome.outcome === "sent") {
      log("info", first ? "payment_link_sent" : "payment_reminder_sent", { to: masked, message_sid: outcome.sid, registration_id, detail });
      return { sent: { registration_id, message_sid: outcome.sid, first, template } };
    }
    if (outcome.outcome === "unconfirmed") {
      log("warn", "payment_reminder_unconfirmed", { to: masked, registration_id, twilio_status: outcome.httpStatus, detail });
      return { sent: { registration_id, unconfirmed: true, first, template } };
    }
    log("warn", `payment_reminder_${outcome.outcome}`, {
      to: masked,
      registration_id,
      twilio_code: outcome.outcome === "refused" ? outcome.code : undefined,
      twilio_status: outcome.httpStatus,
      detail,
    });
    // The link stays kept: the next run sends it rather than making another.
    const unclaimed = { ...registration, payment: withPaymentLink(payment, link), version: claimed.version + 1 };
    if (!(await store.replace(claimed, unclaimed))) log("warn", "registration_moved_on", { registration_id });
    return { skipped: { registration_id, reason: outcome.outcome === "refused" ? "twilio_refused" : "twilio_unavailable" } };
  }

  /** Every payment link and reminder due in the season (the run is outside quiet hours). */
  async function remindAllToPay(
    provider: PaymentProvider,
    now: Date,
    settings: HandlerSettings<RemindSettingKey>,
    deadline: number,
    log: Log,
  ): Promise<NonNullable<Extract<RemindersAnswer, { now: string }>["payments"]>> {
    const { values } = settings;
    const sent: PaymentReminderSent[] = [];
    const skipped: PaymentReminderSkip[] = [];
    const hasTemplate = values.paymentTemplateSid !== noPaymentProvider;
    for (const [tel, ids] of await seasonByParent(
      values.season,
      // Submitted, its fee still to pay through a link.
      (registration) => registration.status === "submitted" && registration.payment !== undefined && awaitsPayment(registration.payment),
    )) {
      const { contact, registrations } = await store.readParent(tel);
      for (const registration of registrations.filter((candidate) => ids.has(candidate.registration_id))) {
        const { registration_id, payment } = registration;
        const decision = decidePaymentReminder(registration, contact, now, {
          afterDays: Number(values.reminderAfterDays),
          season: values.season,
        });
        if (!decision.remind || !payment) {
          skipped.push({ registration_id, reason: decision.remind ? "no_payment" : decision.reason });
          continue;
        }
        const template = !insideWhatsAppWindow(contact, now);
        if (template && !hasTemplate) {
          skipped.push({ registration_id, reason: "no_payment_template" });
          continue;
        }
        if (Date.now() >= deadline) {
          skipped.push({ registration_id, reason: "out_of_time" });
          continue;
        }
        try {
          const done = await remindToPay(
            { ...registration, payment },
            { first: decision.first, template },
            provider,
            now,
            settings,
            deadline,
            log,
          );
          if ("sent" in done) sent.push(done.sent);
          else skipped.push(done.skipped);
        } catch (error) {
          log("warn", "payment_reminder_not_claimed", { registration_id, error: errorName(error) });
          skipped.push({ registration_id, reason: "changed_meanwhile" });
        }
      }
    }
    const untemplated = skipped.filter((skip) => skip.reason === "no_payment_template").length;
    // Said once a run, by count: the club's cue to have a payment template approved (docs/operating.md).
    if (untemplated > 0) log("warn", "payment_reminders_not_configured", { detail: "paymentTemplateSid", count: untemplated });
    const reasons = [...new Set(skipped.map((skip) => skip.reason))].sort();
    log("info", "payment_reminders_done", { count: sent.length, detail: reasons.join(",") || undefined });
    countSent(sent);
    return { sent, skipped };
  }

  async function run(now: Date, remaining: RemainingTime, log: Log): Promise<RemindersAnswer> {
    const settings = await readSettings();
    const { values } = settings;
    const sent: ReminderSent[] = [];
    const skipped: ReminderSkip[] = [];
    // Whatever the hour and whether or not reminders are configured: closing sends nothing.
    const lapsed = await lapseEarlierSeasons(values, now, log);
    const reduced = await reduceClosed(values, now, log);
    const configured = values.reminderTemplateSid !== noReminderTemplate;
    // The provider's secret out of reach stops the payment links alone, not the rest of the run.
    const provider = await providerFor(values).catch((error) => {
      log("warn", "payment_provider_unavailable", { error: errorName(error) });
      return undefined;
    });
    const answer = {
      now: now.toISOString(),
      configured,
      quiet_hours: false,
      lapsed,
      reduced,
      sent,
      skipped,
      ...(provider ? { payments: { sent: [], skipped: [] } } : {}),
    };
    if (!configured) log("info", "reminders_not_configured", { detail: "reminderTemplateSid" });
    if (!configured && !provider) return answer;
    const rules = createReminderRules({ afterDays: Number(values.reminderAfterDays), max: Number(values.reminderMax) }, values.season);
    if (rules.isQuietHour(now)) {
      log("info", "reminders_quiet_hours");
      return { ...answer, quiet_hours: true };
    }
    const deadline = Date.now() + remaining.getRemainingTimeInMillis() - responseReserveMs;
    if (configured) await remindAllToFinish(rules, now, settings, deadline, log, { sent, skipped });
    return provider ? { ...answer, payments: await remindAllToPay(provider, now, settings, deadline, log) } : answer;
  }

  /** Every reminder to finish a registration due in the season (the run is outside quiet hours). */
  async function remindAllToFinish(
    rules: ReturnType<typeof createReminderRules>,
    now: Date,
    settings: HandlerSettings<RemindSettingKey>,
    deadline: number,
    log: Log,
    { sent, skipped }: { sent: ReminderSent[]; skipped: ReminderSkip[] },
  ): Promise<void> {
    const { values } = settings;
    for (const [tel, ids] of await seasonByParent(
      values.season,
      (registration) => waitingStatuses.includes(registration.status),
      (registration_id) => skipped.push({ registration_id, reason: "not_waiting" }),
    )) {
      const { contact, registrations } = await store.readParent(tel);
      for (const registration of registrations.filter((candidate) => ids.has(candidate.registration_id))) {
        const decision = rules.decide(registration, contact, now);
        if (!decision.remind) {
          skipped.push({ registration_id: registration.registration_id, reason: decision.reason });
          continue;
        }
        // No claim the run may not live to send or give back: the next run sends it.
        if (Date.now() >= deadline) {
          skipped.push({ registration_id: registration.registration_id, reason: "out_of_time" });
          continue;
        }
        try {
          const done = await remind(registration, now, settings, deadline, log);
          if ("sent" in done) sent.push(done.sent);
          else skipped.push(done.skipped);
        } catch (error) {
          // One registration's failure (the table out of reach for its claim, say) does not stop the others.
          log("warn", "reminder_not_claimed", { registration_id: registration.registration_id, error: errorName(error) });
          skipped.push({ registration_id: registration.registration_id, reason: "changed_meanwhile" });
        }
      }
    }
    const reasons = [...new Set(skipped.map((skip) => skip.reason))].sort();
    log("info", "reminders_done", { count: sent.length, detail: reasons.join(",") || undefined });
    countSent(sent);
  }

  return async (event, context) => {
    const started = Date.now();
    const log = createLog({ request_id: event.id ?? `local-${started.toString(36)}`, route }, writeLog);
    const remaining = context ?? { getRemainingTimeInMillis: () => declaration.timeoutSeconds * 1000 - (Date.now() - started) };
    const now = runClock(event.time, () => new Date());
    if ("error" in now) {
      log("warn", "reminders_refused", { detail: "time" });
      return now;
    }
    return awsCalls.run(awsCallContext(remaining.getRemainingTimeInMillis(), log), async () => {
      try {
        return await run(now, remaining, log);
      } catch (error) {
        logFailure(log, error, errorName);
        return { error: "the reminders stopped on an unexpected error; the log has its request id" };
      }
    });
  };
}
