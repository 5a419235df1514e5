import type { Answers, RegistrationRecord, StepId } from "../registration";
import { ageGroupBirthRange, ageGroupFit, parseAgeGroup, parseSeasonStartYear } from "./age-group";
import { type CalendarDate, isoDate, longDate, parseIsoDate } from "./calendar-date";
import { type DateOfBirthProblem, parseDateOfBirth } from "./date-of-birth";
import { displayPhone, type EmergencyContactProblem, parseEmergencyContact } from "./emergency-contact";
import { type NameProblem, parsePersonName, tidyText } from "./names";
import { questionShape } from "./questions";
import { normaliseReply, parseYesNo } from "./yes-no";

/**
 * The steps a club may switch off in its stack config (each a Step with `optional: true`), in the
 * script's order: the stack config's switches, the `optionalSteps` setting and the export's
 * columns follow from this list.
 */
export const optionalStepIds = ["medical", "emergency_contact", "photo_consent"] as const satisfies readonly StepId[];
export type OptionalStepId = (typeof optionalStepIds)[number];

/** What a club sets; the team manager's name and number come from each registration instead. */
export interface ScriptSettings {
  clubName: string;
  assistantName: string;
  /** https links, sent as they are */
  codeOfConductUrl: string;
  privacyNoticeUrl: string;
  paymentUrl: string;
  optionalSteps: Record<OptionalStepId, boolean>;
  /**
   * The stack takes payments through a provider (PAYMENTS.md): a submission starts the record's
   * payment and its reply leaves a slot for the provider's link, which the webhook fills; paymentUrl
   * is not sent. Absent: the paymentUrl link, as before.
   */
  takesPayments?: boolean;
}

/** What a step knows when it asks and reads: the registration, Europe/London's date, the club. */
export interface StepContext {
  record: RegistrationRecord;
  /** The parent's last submitted registration for another child, whose answers about the parent may be reused. */
  earlier?: RegistrationRecord;
  today: CalendarDate;
  settings: ScriptSettings;
}

/**
 * What an answer does: `answer` moves on (with a `note` to say first), `unusable` asks again
 * saying what was wrong, `prompt` asks again without counting it against the parent (they
 * said "no" to the name offered), `handover` records what it can and hands the registration
 * to the club (`needs_club`), `question` says the message is a question, not an answer, where
 * only the step can tell (a medical note keeps whatever is typed, so "Fees?" would be one).
 */
export type StepOutcome =
  | { kind: "answer"; answers: Answers; note?: string }
  | { kind: "unusable"; problem: string }
  | { kind: "prompt"; reply: string }
  | { kind: "handover"; answers: Answers; reason: string }
  | { kind: "question" };

export interface Step {
  id: StepId;
  /** A club may switch it off (`ScriptSettings.optionalSteps`). */
  optional: boolean;
  /** The answers this step sets: an edit from the summary may change these and no others. */
  answerKeys: readonly (keyof Answers)[];
  /** How the summary names the answer. */
  label: string;
  /** The question, with an example of a good answer. */
  question(context: StepContext): string;
  /** A good answer, for saying what was wrong with a bad one. */
  example(context: StepContext): string;
  read(text: string, context: StepContext): StepOutcome;
  /** Every answer this step needs is there: a registration is submitted only when each step's is. */
  answered(record: RegistrationRecord): boolean;
  /** The answer as the summary shows it. */
  shown(record: RegistrationRecord): string;
}

export interface Script {
  settings: ScriptSettings;
  steps: readonly Step[];
}

const exampleContact = "Jane Testington 07700 900456";
const maxMedicalNotesLength = 500;
// An array, not a Set, as in yes-no.ts: a Set does not survive Pulumi's serialization.
const nothingToDeclare: readonly string[] = [
  "none",
  "nothing",
  "n a",
  "na",
  "nil",
  "no none",
  "none at all",
  "nothing to declare",
  "not that i know of",
  "no medical conditions",
  "none thanks",
  "none thank you",
];

const nameProblems: Record<NameProblem, string> = {
  empty: "I didn't get a name.",
  one_word: "Please send the first and last name.",
  not_a_name: "A name can only have letters, spaces, hyphens and apostrophes.",
  too_long: "That's longer than a name can be here (70 characters at most).",
};

const dateProblems: Record<DateOfBirthProblem, string> = {
  unreadable: "I couldn't find a date in that.",
  impossible: "That date doesn't exist.",
  future: "That date is in the future.",
};

const contactProblems: Record<EmergencyContactProblem, string> = {
  ...nameProblems,
  one_word: nameProblems.not_a_name,
  empty: "I need their name as well as their number.",
  no_number: "I need their phone number as well as their name.",
  bad_number: "That phone number doesn't look right.",
  own_number: "That's your own number: the club needs someone else to call if it can't reach you.",
};

function yesOrNo(value: boolean | undefined): string {
  return value ? "Yes" : "No";
}

function isSame(text: string): boolean {
  return /^same(?: as before| please| again| for both| as (?:him|her|them))?$/.test(normaliseReply(text));
}

const legalName: Step = {
  id: "legal_name",
  optional: false,
  answerKeys: ["player_legal_name"],
  label: "Full legal name",
  question(context) {
    const { player_first_name: first } = context.record;
    const offered = offeredLegalName(context.record);
    const why = "The league registers players by their legal name, as on their passport or birth certificate.";
    return offered
      ? `${why} Is ${offered} right? Reply YES or send the full name, for example: ${this.example(context)}`
      : `${why} What is ${first}'s full name? For example: ${this.example(context)}`;
  },
  example: ({ record }) => `${record.player_first_name} Alex ${record.player_last_name ?? "Testington"}`,
  read(text, context) {
    const offered = offeredLegalName(context.record);
    const yesNo = parseYesNo(text);
    if (offered && yesNo === "yes") return { kind: "answer", answers: { player_legal_name: offered } };
    if (offered && yesNo === "no")
      return {
        kind: "prompt",
        reply: `No problem. Please send ${context.record.player_first_name}'s full name as on their passport or birth certificate, for example: ${this.example(context)}`,
      };
    const name = parsePersonName(text, 2);
    return name.ok
      ? { kind: "answer", answers: { player_legal_name: name.name } }
      : { kind: "unusable", problem: nameProblems[name.problem] };
  },
  answered: (record) => record.player_legal_name !== undefined,
  shown: (record) => record.player_legal_name ?? "",
};

/** The invite's first and last name, when it has both: what the parent may confirm with a YES. */
function offeredLegalName(record: RegistrationRecord): string | undefined {
  return record.player_last_name ? tidyText(`${record.player_first_name} ${record.player_last_name}`) : undefined;
}

const dateOfBirth: Step = {
  id: "date_of_birth",
  optional: false,
  answerKeys: ["date_of_birth", "playing_up"],
  label: "Date of birth",
  question(context) {
    return `What is ${context.record.player_first_name}'s date of birth? Day first, for example: ${this.example(context)}`;
  },
  example({ record }) {
    const under = parseAgeGroup(record.age_group);
    const seasonStart = parseSeasonStartYear(record.season);
    // A date the child's own age group would have, so the example cannot mislead.
    const year = under !== undefined && seasonStart !== undefined ? ageGroupBirthRange(under, seasonStart).to.year : 2015;
    return `14/03/${year}`;
  },
  read(text, context) {
    const { record } = context;
    const first = record.player_first_name;
    const reading = parseDateOfBirth(text, context.today);
    if (!reading.ok) return { kind: "unusable", problem: dateProblems[reading.problem] };
    const date_of_birth = isoDate(reading.date);
    const under = parseAgeGroup(record.age_group);
    const seasonStart = parseSeasonStartYear(record.season);
    if (under === undefined || seasonStart === undefined) {
      return {
        kind: "handover",
        answers: { date_of_birth },
        reason: `Thanks. I can't check ${first}'s age against ${record.team_name} ${record.age_group} myself, so the club will confirm the team with you.`,
      };
    }
    const range = ageGroupBirthRange(under, seasonStart);
    const group = `U${under} in ${record.season} is for children born ${longDate(range.from)} to ${longDate(range.to)}`;
    switch (ageGroupFit(reading.date, under, seasonStart)) {
      case "in_age_group":
        return { kind: "answer", answers: { date_of_birth, playing_up: false } };
      case "playing_up":
        return {
          kind: "answer",
          answers: { date_of_birth, playing_up: true },
          note: `${first} will be playing up: ${group}, and ${first} is a year younger, which the FA allows. I've noted it.`,
        };
      case "too_old":
      case "too_young":
        return {
          kind: "handover",
          answers: { date_of_birth, playing_up: false },
          reason: `Thanks. Born ${longDate(reading.date)}, ${first} isn't in the right age group for ${record.team_name}: ${group}. The club will help find the right team.`,
        };
    }
  },
  answered: (record) => record.date_of_birth !== undefined && record.playing_up !== undefined,
  shown(record) {
    const date = record.date_of_birth === undefined ? undefined : parseIsoDate(record.date_of_birth);
    return `${date ? longDate(date) : ""}${record.playing_up ? " (playing up)" : ""}`;
  },
};

const medical: Step = {
  id: "medical",
  optional: true,
  answerKeys: ["medical_notes"],
  label: "Medical conditions, allergies, medication",
  question(context) {
    return `Does ${context.record.player_first_name} have any medical conditions, allergies or medication the coaches should know about? Reply NONE, or tell me briefly, for example: ${this.example(context)}`;
  },
  example: () => "Asthma, uses an inhaler",
  read(text, context) {
    const notes = tidyText(text);
    if (nothingToDeclare.includes(normaliseReply(text)) || parseYesNo(text) === "no")
      return { kind: "answer", answers: { medical_notes: "None" } };
    if (parseYesNo(text) === "yes")
      return { kind: "prompt", reply: `Please tell me what the coaches should know, for example: ${this.example(context)}` };
    if (notes === "") return { kind: "unusable", problem: "I didn't get an answer." };
    if (questionShape(text)) return { kind: "question" };
    if (notes.length > maxMedicalNotesLength)
      return { kind: "unusable", problem: `Please keep it under ${maxMedicalNotesLength} characters; the team manager can ask for more.` };
    return { kind: "answer", answers: { medical_notes: notes } };
  },
  answered: (record) => record.medical_notes !== undefined,
  shown: (record) => record.medical_notes ?? "",
};

/** The earlier child's emergency contact, when there is one to offer. */
function offeredContact(context: StepContext): { name: string; tel: string } | undefined {
  const name = context.earlier?.emergency_contact_name;
  const tel = context.earlier?.emergency_contact_tel;
  return name && tel && tel !== context.record.parent_tel ? { name, tel } : undefined;
}

const emergencyContact: Step = {
  id: "emergency_contact",
  optional: true,
  answerKeys: ["emergency_contact_name", "emergency_contact_tel"],
  label: "Emergency contact",
  question(context) {
    const offered = offeredContact(context);
    return offered && context.earlier
      ? `Emergency contact: same as for ${context.earlier.player_first_name} (${offered.name}, ${displayPhone(offered.tel)})? Reply YES, or send another name and number, for example: ${this.example(context)}`
      : `Who should the club call in an emergency if it can't reach you? Send their name and phone number, for example: ${this.example(context)}`;
  },
  example: () => exampleContact,
  read(text, context) {
    const offered = offeredContact(context);
    if (offered && (parseYesNo(text) === "yes" || isSame(text)))
      return { kind: "answer", answers: { emergency_contact_name: offered.name, emergency_contact_tel: offered.tel } };
    const contact = parseEmergencyContact(text, context.record.parent_tel);
    return contact.ok
      ? { kind: "answer", answers: { emergency_contact_name: contact.name, emergency_contact_tel: contact.tel } }
      : { kind: "unusable", problem: contactProblems[contact.problem] };
  },
  answered: (record) => record.emergency_contact_name !== undefined && record.emergency_contact_tel !== undefined,
  shown: (record) =>
    `${record.emergency_contact_name ?? ""}, ${record.emergency_contact_tel ? displayPhone(record.emergency_contact_tel) : ""}`,
};

const photoConsent: Step = {
  id: "photo_consent",
  optional: true,
  answerKeys: ["photo_consent"],
  label: "Photos and videos",
  question(context) {
    const { earlier, record } = context;
    // SAME rather than YES: a YES here would read as consent, whatever the earlier answer was.
    return earlier?.photo_consent !== undefined
      ? `Photos and videos: for ${earlier.player_first_name} you said ${earlier.photo_consent ? "YES" : "NO"}. Same for ${record.player_first_name}? Reply ${this.example(context)}, or YES or NO.`
      : `Can the club take photos and videos of ${record.player_first_name} at matches and training, for its website and social media? Reply ${this.example(context)} or NO; either is fine.`;
  },
  example: (context) => (context.earlier?.photo_consent !== undefined ? "SAME" : "YES"),
  read(text, context) {
    const earlierConsent = context.earlier?.photo_consent;
    if (earlierConsent !== undefined && isSame(text)) return { kind: "answer", answers: { photo_consent: earlierConsent } };
    const yesNo = parseYesNo(text);
    return yesNo
      ? { kind: "answer", answers: { photo_consent: yesNo === "yes" } }
      : { kind: "unusable", problem: "Please reply YES or NO." };
  },
  answered: (record) => record.photo_consent !== undefined,
  shown: (record) => yesOrNo(record.photo_consent),
};

const codeOfConduct: Step = {
  id: "code_of_conduct",
  optional: false,
  answerKeys: ["code_of_conduct_agreed"],
  label: "Code of conduct and privacy notice",
  question(context) {
    const { settings } = context;
    return `Do you agree to ${settings.clubName}'s code of conduct (${settings.codeOfConductUrl}) and privacy notice (${settings.privacyNoticeUrl})? Reply ${this.example(context)} to agree.`;
  },
  example: () => "YES",
  read(text, context) {
    const yesNo = parseYesNo(text);
    if (yesNo === "yes") return { kind: "answer", answers: { code_of_conduct_agreed: true } };
    if (yesNo === "no") {
      return {
        kind: "handover",
        answers: { code_of_conduct_agreed: false },
        reason: `I understand. I'm sorry: ${context.settings.clubName} can't register ${context.record.player_first_name} without agreement to the code of conduct and privacy notice.`,
      };
    }
    return { kind: "unusable", problem: "Please reply YES to agree, or NO if you don't." };
  },
  answered: (record) => record.code_of_conduct_agreed === true,
  shown: (record) => (record.code_of_conduct_agreed ? "Agreed" : "Not agreed"),
};

/** The default script, in the order it is asked. */
export const defaultSteps: readonly Step[] = [legalName, dateOfBirth, medical, emergencyContact, photoConsent, codeOfConduct];

/** The club's script: the default steps less the optional ones it switched off. */
export function buildScript(settings: ScriptSettings): Script {
  return { settings, steps: defaultSteps.filter((step) => !step.optional || settings.optionalSteps[step.id as OptionalStepId]) };
}
