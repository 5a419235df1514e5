/**
 * Telling a parent's question from an answer, and which questions the assistant can answer
 * itself. Parents ask mid-way ("how much is it?"), and a question must not be stored as the
 * answer (a medical note, a legal name).
 */
import { normaliseReply, replyWords } from "./yes-no";

/**
 * `worded`: it starts like a question ("how much...", "can I...", "is there..."), a question
 * at every step. `marked`: only its closing question mark says so; it is a question where the
 * step cannot use it as an answer, so "Yes?" still answers a YES or NO question and
 * "14/03/2015?" gives a date of birth.
 */
export type QuestionShape = "worded" | "marked";

// Arrays, not Sets: a Set does not survive Pulumi's serialization (yes-no.ts).
const questionWords: readonly string[] = ["how", "what", "where", "who", "whose", "why", "which"];
const questionContractions: readonly string[] = ["how's", "what's", "whats", "when's", "where's", "who's", "whos", "why's"];
const auxiliaries: readonly string[] = [
  "can",
  "could",
  "is",
  "are",
  "am",
  "was",
  "do",
  "does",
  "did",
  "will",
  "would",
  "should",
  "shall",
  "may",
  "must",
  "can't",
  "won't",
  "don't",
  "doesn't",
  "isn't",
];
// After an auxiliary, these make a question ("is it", "can I", "does his"); other words make a
// statement ("Is asthmatic", "Can get nosebleeds") or a name (Will Smith, Can Yılmaz, Do Thi Lan).
const subjects: readonly string[] = [
  "i",
  "we",
  "you",
  "he",
  "she",
  "they",
  "it",
  "there",
  "this",
  "that",
  "my",
  "our",
  "your",
  "his",
  "her",
  "their",
  "someone",
  "anyone",
  "somebody",
  "anybody",
];
// Skipped before the first word that counts: "Hi, how much is it", "Sorry, can I...".
const openers: readonly string[] = ["hi", "hello", "hey", "sorry", "please", "ok", "okay", "and", "but", "so", "also", "just", "oh"];

/** A question mark with nothing after it but spaces, punctuation or emoji. */
const closingQuestionMark = /\?[^\p{L}\p{N}]*$/u;

/**
 * Whether a message is a question, and how it shows it. "When" starts a question only before an
 * auxiliary ("when is training"): "When running, uses an inhaler" is a medical note.
 */
export function questionShape(text: string): QuestionShape | undefined {
  const words = replyWords(text);
  const start = words.findIndex((word) => !openers.includes(word));
  const [first, second] = start < 0 ? [] : words.slice(start);
  if (first !== undefined) {
    if (questionContractions.includes(first) || questionWords.includes(first)) return "worded";
    if (first === "when" && (second === undefined || auxiliaries.includes(second))) return "worded";
    if (auxiliaries.includes(first) && second !== undefined && subjects.includes(second)) return "worded";
  }
  return closingQuestionMark.test(text.normalize("NFKC")) ? "marked" : undefined;
}

/** What the assistant can answer from the registration and the club's settings. */
export type QuestionTopic = "fees" | "time" | "next" | "manager";

const topicPhrases: Record<QuestionTopic, readonly string[]> = {
  fees: ["fee", "fees", "cost", "costs", "how much", "price", "pay", "paying", "payment", "paid", "money", "subs", "subscription", "debit"],
  time: ["how long", "take long", "takes long", "minutes", "mins", "how many questions"],
  next: ["what happens", "happens next", "what now", "what next", "next step", "next steps", "after this", "afterwards", "hear back"],
  manager: ["manager", "coach", "speak to", "talk to", "speak with", "talk with", "real person", "human", "someone", "somebody"],
};
const topics = Object.keys(topicPhrases) as QuestionTopic[];

/** The topics a question is about that the assistant can answer, in a fixed order; none for any other. */
export function questionTopics(text: string): QuestionTopic[] {
  const padded = ` ${normaliseReply(text)} `;
  return topics.filter(
    (topic) => (topic === "fees" && text.includes("£")) || topicPhrases[topic].some((phrase) => padded.includes(` ${phrase} `)),
  );
}
