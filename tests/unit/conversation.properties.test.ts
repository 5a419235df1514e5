/**
 * The conversation under random sequences of messages (fast-check): good answers to whatever
 * is asked mixed with commands, junk, bad answers, media and repeats. Whatever the order, it
 * never throws, never submits without every required answer valid, never loses an answer and
 * never says anything to a parent who sent STOP, except to confirm START.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ageGroupBirthRange, ageGroupFit, parseAgeGroup, parseSeasonStartYear } from "../../domain/conversation/age-group";
import { type CalendarDate, compareDates, londonToday, parseIsoDate } from "../../domain/conversation/calendar-date";
import { globalCommand } from "../../domain/conversation/commands";
import { type ConversationTurn, converse, type IncomingMessage } from "../../domain/conversation/engine";
import { parsePersonName } from "../../domain/conversation/names";
import { replies } from "../../domain/conversation/replies";
import { mayReplyAgain } from "../../domain/conversation/reply-limits";
import { buildScript, defaultSteps, type Script, type Step } from "../../domain/conversation/script";
import { toE164 } from "../../domain/phone";
import { answerKeys, type ParentState, type Registration, type RegistrationRecord } from "../../domain/registration";
import { alfie, alfieAt, alfieSubmitted, now as firstMessageAt, mia, season, settings } from "./conversation-fixtures";

type Move =
  | { kind: "good"; variant: number }
  | { kind: "text"; text: string }
  | { kind: "media"; text: string; numMedia: number }
  | { kind: "repeat" };

interface World {
  parent: ParentState | undefined;
  registrations: Registration[];
}

const noise = [
  "STOP",
  "stop",
  "START",
  "HELP",
  "RESTART",
  "DELETE MY DATA",
  "yes",
  "no",
  "not joining",
  "ready",
  "same",
  "none",
  "1",
  "2",
  "6",
  "9",
  "0",
  "31/02/2015",
  "14/03/2030",
  "01/01/2005",
  "01/09/2016",
  "Alfie",
  "Alfie 2 Testington",
  "Sarah 07700 900123",
  "Jane Testington",
  "07700 900789",
  "what time is training?",
  "how much is it?",
  "Who is the team manager",
  "Possibly asthma?",
  "yes?",
  "any news?",
  "👍",
  "👎",
  "",
  "   ",
  "a".repeat(600),
];

const moves: fc.Arbitrary<Move> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(7).map((variant): Move => ({ kind: "good", variant })) },
  { weight: 4, arbitrary: fc.constantFrom(...noise).map((text): Move => ({ kind: "text", text })) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }).map((text): Move => ({ kind: "text", text })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ text: fc.constantFrom("", "14/03/2015", "yes"), numMedia: fc.integer({ min: 1, max: 10 }) })
      .map((media): Move => ({ kind: "media", ...media })),
  },
  { weight: 1, arbitrary: fc.constant<Move>({ kind: "repeat" }) },
);

const worlds: fc.Arbitrary<{ world: World; script: Script }> = fc
  .record({
    siblings: fc.boolean(),
    lastSeason: fc.boolean(),
    optionalSteps: fc.record({ medical: fc.boolean(), emergency_contact: fc.boolean(), photo_consent: fc.boolean() }),
    noLastName: fc.boolean(),
  })
  .map(({ siblings, lastSeason, optionalSteps, noLastName }) => ({
    script: buildScript({ ...settings, optionalSteps }),
    world: {
      parent: undefined,
      registrations: [
        alfie(noLastName ? { player_last_name: undefined } : {}),
        ...(siblings ? [mia()] : []),
        ...(lastSeason
          ? [alfieSubmitted({ registration_id: "alfie-2024-25", season: "2024-25", age_group: "u10s", photo_consent: true })]
          : []),
      ],
    },
  }));

function isRecord(registration: Registration): registration is RegistrationRecord {
  return registration.status !== "erased";
}

/** The registration the parent is being asked about, found the way a parent reads the chat. */
function beingAsked(world: World): RegistrationRecord | undefined {
  const live = world.registrations.filter(isRecord).sort((a, b) => a.invited_at.localeCompare(b.invited_at));
  return live.find((record) => record.status === "in_progress") ?? live.find((record) => record.status === "invited");
}

const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A date of birth the child's age group takes, typed one of several ways. */
function goodDateOfBirth(record: RegistrationRecord, variant: number): string {
  const range = ageGroupBirthRange(parseAgeGroup(record.age_group)!, parseSeasonStartYear(record.season)!);
  const playingUp = ageGroupBirthRange(parseAgeGroup(record.age_group)! - 1, parseSeasonStartYear(record.season)!);
  const { year, month, day } = [range.from, range.to, playingUp.from, playingUp.to][variant % 4];
  return [
    `${day}/${month}/${year}`,
    `${day} ${monthNames[month - 1]} ${year}`,
    `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
  ][variant % 3];
}

/** What a parent who wants to finish would send now. */
function goodAnswer(world: World, variant: number): string {
  if (world.parent?.opted_out) return "START";
  if (world.parent?.pending_confirmation) return "no";
  const record = beingAsked(world);
  if (!record) return "thanks";
  if (record.conversation.pending_confirmation) return "no";
  const pick = (answers: string[]) => answers[variant % answers.length];
  switch (record.conversation.step) {
    case "start":
      return pick(["ready", "yes", "👍", "let's go"]);
    case "legal_name":
      return pick(["yes", `${record.player_first_name} James Testington`]);
    case "date_of_birth":
      return goodDateOfBirth(record, variant);
    case "medical":
      return pick(["none", "Asthma, uses an inhaler"]);
    case "emergency_contact":
      return pick(["Jane Testington 07700 900789", "yes", "Nan on 07700 900321"]);
    case "photo_consent":
      return pick(["yes", "no", "same"]);
    case "code_of_conduct":
      return "yes";
    case "summary":
      return pick(["yes", "yes", "yes", "4"]);
  }
}

/** Independent of the engine: the answers of a submitted registration are all there and usable. */
function expectEveryRequiredAnswerValid(record: RegistrationRecord, script: Script, today: CalendarDate): void {
  const has = (id: Step["id"]) => script.steps.some((step) => step.id === id);
  expect(record.submitted_at).toBeDefined();
  const name = parsePersonName(record.player_legal_name ?? "", 2);
  expect(name.ok && name.name).toBe(record.player_legal_name);
  const born = parseIsoDate(record.date_of_birth ?? "");
  expect(born).toBeDefined();
  expect(compareDates(born!, today)).toBeLessThanOrEqual(0);
  const fit = ageGroupFit(born!, parseAgeGroup(record.age_group)!, parseSeasonStartYear(record.season)!);
  expect(["in_age_group", "playing_up"]).toContain(fit);
  expect(record.playing_up).toBe(fit === "playing_up");
  if (has("medical")) expect(record.medical_notes?.trim()).toBeTruthy();
  if (has("emergency_contact")) {
    expect(record.emergency_contact_name?.trim()).toBeTruthy();
    expect(toE164(record.emergency_contact_tel ?? "")).toBe(record.emergency_contact_tel);
    expect(record.emergency_contact_tel).not.toBe(record.parent_tel);
  }
  if (has("photo_consent")) expect(typeof record.photo_consent).toBe("boolean");
  expect(record.code_of_conduct_agreed).toBe(true);
}

/** No reply, but the message kept for the club, within a day of telling the parent it has their messages. */
function keptForClubQuietly(turn: ConversationTurn, before: ReadonlyMap<string, Registration>, now: Date): boolean {
  return (
    turn.replies.length === 0 &&
    turn.registrations.some((after) => {
      const was = before.get(after.registration_id) as RegistrationRecord;
      return (
        after.status === "needs_club" &&
        after.messages_for_club?.at(-1)?.at === now.toISOString() &&
        was.club_acknowledged_at !== undefined &&
        !mayReplyAgain(was.club_acknowledged_at, now)
      );
    })
  );
}

/** No reply, nothing changed: a message outside any open conversation, within a day of the number's last such reply. */
function quietOutsideConversation(turn: ConversationTurn, parent: ParentState | undefined, now: Date): boolean {
  const last = parent?.standing_replied_at;
  return turn.replies.length === 0 && turn.parent === undefined && last !== undefined && !mayReplyAgain(last, now);
}

describe("random conversations", () => {
  it("never throw, never skip or lose an answer, and keep silent after STOP", () => {
    let conversationsSubmitted = 0;
    let answersChecked = 0;
    fc.assert(
      fc.property(worlds, fc.array(moves, { minLength: 15, maxLength: 80 }), ({ world: start, script }, sequence) => {
        const world: World = { parent: start.parent, registrations: [...start.registrations] };
        let previous: IncomingMessage = { text: "hello", numMedia: 0 };
        let submitted = false;
        sequence.forEach((move, index) => {
          const now = new Date(firstMessageAt.getTime() + index * 60_000);
          const message: IncomingMessage =
            move.kind === "good"
              ? { text: goodAnswer(world, move.variant), numMedia: 0 }
              : move.kind === "text"
                ? { text: move.text, numMedia: 0 }
                : move.kind === "media"
                  ? { text: move.text, numMedia: move.numMedia }
                  : previous;
          previous = message;
          const before = new Map(world.registrations.map((registration) => [registration.registration_id, registration]));
          const turn = converse({ parent: world.parent, registrations: world.registrations, message, now, script, season });
          const command = globalCommand(message.text);

          // Silence after STOP: nothing said, nothing changed, until START.
          if (world.parent?.opted_out) {
            if (command === "start") {
              expect(turn.replies.length).toBeGreaterThan(0);
              expect(turn.parent?.opted_out).toBe(false);
            } else {
              expect(turn.replies).toEqual([]);
              expect(turn.registrations).toEqual([]);
              expect(turn.parent).toBeUndefined();
            }
          } else if (!keptForClubQuietly(turn, before, now) && !quietOutsideConversation(turn, world.parent, now)) {
            expect(turn.replies.length).toBeGreaterThan(0);
          }
          for (const reply of turn.replies) {
            expect(reply.trim().length).toBeGreaterThan(0);
            expect(reply.length).toBeLessThanOrEqual(1600);
            expect(reply).not.toMatch(/undefined|NaN|\[object|null/);
            expect(reply).not.toMatch(/card number|sort code|account number|CVV|security code/i);
          }

          for (const after of turn.registrations) {
            const earlier = before.get(after.registration_id)!;
            expect(after.version).toBe(earlier.version + 1);
            if (after.status === "erased") {
              // Only a YES to DELETE MY DATA erases.
              expect(world.parent?.pending_confirmation).toBe("delete_my_data");
              expect(Object.keys(after).sort()).toEqual(["erased_at", "registration_id", "status", "version"]);
              continue;
            }
            expect(after.updated_at).toBe(now.toISOString());
            expect(isRecord(earlier)).toBe(true);
            const was = earlier as RegistrationRecord;
            if (was.status === "submitted") expect(after.status).toBe("submitted");
            const restarted = command === "restart" && answerKeys.every((key) => after[key] === undefined);
            const edited = was.conversation.editing
              ? (script.steps.find((step) => step.id === was.conversation.step)?.answerKeys ?? [])
              : [];
            for (const key of answerKeys) {
              if (was[key] === undefined || restarted || edited.includes(key)) continue;
              expect(after[key], `${key} of ${after.registration_id} after "${message.text}"`).toEqual(was[key]);
              answersChecked++;
            }
            if (after.status === "submitted") {
              expectEveryRequiredAnswerValid(after, script, londonToday(now));
              submitted = true;
            }
          }
          if (turn.parent) expect(turn.parent.version).toBe((world.parent?.version ?? 0) + 1);

          world.parent = turn.parent ?? world.parent;
          world.registrations = world.registrations.map(
            (registration) =>
              turn.registrations.find((changed) => changed.registration_id === registration.registration_id) ?? registration,
          );
          const live = world.registrations.filter(isRecord);
          // One conversation at a time, and opted_out only while the parent is.
          expect(live.filter((record) => record.status === "in_progress").length).toBeLessThanOrEqual(1);
          if (!world.parent?.opted_out) expect(live.filter((record) => record.status === "opted_out")).toEqual([]);
        });
        if (submitted) conversationsSubmitted++;
      }),
      { numRuns: 300 },
    );
    // The properties above say something only if most runs get as far as submitting (about 230
    // of the 300 do, checking about 9,000 kept answers).
    expect(conversationsSubmitted).toBeGreaterThan(150);
    expect(answersChecked).toBeGreaterThan(4_500);
  });

  it("say nothing at all to an opted-out parent but START's confirmation", () => {
    const optedOut: ParentState = { opted_out: true, opted_out_at: "2025-06-30T09:00:00.000Z", version: 2 };
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "grapheme", maxLength: 60 }), fc.constantFrom(...noise)),
        fc.nat(3),
        fc.constantFrom<Registration[]>(
          [],
          [alfie({ status: "opted_out" })],
          [alfieSubmitted()],
          [alfie({ status: "opted_out" }), mia({ status: "opted_out" })],
        ),
        (text, numMedia, registrations) => {
          const turn = converse({
            parent: optedOut,
            registrations,
            message: { text, numMedia },
            now: firstMessageAt,
            script: buildScript(settings),
            season,
          });
          if (globalCommand(text) === "start") {
            expect(turn.replies.join(" ")).toContain("Welcome back");
          } else {
            expect(turn).toEqual({ parent: undefined, registrations: [], replies: [], stranger: registrations.length === 0 });
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("answer a question at any step without storing it or counting it against the parent, and ask the question again", () => {
    const stems = ["how much", "what", "who", "why", "which", "when is", "can I", "is there", "does he", "will it", "Sorry, could you"];
    fc.assert(
      fc.property(
        fc.constantFrom(...defaultSteps.map((step) => step.id), "summary" as const),
        fc.nat(2),
        fc.constantFrom(...stems),
        fc.string({ unit: "grapheme", maxLength: 30 }),
        (step, unusable, stem, rest) => {
          const record = alfieAt(step, { conversation: { step, editing: false, unusable_answers: unusable } });
          const script = buildScript(settings);
          const ask = (text: string) =>
            converse({ parent: undefined, registrations: [record], message: { text, numMedia: 0 }, now: firstMessageAt, script, season });
          const turn = ask(`${stem} ${rest}`);
          expect(turn.registrations).toEqual([]);
          // HELP's reply is its text, then the question asked now.
          const question = ask("HELP")
            .replies.join("\n\n")
            .slice(replies.help(record, settings).length + 2);
          expect(turn.replies.join("\n\n").endsWith(question)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
