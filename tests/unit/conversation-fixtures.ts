/** Made-up parents and children for the conversation's tests. Phone numbers are from Ofcom's drama range only. */
import { buildScript, defaultSteps, type ScriptSettings } from "../../domain/conversation/script";
import { type Answers, type RegistrationRecord, type StepId, startPosition } from "../../domain/registration";

export const settings: ScriptSettings = {
  clubName: "Urmston Town",
  assistantName: "Omega",
  codeOfConductUrl: "https://www.urmstontownjfc.example/code-of-conduct",
  privacyNoticeUrl: "https://www.urmstontownjfc.example/privacy",
  paymentUrl: "https://pay.urmstontownjfc.example/join",
  optionalSteps: { medical: true, emergency_contact: true, photo_consent: true },
};

export const script = buildScript(settings);

/** Midday on 1 July 2025, before the 2025-26 season. */
export const now = new Date("2025-07-01T12:00:00.000Z");

export const parentTel = "+447700900123";
/** As the trigger formats it for the invite. */
export const managerTel = "07700 900456";
export const contactTel = "+447700900789";

const invitedAt = "2025-06-01T10:00:00.000Z";

/** The stack's season: the one the conversation addresses. */
export const season = "2025-26";

const sarahsInvite = {
  season,
  parent_first_name: "Sarah",
  parent_last_name: "Testington",
  parent_tel: parentTel,
  team_manager_name: "Dave Examplesson",
  team_manager_tel: managerTel,
  membership_fee: "40",
  subscription_fee: "26",
};

/** Alfie, invited to Lions u11s: U11 in 2025-26 is born 1 Sep 2014 to 31 Aug 2015. */
export function alfie(overrides: Partial<RegistrationRecord> = {}): RegistrationRecord {
  return {
    ...sarahsInvite,
    registration_id: "alfie",
    team_name: "Lions",
    age_group: "u11s",
    player_first_name: "Alfie",
    player_last_name: "Testington",
    status: "invited",
    conversation: startPosition,
    invited_at: invitedAt,
    updated_at: invitedAt,
    version: 1,
    ...overrides,
  };
}

/** Mia, Alfie's sister, invited a minute later to Lionesses u9s (born 1 Sep 2016 to 31 Aug 2017). */
export function mia(overrides: Partial<RegistrationRecord> = {}): RegistrationRecord {
  return alfie({
    registration_id: "mia",
    team_name: "Lionesses",
    age_group: "u9s",
    player_first_name: "Mia",
    invited_at: "2025-06-01T10:01:00.000Z",
    updated_at: "2025-06-01T10:01:00.000Z",
    ...overrides,
  });
}

export const alfiesAnswers: Required<Answers> = {
  player_legal_name: "Alfie Testington",
  date_of_birth: "2015-03-14",
  playing_up: false,
  medical_notes: "None",
  emergency_contact_name: "Jane Testington",
  emergency_contact_tel: contactTel,
  photo_consent: false,
  code_of_conduct_agreed: true,
};

/** The answers of every step before `step` in the default script. */
export function answersBefore(step: StepId | "summary", answers: Answers = alfiesAnswers): Answers {
  const index = step === "summary" ? defaultSteps.length : defaultSteps.findIndex((scripted) => scripted.id === step);
  return Object.fromEntries(defaultSteps.slice(0, index).flatMap((scripted) => scripted.answerKeys.map((key) => [key, answers[key]])));
}

/** Alfie's registration in progress at `step`, every step before it answered. */
export function alfieAt(step: StepId | "summary", overrides: Partial<RegistrationRecord> = {}): RegistrationRecord {
  return alfie({
    status: "in_progress",
    ...answersBefore(step),
    conversation: { step, editing: false, unusable_answers: 0 },
    ...overrides,
  });
}

/** Alfie's registration, submitted. */
export function alfieSubmitted(overrides: Partial<RegistrationRecord> = {}): RegistrationRecord {
  return alfieAt("summary", { status: "submitted", submitted_at: "2025-06-20T18:00:00.000Z", ...overrides });
}
