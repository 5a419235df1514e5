import type { RegistrationRecord } from "../registration";
import type { ScriptSettings } from "./script";

function team(record: RegistrationRecord): string {
  return `${record.team_name} ${record.age_group}`;
}

/** "team manager Dave Examplesson on 07700 900456" */
function teamManager(record: RegistrationRecord): string {
  return `team manager ${record.team_manager_name} on ${record.team_manager_tel}`;
}

function submittedThanks(record: RegistrationRecord): string {
  return `Thank you! ${record.player_first_name}'s registration for ${team(record)} (${record.season}) is submitted.`;
}

function onlyPayThere(settings: ScriptSettings): string {
  return `${settings.clubName} will never ask for card or bank details on WhatsApp: only pay on that page.`;
}

function submittedNext(record: RegistrationRecord): string {
  return `What happens next: the club registers ${record.player_first_name} with the league, and ${teamManager(record)} will be in touch about training.`;
}

/** What a "where is my registration" reply says of the payment (domain/payment-link.ts paymentStanding). */
export type PaymentStanding =
  | { kind: "paid" | "pending" | "failed" }
  /** The fee is still to pay and the kept link no longer works (or never came): a fresh one is asked for. */
  | { kind: "no_link" }
  /** A link that still works, for a fee not yet paid. */
  | { kind: "link"; url: string };

/** What the assistant says outside the questions themselves: plain text, short, for a phone. */
export const replies = {
  stranger: (settings: ScriptSettings) =>
    `Hello! This is ${settings.assistantName}, the ${settings.clubName} Registration Assistant. I don't have an invitation for this number, so please contact the club if you'd like to register a player.`,
  erasedOnly: (settings: ScriptSettings) =>
    `Your registration details were deleted as you asked. To register again, please contact ${settings.clubName}.`,
  optedOut: (settings: ScriptSettings) =>
    `You're unsubscribed: ${settings.assistantName} won't send you any more messages. Reply START if you change your mind.`,
  optedIn: (settings: ScriptSettings) => `Welcome back! You'll get messages from ${settings.assistantName} at ${settings.clubName} again.`,
  help: (record: RegistrationRecord, settings: ScriptSettings) =>
    `${settings.assistantName} here, the ${settings.clubName} Registration Assistant. Questions about the team? Call or message ${teamManager(record)}. Send RESTART to start ${record.player_first_name}'s registration again, or STOP to stop all messages.`,
  intro: (record: RegistrationRecord) =>
    `Great, let's register ${record.player_first_name} for ${team(record)}. It takes about 5 minutes, one question at a time. Send HELP at any time.`,
  /**
   * Said as a registration starts, before the first question: the parent learns how the club uses
   * the answers before giving any, and what the medical answer is for when it is asked.
   */
  privacyNotice: (record: RegistrationRecord, settings: ScriptSettings, asksMedical: boolean) => {
    const notice = `${settings.clubName}'s privacy notice (${settings.privacyNoticeUrl}) says how the club uses your answers.`;
    return asksMedical
      ? `${notice} The medical question is only so the club's coaches and welfare officer can keep ${record.player_first_name} safe at training and matches; you may reply NONE or PREFER NOT TO SAY.`
      : notice;
  },
  next: (record: RegistrationRecord) => `Next, let's register ${record.player_first_name} for ${team(record)}.`,
  readyWhenYouAre: (record: RegistrationRecord) =>
    `Reply READY when you're ready to register ${record.player_first_name} for ${team(record)}.`,
  beforeStarting: (record: RegistrationRecord) =>
    `No rush! If you have any questions before you start, ${teamManager(record)} can help. Reply READY when you are.`,
  confirmDecline: (record: RegistrationRecord) =>
    `Just to check: ${record.player_first_name} won't be joining ${team(record)} this season? Reply YES to confirm, or NO to carry on registering.`,
  declined: (record: RegistrationRecord) =>
    `Thanks for letting us know. I've told the club ${record.player_first_name} won't be joining this season. If that changes, send RESTART.`,
  carryOn: () => "Great, let's carry on.",
  restarted: (record: RegistrationRecord) => `OK, let's start ${record.player_first_name}'s registration again.`,
  media: () => "Sorry, I can only read text, not photos, videos or voice notes. Please type your answer.",
  handedOver: (reason: string, record: RegistrationRecord) =>
    `${reason} I've passed ${record.player_first_name}'s registration to the club: you can reach ${teamManager(record)}.`,
  tooManyUnusable: (record: RegistrationRecord) =>
    `Sorry, I'm struggling with that answer, so I've passed ${record.player_first_name}'s registration to the club. You can reach ${teamManager(record)}, who will be in touch.`,
  whichToChange: (count: number) => `Which answer would you like to change? Reply with its number, 1 to ${count}, for example 2.`,
  summaryUnusable: (count: number) => `Please reply YES to confirm, or a number from 1 to ${count} to change that answer.`,
  submitted: (record: RegistrationRecord, settings: ScriptSettings) =>
    [
      submittedThanks(record),
      `To finish, please pay the one-off membership fee of £${record.membership_fee} and set up the monthly direct debit of £${record.subscription_fee} on the club's payment page: ${settings.paymentUrl}`,
      onlyPayThere(settings),
      submittedNext(record),
    ].join("\n\n"),
  /**
   * The submission in a stack with a payment provider, in parts: the engine leaves a slot between
   * the thanks and the warning, and the webhook fills it with paymentLink or paymentLinkFollows.
   */
  submittedThanks,
  onlyPayThere,
  submittedNext,
  /** The provider's link, with both amounts (the fee now, the Direct Debit monthly). */
  paymentLink: (record: RegistrationRecord, url: string) =>
    `To finish, pay the £${record.membership_fee} signing-on fee and set up the £${record.subscription_fee} monthly Direct Debit here: ${url}`,
  /** The provider could not be reached: the reminders run sends the link. */
  paymentLinkFollows: (record: RegistrationRecord) =>
    `To finish, you'll pay the £${record.membership_fee} signing-on fee and set up the £${record.subscription_fee} monthly Direct Debit on the club's secure payment page: I'll send you its link here shortly.`,
  alreadySubmitted: (record: RegistrationRecord, settings: ScriptSettings) =>
    `${record.player_first_name}'s registration for ${team(record)} is submitted. If you haven't paid yet, the club's payment page is ${settings.paymentUrl}. To change an answer, please contact ${teamManager(record)}.`,
  /** A submitted registration whose fee waits on a link that no longer works: a fresh one follows (a slot the webhook fills). */
  alreadySubmittedAwaitingLink: (record: RegistrationRecord) =>
    `${record.player_first_name}'s registration for ${team(record)} is submitted, and its fee is still to pay.`,
  changeAnAnswer: (record: RegistrationRecord) => `To change an answer, please contact ${teamManager(record)}.`,
  /** Where a submitted registration stands in a stack with a payment provider: its payment, and the link while it works. */
  alreadySubmittedWithPayment: (
    record: RegistrationRecord,
    settings: ScriptSettings,
    payment: Exclude<PaymentStanding, { kind: "no_link" }>,
  ) => {
    const submitted = `${record.player_first_name}'s registration for ${team(record)} is submitted.`;
    const change = `To change an answer, please contact ${teamManager(record)}.`;
    switch (payment.kind) {
      case "paid":
        return `${submitted} ${settings.clubName} has your payment. ${change}`;
      case "pending":
        return `${submitted} Your payment is on its way to ${settings.clubName}. ${change}`;
      case "failed":
        return `${submitted} Your payment didn't go through: ${settings.clubName} will be in touch, or you can reach ${teamManager(record)}.`;
      case "link":
        return `${submitted} If you haven't paid yet: pay the £${record.membership_fee} signing-on fee and set up the £${record.subscription_fee} monthly Direct Debit here: ${payment.url} ${change}`;
    }
  },
  withTheClub: (record: RegistrationRecord) =>
    `The club is looking at ${record.player_first_name}'s registration and will be in touch: you can reach ${teamManager(record)}. To start again, send RESTART.`,
  passedOn: (record: RegistrationRecord) =>
    `Thanks: I've passed your message on to the club with ${record.player_first_name}'s registration, and they'll be in touch. You can also reach ${teamManager(record)}. To start again, send RESTART.`,
  fees: (record: RegistrationRecord, settings: ScriptSettings) =>
    `The one-off membership fee is £${record.membership_fee} and the monthly direct debit is £${record.subscription_fee}. You pay on ${settings.clubName}'s payment page: I'll send you its link once you've confirmed your answers. ${settings.clubName} will never ask for card or bank details on WhatsApp.`,
  timeLeft: (questionsLeft: number) =>
    questionsLeft === 0
      ? "Nearly done: all that's left is to check your answers and confirm them."
      : `It takes about 5 minutes, one question at a time: ${questionsLeft} more question${questionsLeft === 1 ? "" : "s"}, then you check your answers and confirm them.`,
  whatHappensNext: (record: RegistrationRecord) =>
    `Once you've confirmed your answers, I'll send the club's payment page. Then the club registers ${record.player_first_name} with the league, and ${teamManager(record)} will be in touch about training.`,
  teamManager: (record: RegistrationRecord) => `You can reach ${teamManager(record)}.`,
  cannotAnswer: (record: RegistrationRecord) => `I can't answer that one myself, but ${teamManager(record)} can.`,
  withoutQuestionMark: () => "If that was your answer, please send it again without the question mark.",
  alreadyDeclined: (record: RegistrationRecord) =>
    `You told us ${record.player_first_name} won't be joining ${team(record)} this season. If that changes, send RESTART.`,
  otherInvite: (record: RegistrationRecord) =>
    `You also have an invitation for ${record.player_first_name} to join ${team(record)}: reply READY when you'd like to register.`,
  confirmDelete: (firstNames: string, settings: ScriptSettings) =>
    `This permanently deletes the details you've given ${settings.clubName} for ${firstNames}. Reply YES to delete them, or NO to keep them.`,
  deleted: (firstNames: string, settings: ScriptSettings) =>
    `Done: I've deleted the registration details for ${firstNames}. To register again, please contact ${settings.clubName}.`,
  nothingDeleted: () => "OK, I haven't deleted anything.",
};

/** "Alfie", "Alfie and Mia", "Alfie, Mia and Jack" */
export function namesList(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
