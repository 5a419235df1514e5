import { awaitsPayment, paymentStanding } from "../payment-link";
import { noPayment } from "../payments";
import { answerKeys, eraseRegistration, type ParentState, type Registration, type RegistrationRecord } from "../registration";
import { type CalendarDate, londonToday } from "./calendar-date";
import { globalCommand } from "./commands";
import { tidyText } from "./names";
import { type QuestionShape, type QuestionTopic, questionShape, questionTopics } from "./questions";
import { namesList, replies } from "./replies";
import { mayReplyAgain } from "./reply-limits";
import type { Script, Step, StepContext } from "./script";
import { readSummaryReply, summaryText } from "./summary";
import { isNotJoining, isReadyPhrase, isReadyToStart, parseYesNo } from "./yes-no";

/** A message from a parent, as Twilio posts it: `Body` and `NumMedia`. */
export interface IncomingMessage {
  text: string;
  numMedia: number;
}

export interface ConversationInput {
  /** What is stored for the parent's WhatsApp number; undefined when nothing is yet. */
  parent: ParentState | undefined;
  /** Every registration for the parent's number, whatever its status and season. */
  registrations: readonly Registration[];
  /**
   * The stack's season (`2025-26`): the only one a message addresses. Another season's
   * registration is over, whatever its status (handlers/reminders.ts closes an unfinished one
   * as `lapsed`); only DELETE MY DATA reaches it.
   */
  season: string;
  message: IncomingMessage;
  now: Date;
  /** From buildScript (script.ts), once per container: the engine itself loads no parser or phone library. */
  script: Script;
}

export interface ConversationTurn {
  /** The parent's new state when it changed (its version one up): write it, conditional on the version read. */
  parent?: ParentState;
  /** The registrations that changed, each with its version one up and `updated_at` now. */
  registrations: Registration[];
  /**
   * The WhatsApp messages to send back, in order; none at all to an opted-out parent, nor to one
   * writing after the hand-over who was told within the day that the club has their messages.
   */
  replies: string[];
  /** No invite for this number: nothing is stored (but a STOP, which must be kept). */
  stranger: boolean;
  /**
   * A submission in a stack with a payment provider: the replies' parts, with a slot for each
   * registration submitted, whose link the webhook asks the provider for once the turn is written
   * and packs in with packReplies. `replies` has the slots filled with "the link follows".
   */
  replyParts?: ReplyPart[];
}

/** Where a registration's payment link goes in a reply (ConversationTurn.replyParts). */
export interface PaymentLinkSlot {
  paymentLinkFor: string;
}
export type ReplyPart = string | PaymentLinkSlot;

// Twilio's limit for one message body; within it, everything goes in one message, because
// Twilio does not promise to deliver a TwiML answer's messages in order.
const maxMessageLength = 1600;
const unusableAnswersBeforeHandover = 3;
// What a parent writes after the hand-over is kept for the club, within bounds: the registration is
// one DynamoDB item, written whole with every message and read with every export page, so a parent
// who keeps writing must not grow it without end (DynamoDB refuses an item over 400 KB). The club
// needs the latest messages to call back, not a transcript: the team manager's number is for that.
const messagesKeptForClub = 10;
const messageForClubLength = 500;
const noParentState: ParentState = { opted_out: false, version: 0 };

/**
 * The registration conversation: one parent's message in, the new state and the replies
 * out. Pure: no I/O, no clock but `now`, the input left as it was.
 */
export function converse(input: ConversationInput): ConversationTurn {
  return new Turn(input).run();
}

function isRecord(registration: Registration): registration is RegistrationRecord {
  return registration.status !== "erased";
}

/** One message's worth of changes, made on copies and handed back at the end. */
class Turn {
  private readonly records: Registration[];
  private readonly changed: Set<string>;
  private parent: ParentState;
  private parentChanged: boolean;
  private readonly parts: ReplyPart[];
  private readonly text: string;
  private readonly today: CalendarDate;

  // Every field is set here, none by an initializer beside its declaration: Pulumi serializes a
  // class for the webhook's package from its constructor and methods, and drops class fields'
  // initializers (tests/program/deployed-code.test.ts runs that package).
  constructor(private readonly input: ConversationInput) {
    this.changed = new Set<string>();
    this.parentChanged = false;
    this.parts = [];
    // Siblings in the order they were invited: that is the order they are registered in.
    this.records = [...input.registrations].sort(
      (a, b) => this.invitedAt(a).localeCompare(this.invitedAt(b)) || a.registration_id.localeCompare(b.registration_id),
    );
    this.parent = input.parent ?? noParentState;
    this.text = input.message.text;
    this.today = londonToday(input.now);
  }

  run(): ConversationTurn {
    const command = globalCommand(this.text);
    if (this.parent.opted_out) {
      // Silence until START: not even to HELP.
      if (command === "start") this.optIn();
      return this.result();
    }
    if (command === "stop") {
      this.optOut();
      return this.result();
    }
    if (this.records.length === 0) {
      this.say(replies.stranger(this.input.script.settings));
      return this.result();
    }
    if (!this.records.some(isRecord)) {
      // Nothing is stored to count by: the store keeps erased registrations apart from the number, so the webhook
      // never sees this case, only a number with no invite, which it limits itself.
      this.say(replies.erasedOnly(this.input.script.settings));
      return this.result();
    }
    // A second DELETE MY DATA is asked again below rather than taken as an answer.
    const answersDeletion = this.parent.pending_confirmation === "delete_my_data" && command !== "delete_my_data";
    if (answersDeletion && this.answerDeleteConfirmation(command === undefined)) return this.result();
    if (command !== "delete_my_data" && this.addressable().length === 0) {
      // Only other seasons' registrations: for this season the number has no invite.
      this.sayOnceADay(replies.stranger(this.input.script.settings));
      return this.result();
    }
    switch (command) {
      case "help":
        this.help();
        return this.result();
      case "restart":
        this.restart();
        return this.result();
      case "delete_my_data":
        this.setParent({ ...this.parent, pending_confirmation: "delete_my_data" });
        this.say(replies.confirmDelete(this.firstNames(), this.input.script.settings));
        return this.result();
    }
    const current = this.current();
    const latest = this.latest(() => true);
    if (!current && latest?.status === "needs_club" && command === undefined && tidyText(this.text) !== "") {
      this.passOn(latest);
    } else if (!current) {
      const standing = this.standing();
      if (standing) this.sayOnceADay(...standing);
    } else if (this.input.message.numMedia > 0) {
      this.say(`${replies.media()} ${this.prompt(current)}`);
    } else if (command === "start" && current.conversation.step !== "start") {
      // START from a parent who never opted out: nothing to reverse.
      this.say(this.prompt(current));
    } else if (current.conversation.pending_confirmation !== "decline" || !this.answerDeclineConfirmation(current)) {
      this.answer(this.withoutPending(current));
    }
    return this.result();
  }

  private answer(record: RegistrationRecord): void {
    const { step } = record.conversation;
    if (step === "start") return this.answerStart(record);
    if (isNotJoining(this.text)) return this.confirmDecline(record);
    const asked = this.stepAsked(record);
    if (asked !== "summary" && asked.id !== step) return this.advance(record, undefined);
    const question = questionShape(this.text);
    // A question that says it is one in its words is answered at any step, before it is read as an answer.
    if (question === "worded") return this.answerQuestion(record, question);
    if (asked === "summary") return this.answerSummary(record, question);
    this.answerStep(record, asked, question);
  }

  private answerStart(record: RegistrationRecord): void {
    if (isReadyToStart(this.text) || parseYesNo(this.text) === "yes") return this.begin(record, replies.intro(record));
    if (parseYesNo(this.text) === "no") return this.confirmDecline(record);
    const question = questionShape(this.text);
    if (question && questionTopics(this.text).length > 0) return this.answerQuestion(record, question);
    this.say(replies.beforeStarting(record));
  }

  private confirmDecline(record: RegistrationRecord): void {
    this.put({ ...record, conversation: { ...record.conversation, pending_confirmation: "decline" } });
    this.say(replies.confirmDecline(record));
  }

  /** True when the message answered "is the child not joining?"; false hands it on as an ordinary answer. */
  private answerDeclineConfirmation(record: RegistrationRecord): boolean {
    const carryOn = this.withoutPending(record);
    // A plain YES answers the question asked (not joining); "ready" means carry on.
    const yesNo = parseYesNo(this.text);
    if (isReadyPhrase(this.text) || (yesNo !== "yes" && isReadyToStart(this.text))) {
      if (carryOn.conversation.step === "start") this.begin(carryOn, replies.intro(carryOn));
      else this.say(`${replies.carryOn()} ${this.prompt(this.put(carryOn))}`);
      return true;
    }
    if (yesNo === "yes") {
      const declined = this.put({ ...carryOn, status: "declined" });
      this.say(replies.declined(declined));
      const next = this.nextInvited();
      if (next) this.say(replies.otherInvite(next));
      return true;
    }
    if (yesNo === "no") {
      this.say(`${replies.carryOn()} ${this.prompt(this.put(carryOn))}`);
      return true;
    }
    return false;
  }

  /** True when the message answered "delete everything?"; any other message cancels it and is handled as usual. */
  private answerDeleteConfirmation(plainText: boolean): boolean {
    this.setParent({ ...this.parent, pending_confirmation: undefined });
    const yesNo = plainText ? parseYesNo(this.text) : undefined;
    if (yesNo === "yes") {
      const names = this.firstNames();
      for (const registration of this.records) if (isRecord(registration)) this.put(eraseRegistration(registration, this.input.now));
      this.say(replies.deleted(names, this.input.script.settings));
      return true;
    }
    this.say(replies.nothingDeleted());
    if (yesNo === "no") {
      const current = this.current();
      if (current) this.say(this.prompt(current));
      else this.finished();
      return true;
    }
    return false;
  }

  private answerStep(record: RegistrationRecord, step: Step, question: QuestionShape | undefined): void {
    const outcome = step.read(this.text, this.context(record));
    if (outcome.kind === "question" || (question && outcome.kind === "unusable")) return this.answerQuestion(record, "marked");
    switch (outcome.kind) {
      case "answer":
        return this.advance({ ...record, ...outcome.answers }, outcome.note);
      case "prompt":
        return this.say(outcome.reply);
      case "unusable":
        return this.unusable(record, `${outcome.problem} ${step.question(this.context(record))}`);
      case "handover":
        return this.handOver({ ...record, ...outcome.answers }, replies.handedOver(outcome.reason, record));
    }
  }

  private answerSummary(record: RegistrationRecord, question: QuestionShape | undefined): void {
    const { steps } = this.input.script;
    const reply = readSummaryReply(this.text, steps.length);
    if (question && reply.kind === "unusable") return this.answerQuestion(record, question);
    switch (reply.kind) {
      case "confirm": {
        const missing = steps.find((step) => !step.answered(record));
        // The club switched a step on since this summary was shown: ask it, then the summary again.
        if (missing) return this.ask(record, missing, true);
        return this.submit(record);
      }
      case "edit":
        return this.ask(record, steps[reply.index], true);
      case "which":
        return this.say(replies.whichToChange(steps.length));
      case "unusable":
        return this.unusable(record, `${replies.summaryUnusable(steps.length)}\n\n${summaryText(record, this.input.script)}`);
    }
  }

  /**
   * What the assistant knows (the fees, how long it takes, what happens next, the team manager),
   * or who to ask; then the question asked again. Nothing changes: a question is not an answer,
   * nor an unusable one.
   */
  private answerQuestion(record: RegistrationRecord, question: QuestionShape): void {
    const topics = questionTopics(this.text);
    for (const topic of topics) this.say(this.topicAnswer(record, topic));
    if (topics.length === 0) {
      // A question only by its question mark may have been meant as the answer: say how to give it.
      this.say(question === "marked" ? `${replies.cannotAnswer(record)} ${replies.withoutQuestionMark()}` : replies.cannotAnswer(record));
    }
    this.say(this.prompt(record));
  }

  private topicAnswer(record: RegistrationRecord, topic: QuestionTopic): string {
    switch (topic) {
      case "fees":
        return replies.fees(record, this.input.script.settings);
      case "time":
        return replies.timeLeft(this.input.script.steps.filter((step) => !step.answered(record)).length);
      case "next":
        return replies.whatHappensNext(record);
      case "manager":
        return replies.teamManager(record);
    }
  }

  /** After an answer: the summary when editing or when every step is answered, the next question otherwise. */
  private advance(record: RegistrationRecord, note: string | undefined): void {
    if (note) this.say(note);
    const next = record.conversation.editing ? undefined : this.firstUnanswered(record);
    if (next) return this.ask(record, next, false);
    const atSummary = this.put({
      ...record,
      status: "in_progress",
      conversation: { step: "summary", editing: false, unusable_answers: 0 },
    });
    this.say(summaryText(atSummary, this.input.script));
  }

  private ask(record: RegistrationRecord, step: Step, editing: boolean): void {
    const asked = this.put({ ...record, status: "in_progress", conversation: { step: step.id, editing, unusable_answers: 0 } });
    this.say(step.question(this.context(asked)));
  }

  private unusable(record: RegistrationRecord, reply: string): void {
    const count = record.conversation.unusable_answers + 1;
    if (count >= unusableAnswersBeforeHandover) return this.handOver(record, replies.tooManyUnusable(record));
    this.put({ ...record, conversation: { ...record.conversation, unusable_answers: count } });
    this.say(reply);
  }

  private handOver(record: RegistrationRecord, reply: string): void {
    this.put({ ...record, status: "needs_club" });
    this.say(reply);
    this.startNext();
  }

  private submit(record: RegistrationRecord): void {
    const { settings } = this.input.script;
    const submitted_at = this.input.now.toISOString();
    if (!settings.takesPayments) {
      const submitted = this.put({ ...record, status: "submitted", submitted_at });
      this.say(replies.submitted(submitted, settings));
      return this.startNext();
    }
    // Submitted again after a RESTART: the payment so far stays with the registration, paid or not.
    const payment = record.payment ?? { ...noPayment };
    const submitted = this.put({ ...record, status: "submitted", submitted_at, payment });
    this.say(replies.submittedThanks(submitted));
    if (awaitsPayment(payment)) {
      this.parts.push({ paymentLinkFor: submitted.registration_id });
      this.say(replies.onlyPayThere(settings));
    }
    this.say(replies.submittedNext(submitted));
    this.startNext();
  }

  /** A sibling still to register starts straight away: the parent is here and has said they are ready. */
  private startNext(): void {
    const next = this.nextInvited();
    if (next) this.begin(next, replies.next(next));
  }

  private begin(started: RegistrationRecord, opening: string): void {
    const { script } = this.input;
    const asksMedical = script.steps.some((step) => step.id === "medical");
    this.say(`${opening} ${replies.privacyNotice(started, script.settings, asksMedical)}`);
    // A hand-over of this registration, or a reply about where things stood, is over: the next gets its first reply.
    const record: RegistrationRecord = { ...started, club_acknowledged_at: undefined };
    if (this.parent.standing_replied_at !== undefined) this.setParent({ ...this.parent, standing_replied_at: undefined });
    const first = this.firstUnanswered(record);
    if (first) this.ask(record, first, false);
    else this.advance(record, undefined);
  }

  private restart(): void {
    const target = this.current() ?? this.latest((record) => record.status === "needs_club" || record.status === "declined");
    if (!target) return this.finished();
    const cleared: RegistrationRecord = {
      ...target,
      status: "in_progress",
      submitted_at: undefined,
      conversation: { step: "start", editing: false, unusable_answers: 0 },
    };
    for (const key of answerKeys) delete cleared[key];
    this.begin(cleared, replies.restarted(cleared));
  }

  private help(): void {
    const current = this.current();
    const record = current ?? this.latest(() => true);
    if (record) this.say(replies.help(record, this.input.script.settings));
    if (current) this.say(this.prompt(current));
  }

  private optOut(): void {
    this.setParent({ opted_out: true, opted_out_at: this.input.now.toISOString(), version: this.parent.version });
    for (const registration of this.addressable()) {
      if (registration.status === "invited" || registration.status === "in_progress") this.put({ ...registration, status: "opted_out" });
    }
    this.say(replies.optedOut(this.input.script.settings));
  }

  private optIn(): void {
    this.setParent({ opted_out: false, version: this.parent.version });
    for (const registration of this.addressable()) {
      if (registration.status === "opted_out")
        this.put({ ...registration, status: registration.conversation.step === "start" ? "invited" : "in_progress" });
    }
    this.say(replies.optedIn(this.input.script.settings));
    const current = this.current();
    if (current) this.say(this.prompt(current));
  }

  /** A message to a handed-over registration: kept on it for the club, and the parent told so, at most once a day. */
  private passOn(record: RegistrationRecord): void {
    const text = Array.from(tidyText(this.text));
    const at = this.input.now.toISOString();
    const message = {
      at,
      text: text.length > messageForClubLength ? `${text.slice(0, messageForClubLength - 1).join("")}…` : text.join(""),
    };
    const messages_for_club = [...(record.messages_for_club ?? []), message].slice(-messagesKeptForClub);
    if (!mayReplyAgain(record.club_acknowledged_at, this.input.now)) {
      this.put({ ...record, messages_for_club });
      return;
    }
    this.put({ ...record, messages_for_club, club_acknowledged_at: at });
    this.say(replies.passedOn(record));
  }

  /** Nothing left to ask, in answer to a command: say where the latest registration stands. */
  private finished(): void {
    const standing = this.standing();
    if (standing) this.say(...standing);
  }

  /**
   * Where the latest registration stands (submitted, declined, with the club), in parts; undefined
   * with none this season. A fee still to pay whose link no longer works leaves a slot for a fresh
   * link (the webhook asks the provider): the parent asking should not wait for a reminder.
   */
  private standing(): ReplyPart[] | undefined {
    const latest = this.latest(() => true);
    if (!latest) return undefined;
    const { settings } = this.input.script;
    if (latest.status === "submitted") {
      if (!settings.takesPayments || !latest.payment) return [replies.alreadySubmitted(latest, settings)];
      const payment = paymentStanding(latest.payment, this.input.now);
      if (payment.kind !== "no_link") return [replies.alreadySubmittedWithPayment(latest, settings, payment)];
      return [replies.alreadySubmittedAwaitingLink(latest), { paymentLinkFor: latest.registration_id }, replies.changeAnAnswer(latest)];
    }
    if (latest.status === "declined") return [replies.alreadyDeclined(latest)];
    return [replies.withTheClub(latest)];
  }

  /**
   * A reply to a message that moves nothing on, outside any open registration's conversation: at
   * most one a day to the number, as another business's auto-reply bot would loop with it.
   */
  private sayOnceADay(...parts: ReplyPart[]): void {
    if (!mayReplyAgain(this.parent.standing_replied_at, this.input.now)) return;
    this.setParent({ ...this.parent, standing_replied_at: this.input.now.toISOString() });
    this.say(...parts);
  }

  /** What the parent is being asked now. */
  private prompt(record: RegistrationRecord): string {
    if (record.conversation.step === "start") return replies.readyWhenYouAre(record);
    const asked = this.stepAsked(record);
    return asked === "summary" ? summaryText(record, this.input.script) : asked.question(this.context(record));
  }

  /** The step being asked; when the club has switched it off since, the next unanswered one (or the summary). */
  private stepAsked(record: RegistrationRecord): Step | "summary" {
    const { step } = record.conversation;
    if (step === "summary") return "summary";
    return this.input.script.steps.find((scripted) => scripted.id === step) ?? this.firstUnanswered(record) ?? "summary";
  }

  private firstUnanswered(record: RegistrationRecord): Step | undefined {
    return this.input.script.steps.find((step) => !step.answered(record));
  }

  private context(record: RegistrationRecord): StepContext {
    const earlier = this.latest(
      (other) => other.status === "submitted" && other.registration_id !== record.registration_id,
      (other) => other.submitted_at ?? "",
    );
    return { record, earlier, today: this.today, settings: this.input.script.settings };
  }

  /** The registrations a message may address: this season's, not erased. */
  private addressable(): RegistrationRecord[] {
    return this.records.filter(isRecord).filter((record) => record.season === this.input.season);
  }

  /** The registration being talked about: one in progress, otherwise the first still to start. */
  private current(): RegistrationRecord | undefined {
    const live = this.addressable();
    return live.find((record) => record.status === "in_progress") ?? live.find((record) => record.status === "invited");
  }

  private nextInvited(): RegistrationRecord | undefined {
    return this.addressable().find((record) => record.status === "invited");
  }

  private latest(
    matches: (record: RegistrationRecord) => boolean,
    when = (record: RegistrationRecord) => record.updated_at,
  ): RegistrationRecord | undefined {
    return this.addressable()
      .filter(matches)
      .reduce<RegistrationRecord | undefined>((latest, record) => (!latest || when(record) >= when(latest) ? record : latest), undefined);
  }

  private firstNames(): string {
    return namesList(this.records.filter(isRecord).map((record) => record.player_first_name));
  }

  private invitedAt(registration: Registration): string {
    return isRecord(registration) ? registration.invited_at : "";
  }

  private withoutPending(record: RegistrationRecord): RegistrationRecord {
    if (record.conversation.pending_confirmation === undefined) return record;
    const { pending_confirmation: _, ...conversation } = record.conversation;
    return this.put({ ...record, conversation });
  }

  private put<T extends Registration>(registration: T): T {
    const index = this.records.findIndex((existing) => existing.registration_id === registration.registration_id);
    this.records[index] = registration;
    this.changed.add(registration.registration_id);
    return registration;
  }

  private setParent(parent: ParentState): void {
    this.parent = parent;
    this.parentChanged = true;
  }

  private say(...parts: ReplyPart[]): void {
    this.parts.push(...parts);
  }

  private result(): ConversationTurn {
    const original = new Map(this.input.registrations.map((registration) => [registration.registration_id, registration.version]));
    const now = this.input.now.toISOString();
    const registrations = this.records
      .filter((registration) => this.changed.has(registration.registration_id))
      .map((registration) => {
        const version = (original.get(registration.registration_id) ?? 0) + 1;
        return isRecord(registration) ? { ...registration, version, updated_at: now } : { ...registration, version };
      });
    const parent = this.parentChanged ? withoutUndefined({ ...this.parent, version: (this.input.parent?.version ?? 0) + 1 }) : undefined;
    const hasSlot = this.parts.some((part) => typeof part !== "string");
    const linkFollows = (registrationId: string) => {
      const record = this.records.find((registration) => registration.registration_id === registrationId);
      return record && isRecord(record) ? replies.paymentLinkFollows(record) : "";
    };
    return {
      parent,
      registrations: registrations.map(withoutUndefined),
      replies: packReplies(this.parts, linkFollows),
      stranger: this.records.length === 0,
      ...(hasSlot ? { replyParts: [...this.parts] } : {}),
    };
  }
}

/** Absent rather than undefined, so a record reads the same after a round trip through JSON or DynamoDB. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** The parts, in order, each slot filled with `link(registrationId)`'s text, in as few messages as fit Twilio's limit. */
export function packReplies(parts: readonly ReplyPart[], link: (registrationId: string) => string): string[] {
  const messages: string[] = [];
  for (const part of parts.map((each) => (typeof each === "string" ? each : link(each.paymentLinkFor)))) {
    const last = messages.length - 1;
    if (last >= 0 && messages[last].length + 2 + part.length <= maxMessageLength) messages[last] += `\n\n${part}`;
    else messages.push(part);
  }
  return messages;
}
