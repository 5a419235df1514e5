/**
 * The registration conversation as tables, in the style of nyaruka/courier's handler tests:
 * each row is a state and a message in, and the replies and the state that must come out.
 */
import { describe, expect, it } from "vitest";
import { converse } from "../../domain/conversation/engine";
import { questionShape } from "../../domain/conversation/questions";
import { buildScript, defaultSteps, optionalStepIds, type Script } from "../../domain/conversation/script";
import {
  type Answers,
  answerKeys,
  eraseRegistration,
  type ParentState,
  type Registration,
  type RegistrationRecord,
  type StepId,
} from "../../domain/registration";
import {
  alfie,
  alfieAt,
  alfieSubmitted,
  alfiesAnswers,
  answersBefore,
  contactTel,
  mia,
  now,
  script,
  season,
  settings,
} from "./conversation-fixtures";

interface Row {
  label: string;
  given: Registration[];
  parent?: ParentState;
  script?: Script;
  text: string;
  numMedia?: number;
  /** Each appears in the replies (case-insensitive). */
  says?: string[];
  saysNot?: string[];
  /** No reply of any kind. */
  silent?: true;
  /** What each registration must hold afterwards, changed or not. */
  becomes?: Record<string, object>;
  /** Answers that must be gone from Alfie's registration. */
  cleared?: (keyof Answers)[];
  /** Registrations that must come back unchanged (not among those to write). */
  unchanged?: string[];
  /** The parent's state to write; null: nothing to write. */
  parent_becomes?: Partial<ParentState> | null;
  stranger?: true;
}

function play(row: Row) {
  const turn = converse({
    parent: row.parent,
    registrations: row.given,
    message: { text: row.text, numMedia: row.numMedia ?? 0 },
    now,
    script: row.script ?? script,
    season,
  });
  const after = new Map(row.given.map((registration) => [registration.registration_id, registration as object]));
  for (const registration of turn.registrations) after.set(registration.registration_id, registration);
  const said = turn.replies.join("\n\n").toLowerCase();

  if (row.silent) expect(turn.replies).toEqual([]);
  else expect(turn.replies.length).toBeGreaterThan(0);
  for (const text of row.says ?? []) expect(said).toContain(text.toLowerCase());
  for (const text of row.saysNot ?? []) expect(said).not.toContain(text.toLowerCase());
  for (const [id, expected] of Object.entries(row.becomes ?? {})) expect(after.get(id)).toMatchObject(expected);
  for (const key of row.cleared ?? []) expect(after.get("alfie")).not.toHaveProperty(key);
  const changed = turn.registrations.map((registration) => registration.registration_id);
  for (const id of row.unchanged ?? []) expect(changed).not.toContain(id);
  if (row.parent_becomes === null) expect(turn.parent).toBeUndefined();
  else if (row.parent_becomes) expect(turn.parent).toMatchObject(row.parent_becomes);
  expect(turn.stranger).toBe(row.stranger ?? false);
}

const legalNameQuestion = "Is Alfie Testington right? Reply YES or send the full name";
const dobQuestion = "What is Alfie's date of birth? Day first, for example: 14/03/2015";
const medicalQuestion = "medical conditions, allergies or medication";
const contactQuestion = "Send their name and phone number, for example: Jane Testington 07700 900456";
const photoQuestion = "photos and videos of Alfie";
const conductQuestion =
  "code of conduct (https://www.urmstontownjfc.example/code-of-conduct) and privacy notice (https://www.urmstontownjfc.example/privacy)? Reply YES";
const manager = ["Dave Examplesson", "07700 900456"];
const summaryEnd = "Reply YES to confirm, or the number of an answer to change it";

describe("step 1: starting", () => {
  const yesLike = ["yes", "Ready!", "ok", "okay", "let's go", "sure", "yep", "👍", "✅", "Yes please", "I'm ready"];
  it.each(
    yesLike.map(
      (text): Row => ({
        label: text,
        given: [alfie()],
        text,
        says: ["let's register Alfie for Lions u11s", legalNameQuestion],
        becomes: { alfie: { status: "in_progress", conversation: { step: "legal_name", editing: false, unusable_answers: 0 } } },
      }),
    ),
  )("$label starts", play);

  it.each<Row>([
    {
      label: "a question before starting gets the team manager and READY",
      given: [alfie()],
      text: "What time is training?",
      says: [...manager, "Reply READY when you are"],
      unchanged: ["alfie"],
    },
    {
      label: "no asks to confirm",
      given: [alfie()],
      text: "no",
      says: ["Alfie won't be joining Lions u11s this season?", "Reply YES to confirm"],
      becomes: { alfie: { status: "invited", conversation: { pending_confirmation: "decline" } } },
    },
    {
      label: "not joining asks to confirm",
      given: [alfie()],
      text: "Not joining",
      says: ["won't be joining"],
      becomes: { alfie: { conversation: { pending_confirmation: "decline" } } },
    },
    {
      label: "YES confirms: declined, with thanks",
      given: [alfie({ conversation: { step: "start", editing: false, unusable_answers: 0, pending_confirmation: "decline" } })],
      text: "yes",
      says: ["Thanks for letting us know"],
      becomes: { alfie: { status: "declined" } },
    },
    {
      label: "NO to the confirmation carries on",
      given: [alfie({ conversation: { step: "start", editing: false, unusable_answers: 0, pending_confirmation: "decline" } })],
      text: "no",
      says: ["carry on", "Reply READY"],
      becomes: { alfie: { status: "invited", conversation: { step: "start", editing: false, unusable_answers: 0 } } },
    },
    {
      label: "READY instead of confirming starts",
      given: [alfie({ conversation: { step: "start", editing: false, unusable_answers: 0, pending_confirmation: "decline" } })],
      text: "ready",
      says: [legalNameQuestion],
      becomes: { alfie: { status: "in_progress", conversation: { step: "legal_name", editing: false, unusable_answers: 0 } } },
    },
    {
      label: "a declined child's sibling is offered",
      given: [alfie({ conversation: { step: "start", editing: false, unusable_answers: 0, pending_confirmation: "decline" } }), mia()],
      text: "YES",
      says: ["You also have an invitation for Mia to join Lionesses u9s", "READY"],
      becomes: { alfie: { status: "declined" }, mia: { status: "invited" } },
    },
    {
      label: "not joining mid-way asks to confirm too",
      given: [alfieAt("medical")],
      text: "he's not joining",
      says: ["Alfie won't be joining"],
      becomes: { alfie: { status: "in_progress", conversation: { step: "medical", pending_confirmation: "decline" } } },
    },
    {
      label: "NO to a mid-way decline asks the question again",
      given: [
        alfieAt("medical", { conversation: { step: "medical", editing: false, unusable_answers: 0, pending_confirmation: "decline" } }),
      ],
      text: "no",
      says: ["carry on", medicalQuestion],
      becomes: { alfie: { status: "in_progress", conversation: { step: "medical", editing: false, unusable_answers: 0 } } },
    },
    {
      label: "an answer instead of confirming is taken as the answer",
      given: [
        alfieAt("medical", { conversation: { step: "medical", editing: false, unusable_answers: 0, pending_confirmation: "decline" } }),
      ],
      text: "Peanut allergy",
      says: [contactQuestion],
      becomes: {
        alfie: { medical_notes: "Peanut allergy", conversation: { step: "emergency_contact", editing: false, unusable_answers: 0 } },
      },
    },
  ])("$label", play);
});

describe("the privacy notice comes before the first question", () => {
  const privacyUrl = settings.privacyNoticeUrl;
  const medicalPurpose = "The medical question is only so the club's coaches and welfare officer can keep Alfie safe";

  it("is in the first reply of a registration, ahead of its first question, while no answer is stored", () => {
    let registration: Registration = alfie();
    const turns: { replies: string; stored: string[] }[] = [];
    const answers = ["ready", "yes", "14/03/2015", "none", "Jane Testington 07700 900789", "no", "yes", "yes"];
    for (const text of answers) {
      const turn = converse({ parent: undefined, registrations: [registration], message: { text, numMedia: 0 }, now, script, season });
      registration = turn.registrations[0] ?? registration;
      turns.push({ replies: turn.replies.join("\n\n"), stored: answerKeys.filter((key) => key in registration) });
    }
    const first = turns[0].replies;
    expect(first).toContain(privacyUrl);
    expect(first).toContain(medicalPurpose);
    expect(first).toContain("you may reply NONE or PREFER NOT TO SAY");
    expect(first.indexOf(privacyUrl)).toBeLessThan(first.indexOf(legalNameQuestion));
    expect(turns[0].stored).toEqual([]);
    expect(turns[3].stored).toContain("medical_notes");
    expect(registration).toMatchObject({ status: "submitted", medical_notes: "None" });
    // Not only at the end, where the code of conduct's question still links it.
    expect(turns.findIndex((turn) => turn.replies.includes(privacyUrl))).toBe(0);
    expect(turns[5].replies).toContain(conductQuestion);
  });

  const requiredOnly = buildScript({ ...settings, optionalSteps: { medical: false, emergency_contact: true, photo_consent: true } });
  it.each<Row>([
    {
      label: "without the medical question it links the notice and says nothing of a medical answer",
      script: requiredOnly,
      given: [alfie()],
      text: "ready",
      says: [privacyUrl, legalNameQuestion],
      saysNot: ["medical"],
    },
    {
      label: "a second child's registration starts with it",
      given: [alfieAt("summary"), mia()],
      text: "yes",
      says: ["Next, let's register Mia", privacyUrl, "keep Mia safe", "Is Mia Testington right?"],
    },
    {
      label: "RESTART starts again with it",
      given: [alfieAt("photo_consent")],
      text: "restart",
      says: ["start Alfie's registration again", privacyUrl, medicalPurpose, legalNameQuestion],
    },
    {
      label: "READY after a decline was asked for starts with it",
      given: [alfie({ conversation: { step: "start", editing: false, unusable_answers: 0, pending_confirmation: "decline" } })],
      text: "ready",
      says: [privacyUrl, legalNameQuestion],
    },
    {
      label: "a question mid-way re-asks the question, not the notice",
      given: [alfieAt("date_of_birth")],
      text: "How much is it?",
      says: ["£40", dobQuestion],
      saysNot: [privacyUrl],
    },
    {
      label: "PREFER NOT TO SAY is kept as said, not as None",
      given: [alfieAt("medical")],
      text: "Prefer not to say",
      says: [contactQuestion],
      becomes: { alfie: { medical_notes: "Prefer not to say" } },
    },
  ])("$label", play);
});

describe("step 2: the legal name", () => {
  it.each<Row>([
    {
      label: "YES takes the invite's name",
      given: [alfieAt("legal_name")],
      text: "Yes",
      says: [dobQuestion],
      becomes: { alfie: { player_legal_name: "Alfie Testington", conversation: { step: "date_of_birth" } } },
    },
    {
      label: "a full name is kept as typed, spaces tidied",
      given: [alfieAt("legal_name")],
      text: "  alfie   James\tTESTINGTON ",
      says: [dobQuestion],
      becomes: { alfie: { player_legal_name: "alfie James TESTINGTON" } },
    },
    {
      label: "NO asks for the full name without counting against the parent",
      given: [alfieAt("legal_name")],
      text: "no",
      says: ["Please send Alfie's full name", "for example: Alfie Alex Testington"],
      becomes: { alfie: { conversation: { step: "legal_name", unusable_answers: 0 } } },
      cleared: ["player_legal_name"],
    },
    {
      label: "one word: ask again, with an example",
      given: [alfieAt("legal_name")],
      text: "Alfie",
      says: ["Please send the first and last name", "for example: Alfie Alex Testington"],
      becomes: { alfie: { status: "in_progress", conversation: { step: "legal_name", unusable_answers: 1 } } },
    },
    {
      label: "digits in a name: ask again",
      given: [alfieAt("legal_name", { conversation: { step: "legal_name", editing: false, unusable_answers: 1 } })],
      text: "Alfie 2 Testington",
      says: ["letters, spaces, hyphens and apostrophes", legalNameQuestion],
      becomes: { alfie: { conversation: { unusable_answers: 2 } } },
    },
    {
      label: "no last name on the invite: the question asks for the full name",
      given: [
        alfieAt("date_of_birth", {
          player_last_name: undefined,
          player_legal_name: undefined,
          conversation: { step: "start", editing: false, unusable_answers: 0 },
          status: "invited",
        }),
      ],
      text: "ready",
      says: ["What is Alfie's full name?", "For example: Alfie Alex Testington"],
      saysNot: ["Is Alfie Testington right"],
    },
    {
      label: "no last name on the invite: YES is not a name",
      given: [alfieAt("legal_name", { player_last_name: undefined })],
      text: "yes",
      says: ["Please send the first and last name"],
      becomes: { alfie: { conversation: { step: "legal_name", unusable_answers: 1 } } },
    },
  ])("$label", play);
});

describe("step 3: the date of birth and the age group", () => {
  const readable = ["14/03/2015", "14-3-15", "14.03.2015", "14 March 2015", "14th Mar 2015", "2015-03-14"];
  it.each(
    readable.map(
      (text): Row => ({
        label: text,
        given: [alfieAt("date_of_birth")],
        text,
        says: [medicalQuestion],
        becomes: { alfie: { date_of_birth: "2015-03-14", playing_up: false, conversation: { step: "medical" } } },
      }),
    ),
  )("%s is 14 March 2015", play);

  it.each<Row>([
    {
      label: "31 August 2015, the youngest in U11",
      given: [alfieAt("date_of_birth")],
      text: "31/08/2015",
      becomes: { alfie: { date_of_birth: "2015-08-31", playing_up: false, status: "in_progress" } },
    },
    {
      label: "1 September 2014, the oldest in U11",
      given: [alfieAt("date_of_birth")],
      text: "01/09/2014",
      becomes: { alfie: { date_of_birth: "2014-09-01", playing_up: false, status: "in_progress" } },
    },
    {
      label: "1 September 2015: one year younger, playing up, said and recorded",
      given: [alfieAt("date_of_birth")],
      text: "1/9/2015",
      says: ["Alfie will be playing up", "which the FA allows", medicalQuestion],
      becomes: { alfie: { date_of_birth: "2015-09-01", playing_up: true, status: "in_progress", conversation: { step: "medical" } } },
    },
    {
      label: "31 August 2016: still playing up",
      given: [alfieAt("date_of_birth")],
      text: "31/08/2016",
      says: ["playing up"],
      becomes: { alfie: { playing_up: true, status: "in_progress" } },
    },
    {
      label: "1 September 2016: two years younger, handed to the club",
      given: [alfieAt("date_of_birth")],
      text: "01/09/2016",
      says: [
        "isn't in the right age group for Lions",
        "U11 in 2025-26 is for children born 1 September 2014 to 31 August 2015",
        ...manager,
      ],
      saysNot: [medicalQuestion],
      becomes: { alfie: { status: "needs_club", date_of_birth: "2016-09-01" } },
    },
    {
      label: "31 August 2014: older, handed to the club",
      given: [alfieAt("date_of_birth")],
      text: "31 Aug 2014",
      says: ["isn't in the right age group", ...manager],
      becomes: { alfie: { status: "needs_club", date_of_birth: "2014-08-31" } },
    },
    {
      label: "an impossible date: said so, with an example",
      given: [alfieAt("date_of_birth")],
      text: "31/02/2015",
      says: ["That date doesn't exist", "for example: 14/03/2015"],
      becomes: { alfie: { conversation: { step: "date_of_birth", unusable_answers: 1 } } },
      cleared: ["date_of_birth"],
    },
    {
      label: "a future date: said so",
      given: [alfieAt("date_of_birth")],
      text: "14/03/2026",
      says: ["in the future", "for example: 14/03/2015"],
      becomes: { alfie: { conversation: { unusable_answers: 1 } } },
    },
    {
      label: "no date at all: said so",
      given: [alfieAt("date_of_birth")],
      text: "not sure, ask his dad",
      says: ["couldn't find a date", dobQuestion],
      becomes: { alfie: { conversation: { unusable_answers: 1 } } },
    },
    {
      label: "an age group the rule cannot read: the club confirms",
      given: [alfieAt("date_of_birth", { age_group: "Development squad" })],
      text: "14/03/2015",
      says: ["can't check Alfie's age", ...manager],
      becomes: { alfie: { status: "needs_club", date_of_birth: "2015-03-14" } },
    },
  ])("$label", play);
});

describe("steps 4 to 7", () => {
  it.each<Row>([
    {
      label: "medical: none is an answer",
      given: [alfieAt("medical")],
      text: "None",
      says: [contactQuestion],
      becomes: { alfie: { medical_notes: "None", conversation: { step: "emergency_contact" } } },
    },
    { label: "medical: no means none", given: [alfieAt("medical")], text: "no", becomes: { alfie: { medical_notes: "None" } } },
    { label: "medical: n/a means none", given: [alfieAt("medical")], text: "N/A", becomes: { alfie: { medical_notes: "None" } } },
    {
      label: "medical: notes are kept, spaces tidied",
      given: [alfieAt("medical")],
      text: "Asthma,   uses an\ninhaler",
      becomes: { alfie: { medical_notes: "Asthma, uses an inhaler" } },
    },
    {
      label: "medical: YES asks what",
      given: [alfieAt("medical")],
      text: "yes",
      says: ["Please tell me what the coaches should know"],
      becomes: { alfie: { conversation: { step: "medical", unusable_answers: 0 } } },
      cleared: ["medical_notes"],
    },
    {
      label: "medical: too long",
      given: [alfieAt("medical")],
      text: "a".repeat(501),
      says: ["under 500 characters", "for example: Asthma, uses an inhaler"],
      becomes: { alfie: { conversation: { unusable_answers: 1 } } },
    },
    {
      label: "emergency contact: name and number",
      given: [alfieAt("emergency_contact")],
      text: "Jane Testington on 07700 900789",
      says: [photoQuestion, "Reply YES or NO"],
      becomes: {
        alfie: { emergency_contact_name: "Jane Testington", emergency_contact_tel: contactTel, conversation: { step: "photo_consent" } },
      },
    },
    {
      label: "emergency contact: the parent's own number is refused",
      given: [alfieAt("emergency_contact")],
      text: "Sarah 07700 900123",
      says: ["That's your own number", contactQuestion],
      becomes: { alfie: { conversation: { unusable_answers: 1 } } },
    },
    {
      label: "emergency contact: a name alone",
      given: [alfieAt("emergency_contact")],
      text: "Jane Testington",
      says: ["I need their phone number as well", "for example: Jane Testington 07700 900456"],
    },
    {
      label: "emergency contact: a number alone",
      given: [alfieAt("emergency_contact")],
      text: "07700 900789",
      says: ["I need their name as well"],
    },
    {
      label: "emergency contact: a number that cannot be",
      given: [alfieAt("emergency_contact")],
      text: "Jane 07700 9007891234",
      says: ["doesn't look right"],
    },
    {
      label: "photo consent: YES",
      given: [alfieAt("photo_consent")],
      text: "YES",
      says: [conductQuestion],
      becomes: { alfie: { photo_consent: true, conversation: { step: "code_of_conduct" } } },
    },
    {
      label: "photo consent: NO is fine too",
      given: [alfieAt("photo_consent")],
      text: "no",
      says: [conductQuestion],
      becomes: { alfie: { photo_consent: false } },
    },
    {
      label: "photo consent: neither",
      given: [alfieAt("photo_consent")],
      text: "maybe",
      says: ["Please reply YES or NO", photoQuestion],
      becomes: { alfie: { conversation: { unusable_answers: 1 } } },
    },
    {
      label: "code of conduct: YES shows the numbered summary",
      given: [alfieAt("code_of_conduct")],
      text: "I agree",
      says: [
        "1. Full legal name: Alfie Testington",
        "2. Date of birth: 14 March 2015",
        "3. Medical conditions, allergies, medication: None",
        "4. Emergency contact: Jane Testington, 07700 900789",
        "5. Photos and videos: No",
        "6. Code of conduct and privacy notice: Agreed",
        summaryEnd,
      ],
      becomes: {
        alfie: {
          code_of_conduct_agreed: true,
          status: "in_progress",
          conversation: { step: "summary", editing: false, unusable_answers: 0 },
        },
      },
    },
    {
      label: "code of conduct: NO explains and hands over",
      given: [alfieAt("code_of_conduct")],
      text: "No",
      says: ["can't register Alfie without agreement to the code of conduct", ...manager],
      becomes: { alfie: { status: "needs_club", code_of_conduct_agreed: false } },
    },
    {
      label: "code of conduct: neither",
      given: [alfieAt("code_of_conduct")],
      text: "maybe later",
      says: ["Please reply YES to agree", conductQuestion],
      becomes: { alfie: { conversation: { unusable_answers: 1 } } },
    },
  ])("$label", play);
});

describe("three unusable answers to one question hand the registration to the club", () => {
  const twice = { editing: false, unusable_answers: 2 };
  it.each<Row>([
    {
      label: "legal name",
      given: [alfieAt("legal_name", { conversation: { step: "legal_name", ...twice } })],
      text: "A",
      says: ["passed Alfie's registration to the club", ...manager],
      becomes: { alfie: { status: "needs_club" } },
    },
    {
      label: "date of birth",
      given: [alfieAt("date_of_birth", { conversation: { step: "date_of_birth", ...twice } })],
      text: "31/02/2015",
      says: ["passed Alfie's registration to the club", ...manager],
      becomes: { alfie: { status: "needs_club" } },
    },
    {
      label: "emergency contact",
      given: [alfieAt("emergency_contact", { conversation: { step: "emergency_contact", ...twice } })],
      text: "Jane",
      says: manager,
      becomes: { alfie: { status: "needs_club" } },
    },
    {
      label: "summary",
      given: [alfieAt("summary", { conversation: { step: "summary", ...twice } })],
      text: "whatever",
      says: manager,
      becomes: { alfie: { status: "needs_club" } },
    },
    {
      label: "a good answer after two bad ones moves on and starts the count again",
      given: [alfieAt("date_of_birth", { conversation: { step: "date_of_birth", ...twice } })],
      text: "14/03/2015",
      says: [medicalQuestion],
      becomes: { alfie: { status: "in_progress", conversation: { step: "medical", unusable_answers: 0 } } },
    },
    {
      label: "the next child starts after a handover",
      given: [alfieAt("photo_consent", { conversation: { step: "photo_consent", ...twice } }), mia()],
      text: "perhaps",
      says: ["passed Alfie's registration to the club", "Next, let's register Mia for Lionesses u9s"],
      becomes: { alfie: { status: "needs_club" }, mia: { status: "in_progress", conversation: { step: "legal_name" } } },
    },
  ])("$label", play);
});

describe("steps 8 and 9: the summary, edits and submission", () => {
  const editing = (step: (typeof defaultSteps)[number]["id"]) =>
    alfieAt("summary", { conversation: { step, editing: true, unusable_answers: 0 } });
  it.each<Row>([
    {
      label: "YES submits: payment link, amounts, what happens next, no card details asked",
      given: [alfieAt("summary")],
      text: "YES",
      says: [
        "Alfie's registration for Lions u11s (2025-26) is submitted",
        "£40",
        "£26",
        "monthly direct debit",
        "https://pay.urmstontownjfc.example/join",
        "never ask for card or bank details",
        "What happens next",
        ...manager,
      ],
      becomes: { alfie: { status: "submitted", submitted_at: now.toISOString(), ...alfiesAnswers } },
    },
    {
      label: "a number asks that question again",
      given: [alfieAt("summary")],
      text: "3",
      says: [medicalQuestion],
      becomes: {
        alfie: { status: "in_progress", medical_notes: "None", conversation: { step: "medical", editing: true, unusable_answers: 0 } },
      },
    },
    {
      label: "number 1 asks the name again",
      given: [alfieAt("summary")],
      text: "1",
      says: [legalNameQuestion],
      becomes: { alfie: { conversation: { step: "legal_name", editing: true } } },
    },
    {
      label: "the new answer goes back to the summary, not on to the next question",
      given: [editing("medical")],
      text: "Peanut allergy",
      says: ["3. Medical conditions, allergies, medication: Peanut allergy", "6. Code of conduct and privacy notice: Agreed", summaryEnd],
      saysNot: [contactQuestion],
      becomes: {
        alfie: {
          ...alfiesAnswers,
          medical_notes: "Peanut allergy",
          conversation: { step: "summary", editing: false, unusable_answers: 0 },
        },
      },
    },
    {
      label: "a changed date of birth is checked against the age group again",
      given: [editing("date_of_birth")],
      text: "01/09/2015",
      says: ["playing up", "2. Date of birth: 1 September 2015 (playing up)", summaryEnd],
      becomes: { alfie: { date_of_birth: "2015-09-01", playing_up: true, conversation: { step: "summary" } } },
    },
    {
      label: "a changed date of birth outside the age group hands over",
      given: [editing("date_of_birth")],
      text: "01/01/2010",
      says: manager,
      becomes: { alfie: { status: "needs_club" } },
    },
    {
      label: "an unusable edit asks that question again, still editing",
      given: [editing("photo_consent")],
      text: "hmm",
      says: ["Please reply YES or NO"],
      becomes: { alfie: { conversation: { step: "photo_consent", editing: true, unusable_answers: 1 } } },
    },
    {
      label: "NO asks which answer",
      given: [alfieAt("summary")],
      text: "no",
      says: ["Which answer would you like to change?", "1 to 6"],
      becomes: { alfie: { status: "in_progress", conversation: { step: "summary", unusable_answers: 0 } } },
    },
    {
      label: "a number past the last answer",
      given: [alfieAt("summary")],
      text: "7",
      says: ["a number from 1 to 6", summaryEnd],
      becomes: { alfie: { conversation: { step: "summary", unusable_answers: 1 } } },
    },
  ])("$label", play);
});

describe("a parent with two children", () => {
  const miasAnswers = {
    player_legal_name: "Mia Testington",
    date_of_birth: "2017-03-03",
    playing_up: false,
    medical_notes: "None",
    emergency_contact_name: "Nan",
    emergency_contact_tel: "+447700900321",
  };
  const miaAt = (step: (typeof defaultSteps)[number]["id"], overrides = {}) =>
    mia({
      status: "in_progress",
      ...answersBefore(step, miasAnswers),
      conversation: { step, editing: false, unusable_answers: 0 },
      ...overrides,
    });
  it.each<Row>([
    {
      label: "READY starts the first invited",
      given: [mia(), alfie()],
      text: "ready",
      says: ["let's register Alfie"],
      becomes: { alfie: { status: "in_progress" }, mia: { status: "invited" } },
      unchanged: ["mia"],
    },
    {
      label: "the second starts when the first is submitted",
      given: [alfieAt("summary"), mia()],
      text: "yes",
      says: [
        "Alfie's registration for Lions u11s (2025-26) is submitted",
        "Next, let's register Mia for Lionesses u9s",
        "Is Mia Testington right?",
      ],
      becomes: { alfie: { status: "submitted" }, mia: { status: "in_progress", conversation: { step: "legal_name" } } },
    },
    {
      label: "the emergency contact is offered for reuse",
      given: [alfieSubmitted(), miaAt("medical")],
      text: "none",
      says: ["same as for Alfie (Jane Testington, 07700 900789)? Reply YES, or send another name and number"],
    },
    {
      label: "YES reuses it",
      given: [alfieSubmitted(), miaAt("emergency_contact")],
      text: "yes",
      says: ["for Alfie you said NO. Same for Mia? Reply SAME, or YES or NO"],
      becomes: {
        mia: { emergency_contact_name: "Jane Testington", emergency_contact_tel: contactTel, conversation: { step: "photo_consent" } },
      },
    },
    {
      label: "another contact replaces the offer",
      given: [alfieSubmitted(), miaAt("emergency_contact")],
      text: "Nan 07700 900321",
      becomes: { mia: { emergency_contact_name: "Nan", emergency_contact_tel: "+447700900321" } },
    },
    {
      label: "SAME reuses photo consent, whatever it was",
      given: [alfieSubmitted(), miaAt("photo_consent")],
      text: "same",
      becomes: { mia: { photo_consent: false, conversation: { step: "code_of_conduct" } } },
    },
    {
      label: "YES to photos is a yes, not a reuse",
      given: [alfieSubmitted(), miaAt("photo_consent")],
      text: "yes",
      becomes: { mia: { photo_consent: true } },
    },
    {
      label: "without an earlier child there is nothing to reuse",
      given: [miaAt("emergency_contact")],
      text: "same",
      says: ["I need their phone number"],
      becomes: { mia: { conversation: { unusable_answers: 1 } } },
    },
  ])("$label", play);
});

describe("at any point", () => {
  const optedOut: ParentState = { opted_out: true, opted_out_at: "2025-06-30T09:00:00.000Z", version: 3 };
  const stopWords = ["STOP", "stop", "Stop.", "UNSUBSCRIBE", "Stop messaging me", "stopall"];
  it.each(
    stopWords.map(
      (text): Row => ({
        label: text,
        given: [alfieAt("medical"), alfieSubmitted({ registration_id: "alfie-last-season", season: "2024-25" })],
        text,
        says: ["won't send you any more messages", "START"],
        becomes: {
          alfie: { status: "opted_out", ...answersBeforeMedical(), conversation: { step: "medical" } },
          "alfie-last-season": { status: "submitted" },
        },
        unchanged: ["alfie-last-season"],
        parent_becomes: { opted_out: true, opted_out_at: now.toISOString(), version: 1 },
      }),
    ),
  )("$label opts the parent out for good", play);

  const ignored = ["hello", "HELP", "RESTART", "yes", "14/03/2015", "DELETE MY DATA", "STOP", "start again"];
  it.each(
    ignored.map(
      (text): Row => ({
        label: text,
        given: [alfieAt("medical", { status: "opted_out" })],
        parent: optedOut,
        text,
        silent: true,
        unchanged: ["alfie"],
        parent_becomes: null,
      }),
    ),
  )("an opted-out parent gets no reply to %s", play);

  it.each<Row>([
    {
      label: "an opted-out parent gets no reply to a photo",
      given: [alfieAt("medical", { status: "opted_out" })],
      parent: optedOut,
      text: "",
      numMedia: 1,
      silent: true,
      parent_becomes: null,
    },
    {
      label: "START reverses it, says so, and asks the question again",
      given: [alfieAt("medical", { status: "opted_out" })],
      parent: optedOut,
      text: "start",
      says: ["Welcome back", medicalQuestion],
      becomes: { alfie: { status: "in_progress", conversation: { step: "medical" } } },
      cleared: ["medical_notes"],
      parent_becomes: { opted_out: false, version: 4 },
    },
    {
      label: "START before the registration began: invited again",
      given: [alfie({ status: "opted_out" })],
      parent: optedOut,
      text: "START",
      says: ["Welcome back", "Reply READY"],
      becomes: { alfie: { status: "invited" } },
    },
    {
      label: "START from a parent who never stopped: the question again",
      given: [alfieAt("medical")],
      text: "START",
      says: [medicalQuestion],
      saysNot: ["Welcome back"],
      unchanged: ["alfie"],
      parent_becomes: null,
    },
    {
      label: "HELP: the team manager, RESTART, STOP, then the question again",
      given: [alfieAt("date_of_birth")],
      text: "help",
      says: ["Omega here, the Urmston Town Registration Assistant", ...manager, "RESTART", "STOP", dobQuestion],
      unchanged: ["alfie"],
    },
    {
      label: "RESTART: the current registration from step 2, answers gone",
      given: [alfieAt("photo_consent")],
      text: "Restart",
      says: ["start Alfie's registration again", legalNameQuestion],
      becomes: { alfie: { status: "in_progress", conversation: { step: "legal_name", editing: false, unusable_answers: 0 } } },
      cleared: ["player_legal_name", "date_of_birth", "playing_up", "medical_notes", "emergency_contact_name", "emergency_contact_tel"],
    },
    {
      label: "RESTART after a handover tries again",
      given: [alfieAt("date_of_birth", { status: "needs_club", date_of_birth: "2010-01-01" })],
      text: "RESTART",
      says: [legalNameQuestion],
      becomes: { alfie: { status: "in_progress" } },
      cleared: ["date_of_birth"],
    },
    {
      label: "RESTART restarts the one in progress, not the submitted one",
      given: [alfieSubmitted(), mia({ status: "in_progress", conversation: { step: "medical", editing: false, unusable_answers: 0 } })],
      text: "restart",
      says: ["start Mia's registration again"],
      unchanged: ["alfie"],
    },
    {
      label: "RESTART once submitted: the team manager changes answers",
      given: [alfieSubmitted()],
      text: "restart",
      says: ["is submitted", ...manager],
      unchanged: ["alfie"],
    },
    {
      label: "DELETE MY DATA asks to confirm",
      given: [alfieAt("medical"), mia()],
      text: "Delete my data",
      says: ["permanently deletes the details you've given Urmston Town for Alfie and Mia", "Reply YES to delete"],
      unchanged: ["alfie", "mia"],
      parent_becomes: { pending_confirmation: "delete_my_data", opted_out: false, version: 1 },
    },
    {
      label: "YES erases every registration of the parent",
      given: [alfieSubmitted(), mia({ status: "in_progress", conversation: { step: "medical", editing: false, unusable_answers: 0 } })],
      parent: { opted_out: false, pending_confirmation: "delete_my_data", version: 1 },
      text: "yes",
      says: ["deleted the registration details for Alfie and Mia"],
      becomes: {
        alfie: { registration_id: "alfie", status: "erased", erased_at: now.toISOString(), version: 2 },
        mia: { status: "erased" },
      },
      parent_becomes: { opted_out: false, version: 2 },
    },
    {
      label: "NO keeps everything",
      given: [alfieAt("medical")],
      parent: { opted_out: false, pending_confirmation: "delete_my_data", version: 1 },
      text: "no",
      says: ["haven't deleted anything", medicalQuestion],
      unchanged: ["alfie"],
      parent_becomes: { opted_out: false, version: 2 },
    },
    {
      label: "DELETE MY DATA again just asks again",
      given: [alfieAt("medical")],
      parent: { opted_out: false, pending_confirmation: "delete_my_data", version: 1 },
      text: "delete my data",
      says: ["Reply YES to delete"],
      saysNot: ["haven't deleted"],
      unchanged: ["alfie"],
      parent_becomes: { pending_confirmation: "delete_my_data" },
    },
    {
      label: "an answer instead keeps everything and is taken as the answer",
      given: [alfieAt("medical")],
      parent: { opted_out: false, pending_confirmation: "delete_my_data", version: 1 },
      text: "Hay fever",
      says: ["haven't deleted anything", contactQuestion],
      becomes: { alfie: { status: "in_progress", medical_notes: "Hay fever" } },
    },
    {
      label: "a photo where text is expected",
      given: [alfieAt("date_of_birth")],
      text: "",
      numMedia: 1,
      says: ["I can only read text", dobQuestion],
      unchanged: ["alfie"],
    },
    {
      label: "a voice note with a caption is still not text",
      given: [alfieAt("date_of_birth")],
      text: "14/03/2015",
      numMedia: 1,
      says: ["I can only read text"],
      unchanged: ["alfie"],
    },
    {
      label: "a photo before starting",
      given: [alfie()],
      text: "",
      numMedia: 2,
      says: ["I can only read text", "Reply READY"],
      unchanged: ["alfie"],
    },
    {
      label: "a number with no invite: a polite reply naming the club, nothing stored",
      given: [],
      text: "Hello?",
      says: ["Urmston Town", "Omega", "don't have an invitation for this number"],
      parent_becomes: null,
      stranger: true,
    },
    {
      label: "a number with no invite that sends STOP: the opt-out alone is kept",
      given: [],
      text: "STOP",
      says: ["won't send you any more messages"],
      parent_becomes: { opted_out: true },
      stranger: true,
    },
    {
      label: "after erasure",
      given: [eraseRegistration(alfieSubmitted(), now)],
      text: "hi",
      says: ["deleted as you asked", "Urmston Town"],
      unchanged: ["alfie"],
      parent_becomes: null,
    },
    {
      label: "after submission",
      given: [alfieSubmitted()],
      text: "Thanks!",
      says: ["Alfie's registration for Lions u11s is submitted", "https://pay.urmstontownjfc.example/join", ...manager],
      unchanged: ["alfie"],
    },
    {
      label: "after a handover: a photo alone, with nothing to pass on",
      given: [alfieAt("date_of_birth", { status: "needs_club" })],
      text: "",
      numMedia: 1,
      says: ["The club is looking at Alfie's registration", ...manager, "RESTART"],
      unchanged: ["alfie"],
    },
    {
      label: "after declining",
      given: [alfie({ status: "declined" })],
      text: "hi",
      says: ["won't be joining Lions u11s", "RESTART"],
      unchanged: ["alfie"],
    },
  ])("$label", play);
});

describe("a question is not an answer", () => {
  const fees = ["one-off membership fee is £40", "monthly direct debit is £26", "once you've confirmed your answers"];
  const cannotAnswer = ["I can't answer that one myself, but team manager Dave Examplesson on 07700 900456 can"];
  const withoutQuestionMark = "send it again without the question mark";
  it.each<Row>([
    {
      label: "at the medical step, 'how much is it?' gets the fees and the question again, and no medical note",
      given: [alfieAt("medical")],
      text: "how much is it?",
      says: [...fees, medicalQuestion],
      saysNot: [contactQuestion],
      unchanged: ["alfie"],
    },
    {
      label: "at the name step, a question gets its answer, not the rule for names",
      given: [alfieAt("legal_name")],
      text: "How much is it?",
      says: [...fees, legalNameQuestion],
      saysNot: ["A name can only have letters"],
      unchanged: ["alfie"],
    },
    {
      label: "at the name step, a question without a question mark is not taken as the name",
      given: [alfieAt("legal_name", { player_last_name: undefined })],
      text: "Who is the team manager",
      says: ["You can reach team manager Dave Examplesson on 07700 900456", "What is Alfie's full name?"],
      unchanged: ["alfie"],
    },
    {
      label: "before starting, a question about the fees gets them and READY",
      given: [alfie()],
      text: "Hi, how much are the subs?",
      says: fees.slice(0, 2).concat("Reply READY when you're ready"),
      unchanged: ["alfie"],
    },
    {
      label: "how long it takes: the questions left, from the club's script",
      given: [alfieAt("medical")],
      text: "how long does this take",
      says: ["about 5 minutes", "4 more questions, then you check your answers", medicalQuestion],
      unchanged: ["alfie"],
    },
    {
      label: "what happens next, at the summary: the payment page, the league and the team manager, then the summary again",
      given: [alfieAt("summary")],
      text: "What happens next?",
      says: ["I'll send the club's payment page", "registers Alfie with the league", ...manager, summaryEnd],
      unchanged: ["alfie"],
    },
    {
      label: "asking for a person gets the team manager",
      given: [alfieAt("photo_consent")],
      text: "can I speak to someone",
      says: ["You can reach team manager Dave Examplesson on 07700 900456", photoQuestion],
      unchanged: ["alfie"],
    },
    {
      label: "a question the assistant cannot answer: who can, and the question again",
      given: [alfieAt("code_of_conduct")],
      text: "what does it say?",
      says: [...cannotAnswer, conductQuestion],
      saysNot: ["Please reply YES to agree", withoutQuestionMark],
      unchanged: ["alfie"],
    },
    {
      label: "a question is not an unusable answer: two of those and a question do not hand over",
      given: [alfieAt("date_of_birth", { conversation: { step: "date_of_birth", editing: false, unusable_answers: 2 } })],
      text: "Which format do you want?",
      says: [...cannotAnswer, dobQuestion],
      unchanged: ["alfie"],
    },
    {
      label: "at the medical step, a note ending in a question mark is asked about, with a way on",
      given: [alfieAt("medical")],
      text: "Possibly asthma?",
      says: [...cannotAnswer, withoutQuestionMark, medicalQuestion],
      unchanged: ["alfie"],
    },
    {
      label: "at the name step, a name with a question mark is asked about, with a way on",
      given: [alfieAt("legal_name")],
      text: "Alfie James Testington?",
      says: [withoutQuestionMark, legalNameQuestion],
      unchanged: ["alfie"],
    },
    // Answers that look like questions.
    {
      label: "'Is asthmatic' is a medical note: 'is' asks only before I, it, there, he...",
      given: [alfieAt("medical")],
      text: "Is asthmatic",
      says: [contactQuestion],
      becomes: { alfie: { medical_notes: "Is asthmatic" } },
    },
    {
      label: "'When running...' is a medical note: 'when' asks only before is, do, will...",
      given: [alfieAt("medical")],
      text: "When running he needs his inhaler",
      becomes: { alfie: { medical_notes: "When running he needs his inhaler" } },
    },
    {
      label: "'None?' at the medical step is none",
      given: [alfieAt("medical")],
      text: "None?",
      becomes: { alfie: { medical_notes: "None" } },
    },
    {
      label: "a name that starts with Will is a name",
      given: [alfieAt("legal_name")],
      text: "Will Alfie Testington",
      says: [dobQuestion],
      becomes: { alfie: { player_legal_name: "Will Alfie Testington" } },
    },
    {
      label: "'Yes?' to the name offered is a yes",
      given: [alfieAt("legal_name")],
      text: "Yes?",
      becomes: { alfie: { player_legal_name: "Alfie Testington", conversation: { step: "date_of_birth" } } },
    },
    {
      label: "'yes?' to photos is a yes",
      given: [alfieAt("photo_consent")],
      text: "yes?",
      becomes: { alfie: { photo_consent: true } },
    },
    {
      label: "a date of birth with a question mark is the date",
      given: [alfieAt("date_of_birth")],
      text: "Is 14/03/2015 ok?",
      becomes: { alfie: { date_of_birth: "2015-03-14", conversation: { step: "medical" } } },
    },
    {
      label: "an emergency contact with a question mark is asked about, with a way on",
      given: [alfieAt("emergency_contact")],
      text: "Jane Testington 07700 900789?",
      says: [withoutQuestionMark, contactQuestion],
      unchanged: ["alfie"],
    },
    {
      label: "'2?' at the summary changes answer 2",
      given: [alfieAt("summary")],
      text: "2?",
      says: [dobQuestion],
      becomes: { alfie: { conversation: { step: "date_of_birth", editing: true } } },
    },
  ])("$label", play);

  it.each([
    ["how much is it?", "worded"],
    ["What time is training", "worded"],
    ["who's the manager", "worded"],
    ["Sorry, can I pay monthly", "worded"],
    ["is there parking", "worded"],
    ["Does his inhaler need a label", "worded"],
    ["When is the first session", "worded"],
    ["when?", "worded"],
    ["£40?", "marked"],
    ["Yes? 🙂", "marked"],
    ["Possibly asthma ?!", "marked"],
    ["Is asthmatic", undefined],
    ["Can get nosebleeds", undefined],
    ["When running, uses an inhaler", undefined],
    ["Will Smith", undefined],
    ["Do Thi Lan", undefined],
    ["Alfie? James Testington", undefined],
    ["", undefined],
  ])("%j is a %s question", (text, shape) => {
    expect(questionShape(text)).toBe(shape);
  });
});

describe("after a handover", () => {
  const handedOver = (messages?: { at: string; text: string }[]) =>
    alfieAt("date_of_birth", { status: "needs_club", date_of_birth: "2010-01-01", messages_for_club: messages });
  const alfieHandedOverAcknowledged = (at: string) => ({ ...handedOver(), club_acknowledged_at: at });
  it.each<Row>([
    {
      label: "what the parent writes is kept for the club, with its time, and the parent told it is passed on",
      given: [handedOver()],
      text: "  He's  moving up a year,\nplease call me ",
      says: ["I've passed your message on to the club with Alfie's registration", ...manager, "RESTART"],
      saysNot: ["The club is looking at"],
      becomes: {
        alfie: {
          status: "needs_club",
          messages_for_club: [{ at: now.toISOString(), text: "He's moving up a year, please call me" }],
        },
      },
    },
    {
      label: "a question too is passed on, after those kept before",
      given: [handedOver([{ at: "2025-06-30T09:00:00.000Z", text: "Hello?" }])],
      text: "any news?",
      says: ["passed your message on"],
      becomes: {
        alfie: {
          messages_for_club: [
            { at: "2025-06-30T09:00:00.000Z", text: "Hello?" },
            { at: now.toISOString(), text: "any news?" },
          ],
        },
      },
    },
    {
      label: "the first message's acknowledgement is recorded with its time",
      given: [handedOver()],
      text: "any news?",
      says: ["passed your message on"],
      becomes: { alfie: { club_acknowledged_at: now.toISOString() } },
    },
    {
      label: "within a day of the last acknowledgement, a message is kept for the club and not answered",
      given: [alfieHandedOverAcknowledged("2025-06-30T12:00:01.000Z")],
      text: "Thank you for your message, I am out of the office",
      silent: true,
      becomes: {
        alfie: {
          club_acknowledged_at: "2025-06-30T12:00:01.000Z",
          messages_for_club: [{ at: now.toISOString(), text: "Thank you for your message, I am out of the office" }],
        },
      },
    },
    {
      label: "a day after the last acknowledgement, the next message is answered again",
      given: [alfieHandedOverAcknowledged("2025-06-30T12:00:00.000Z")],
      text: "any news?",
      says: ["passed your message on"],
      becomes: { alfie: { club_acknowledged_at: now.toISOString() } },
    },
    {
      label: "HELP is answered whenever the last acknowledgement was",
      given: [alfieHandedOverAcknowledged(now.toISOString())],
      text: "HELP",
      says: manager,
    },
    {
      label: "RESTART is a command, not a message for the club",
      given: [handedOver()],
      text: "RESTART",
      says: [legalNameQuestion],
      becomes: { alfie: { status: "in_progress" } },
    },
  ])("$label", play);

  it("keeps the latest ten, each cut at 500 characters", () => {
    const earlier = Array.from({ length: 10 }, (_, index) => ({ at: `2025-06-${10 + index}T09:00:00.000Z`, text: `message ${index}` }));
    const turn = converse({
      parent: undefined,
      registrations: [handedOver(earlier)],
      message: { text: `${"é".repeat(600)}`, numMedia: 0 },
      now,
      script,
      season,
    });
    const kept = (turn.registrations[0] as RegistrationRecord).messages_for_club!;
    expect(kept.map((message) => message.text.slice(0, 9))).toEqual([
      ...earlier.slice(1).map((message) => message.text),
      "éééééééééé".slice(0, 9),
    ]);
    expect(Array.from(kept[9].text)).toHaveLength(500);
    expect(kept[9].text.endsWith("é…")).toBe(true);
  });

  it("erasure leaves none of them", () => {
    expect(eraseRegistration(handedOver([{ at: now.toISOString(), text: "please call me" }]), now)).not.toHaveProperty("messages_for_club");
  });
});

describe("another season's registrations", () => {
  // The same number last season: Alfie was invited to Lions u10s, or registered by another family with another contact.
  const lastSeason = (overrides: Partial<RegistrationRecord> = {}) =>
    alfie({
      registration_id: "alfie-2024-25",
      season: "2024-25",
      age_group: "u10s",
      invited_at: "2024-06-01T10:00:00.000Z",
      updated_at: "2024-06-01T10:00:00.000Z",
      ...overrides,
    });
  const lastSeasonAt = (step: StepId) =>
    lastSeason({ status: "in_progress", ...answersBefore(step), conversation: { step, editing: false, unusable_answers: 0 } });
  const lastSeasonSubmitted = () =>
    lastSeason({
      ...alfiesAnswers,
      emergency_contact_name: "Pat Otherfamily",
      emergency_contact_tel: "+447700900654",
      photo_consent: true,
      status: "submitted",
      submitted_at: "2024-06-20T18:00:00.000Z",
      conversation: { step: "summary", editing: false, unusable_answers: 0 },
    });

  it.each<Row>([
    {
      label: "an unfinished one does not take over Ready!: this season's starts",
      given: [lastSeason(), alfie()],
      text: "Ready!",
      says: ["let's register Alfie for Lions u11s"],
      saysNot: ["u10s"],
      becomes: { alfie: { status: "in_progress", conversation: { step: "legal_name" } } },
      unchanged: ["alfie-2024-25"],
    },
    {
      label: "one part way through is not answered: the message goes to this season's",
      given: [lastSeasonAt("medical"), alfie()],
      text: "Ready!",
      says: ["let's register Alfie for Lions u11s"],
      becomes: { alfie: { status: "in_progress" }, "alfie-2024-25": { conversation: { step: "medical" } } },
      unchanged: ["alfie-2024-25"],
    },
    {
      label: "with nothing this season, the number has no invite",
      given: [lastSeasonAt("medical")],
      text: "Peanut allergy",
      says: ["I don't have an invitation for this number"],
      unchanged: ["alfie-2024-25"],
    },
    {
      label: "HELP with nothing this season gets the same",
      given: [lastSeasonSubmitted()],
      text: "HELP",
      says: ["I don't have an invitation for this number"],
      saysNot: ["submitted"],
    },
    {
      label: "its answers are not offered: no emergency contact of last season's",
      given: [
        lastSeasonSubmitted(),
        mia({ status: "in_progress", ...answersBefore("medical"), conversation: { step: "medical", editing: false, unusable_answers: 0 } }),
      ],
      text: "none",
      says: ["Send their name and phone number"],
      saysNot: ["same as", "Pat Otherfamily", "900654"],
    },
    {
      label: "its answers are not offered: no photo consent of last season's",
      given: [
        lastSeasonSubmitted(),
        mia({
          status: "in_progress",
          ...answersBefore("photo_consent"),
          conversation: { step: "photo_consent", editing: false, unusable_answers: 0 },
        }),
      ],
      text: "same",
      saysNot: ["for Alfie you said"],
      becomes: { mia: { conversation: { step: "photo_consent", unusable_answers: 1 } } },
      unchanged: ["alfie-2024-25"],
    },
    {
      label: "STOP leaves it for the change of season to close",
      given: [lastSeason(), alfie()],
      text: "STOP",
      becomes: { alfie: { status: "opted_out" }, "alfie-2024-25": { status: "invited" } },
      unchanged: ["alfie-2024-25"],
      parent_becomes: { opted_out: true },
    },
  ])("$label", play);

  it("DELETE MY DATA still erases it with this season's", () => {
    const given = [lastSeasonSubmitted(), alfie()];
    const asked = converse({
      parent: undefined,
      registrations: given,
      message: { text: "DELETE MY DATA", numMedia: 0 },
      now,
      script,
      season,
    });
    const turn = converse({ parent: asked.parent, registrations: given, message: { text: "YES", numMedia: 0 }, now, script, season });
    expect(turn.registrations.map((registration) => [registration.registration_id, registration.status])).toEqual([
      ["alfie-2024-25", "erased"],
      ["alfie", "erased"],
    ]);
  });
});

describe("replies outside an open registration's conversation: one a day per number", () => {
  const lastSeason = () => alfieSubmitted({ registration_id: "alfie-2024-25", season: "2024-25" });
  const repliedAt = (at: string): ParentState => ({ opted_out: false, standing_replied_at: at, version: 3 });
  const anHourAgo = repliedAt("2025-07-01T11:00:00.000Z");
  it.each<Row>([
    {
      label: "after submission, the first is answered and its time kept on the number",
      given: [alfieSubmitted()],
      text: "Thanks!",
      says: ["is submitted"],
      parent_becomes: { standing_replied_at: now.toISOString() },
    },
    ...(
      [
        ["after submission", [alfieSubmitted()], "Thank you for your message. We will reply shortly.", 0],
        ["after declining", [alfie({ status: "declined" })], "Thank you for your message. We will reply shortly.", 0],
        ["after a hand-over, a message with no text", [alfieAt("date_of_birth", { status: "needs_club" })], "", 1],
        ["with only last season's registrations (no invite this season)", [lastSeason()], "Out of office", 0],
      ] as const
    ).map(
      ([when, given, text, numMedia]): Row => ({
        label: `${when}, within a day of the last such reply: silent, nothing changed`,
        given: [...given],
        parent: anHourAgo,
        text,
        numMedia,
        silent: true,
        unchanged: given.map((registration) => registration.registration_id),
        parent_becomes: null,
      }),
    ),
    {
      label: "a day after the last such reply, answered again",
      given: [alfie({ status: "declined" })],
      parent: repliedAt("2025-06-30T12:00:00.000Z"),
      text: "hi",
      says: ["won't be joining"],
      parent_becomes: { standing_replied_at: now.toISOString() },
    },
    {
      label: "a parent mid-registration is never limited",
      given: [alfieAt("medical"), lastSeason()],
      parent: anHourAgo,
      text: "none",
      says: [contactQuestion],
    },
    {
      label: "a command is answered: HELP after submission",
      given: [alfieSubmitted()],
      parent: anHourAgo,
      text: "HELP",
      says: manager,
    },
  ])("$label", play);

  it("RESTART clears it and the registration's acknowledgement: a second hand-over gets its first", () => {
    const handedOver = alfieAt("date_of_birth", {
      status: "needs_club",
      date_of_birth: "2010-01-01",
      club_acknowledged_at: now.toISOString(),
    });
    const turn = converse({
      parent: anHourAgo,
      registrations: [handedOver],
      message: { text: "RESTART", numMedia: 0 },
      now,
      script,
      season,
    });
    expect(turn.replies.join("\n")).toContain(legalNameQuestion);
    expect(turn.registrations[0]).not.toHaveProperty("club_acknowledged_at");
    expect(turn.parent).toEqual({ opted_out: false, version: 4 });
  });

  it("a registration starting clears its acknowledgement (one kept from an earlier hand-over)", () => {
    const invitedAgain = alfie({ club_acknowledged_at: "2025-06-30T19:00:00.000Z" });
    const turn = converse({
      parent: undefined,
      registrations: [invitedAgain],
      message: { text: "Ready!", numMedia: 0 },
      now,
      script,
      season,
    });
    expect(turn.registrations[0]).toMatchObject({ status: "in_progress", conversation: { step: "legal_name" } });
    expect(turn.registrations[0]).not.toHaveProperty("club_acknowledged_at");
  });
});

describe("a club's own script", () => {
  it("may switch off exactly the optional steps, listed in the script's order", () => {
    expect(defaultSteps.filter((step) => step.optional).map((step) => step.id)).toEqual([...optionalStepIds]);
  });

  const requiredOnly = buildScript({ ...settings, optionalSteps: { medical: false, emergency_contact: false, photo_consent: false } });
  it.each<Row>([
    {
      label: "optional steps off: the date of birth leads to the code of conduct",
      script: requiredOnly,
      given: [alfieAt("date_of_birth")],
      text: "14/03/2015",
      says: [conductQuestion],
      saysNot: [medicalQuestion],
    },
    {
      label: "optional steps off: a three-line summary",
      script: requiredOnly,
      given: [
        alfieAt("code_of_conduct", {
          medical_notes: undefined,
          emergency_contact_name: undefined,
          emergency_contact_tel: undefined,
          photo_consent: undefined,
        }),
      ],
      text: "yes",
      says: ["1. Full legal name", "2. Date of birth", "3. Code of conduct and privacy notice: Agreed"],
      saysNot: ["4.", "Medical"],
    },
    {
      label: "a step switched on after the summary was shown is asked before submitting",
      given: [alfieAt("summary", { medical_notes: undefined })],
      text: "yes",
      says: [medicalQuestion],
      becomes: { alfie: { status: "in_progress", conversation: { step: "medical", editing: true } } },
    },
    {
      label: "a step switched off while being asked: on to the next",
      script: requiredOnly,
      given: [alfieAt("medical")],
      text: "none",
      says: [conductQuestion],
      becomes: { alfie: { conversation: { step: "code_of_conduct" } } },
      cleared: ["medical_notes"],
    },
  ])("$label", play);
});

describe("the turn itself", () => {
  it("leaves its input as it was and bumps each changed record's version and updated_at", () => {
    const given = [alfieAt("medical")];
    const frozen = JSON.stringify(given);
    const turn = converse({ parent: undefined, registrations: given, message: { text: "none", numMedia: 0 }, now, script, season });
    expect(JSON.stringify(given)).toBe(frozen);
    expect(turn.registrations).toEqual([
      {
        ...given[0],
        medical_notes: "None",
        conversation: { step: "emergency_contact", editing: false, unusable_answers: 0 },
        version: 2,
        updated_at: now.toISOString(),
      },
    ]);
    expect(turn.parent).toBeUndefined();
  });

  it("eraseRegistration keeps the id, the status and the date, nothing personal", () => {
    expect(eraseRegistration(alfieSubmitted({ version: 7 }), now)).toStrictEqual({
      registration_id: "alfie",
      status: "erased",
      erased_at: now.toISOString(),
      version: 8,
    });
  });

  it("asks every question with an example of a good answer", () => {
    const earlier = alfieSubmitted();
    for (const step of defaultSteps) {
      for (const context of [
        { record: mia(), today: { year: 2025, month: 7, day: 1 }, settings },
        { record: mia(), earlier, today: { year: 2025, month: 7, day: 1 }, settings },
      ]) {
        expect(step.question(context)).toContain(step.example(context));
      }
    }
  });
});

function answersBeforeMedical() {
  return { player_legal_name: alfiesAnswers.player_legal_name, date_of_birth: alfiesAnswers.date_of_birth };
}
