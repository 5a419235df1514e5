/**
 * What a parent's short reply means, in the ways people say yes and no on WhatsApp. A reply
 * counts when every word in it is one of these: "Yes please!", "ok let's go 👍", "nope".
 */
// Arrays, not Sets: Pulumi serializes a module's values into the webhook's package, and a Set
// arrives there as a plain object without its methods (tests/program/deployed-code.test.ts).
const yesWords: readonly string[] = [
  "yes",
  "y",
  "yeah",
  "yea",
  "yep",
  "yup",
  "ya",
  "ok",
  "okay",
  "k",
  "sure",
  "ready",
  "go",
  "correct",
  "right",
  "agree",
  "agreed",
  "absolutely",
  "definitely",
  "👍",
  "✅",
  "✔",
  "☑",
  "👌",
];
const noWords: readonly string[] = ["no", "n", "nope", "nah", "👎", "❌", "✖", "disagree"];
// Words that ride along with a yes or a no without changing it.
const fillerWords: readonly string[] = [
  "please",
  "thanks",
  "thank",
  "you",
  "i",
  "i'm",
  "im",
  "am",
  "we",
  "we're",
  "are",
  "all",
  "set",
  "let's",
  "lets",
  "that's",
  "thats",
  "is",
  "it",
  "that",
  "to",
  "good",
  "fine",
  "of",
  "course",
  "sorry",
  "now",
  "start",
  "begin",
];
const notJoiningPhrases = /^(?:(?:he|she|they|we)(?:'s|'re| is| are)? )?not (?:joining|interested|this season|playing)$/;
const disagreePhrases = /^(?:i )?(?:don't|do not) agree$/;
const readyPhrases = /^(?:(?:i'm|im|i am|we're|we are) )?(?:ready|let's go|lets go|start|let's start|lets start|go)$/;

// Words in any alphabet, and each emoji (✅ ✔ 👍 👎 ❌ are all pictographic) as a word of its own;
// skin tones, variation selectors and punctuation fall away. One pattern for every reply, as
// each \p{...} pattern is compiled on a cold start (bench/README.md has the cost).
const wordPattern = /\p{Extended_Pictographic}|[\p{L}\p{N}']+/gu;

/** A reply's words, lower case, curly apostrophes straight: `["yes", "please", "👍"]`. */
export function replyWords(text: string): string[] {
  return (
    text
      .normalize("NFKC")
      .toLowerCase()
      .replace(/[\u2018\u2019]/g, "'")
      .match(wordPattern) ?? []
  );
}

/** A reply's words joined by single spaces, for comparing with phrases. */
export function normaliseReply(text: string): string {
  return replyWords(text).join(" ");
}

/** `yes`, `no`, or undefined when the reply is neither (or both). */
export function parseYesNo(text: string): "yes" | "no" | undefined {
  const words = replyWords(text);
  const normalised = words.join(" ");
  if (notJoiningPhrases.test(normalised) || disagreePhrases.test(normalised)) return "no";
  const yes = words.some((word) => yesWords.includes(word));
  const no = words.some((word) => noWords.includes(word));
  if (yes === no) return undefined;
  return words.every((word) => yesWords.includes(word) || noWords.includes(word) || fillerWords.includes(word))
    ? yes
      ? "yes"
      : "no"
    : undefined;
}

/** Exactly "ready", "let's go", "I'm ready": said to go on, never a yes to the question asked. */
export function isReadyPhrase(text: string): boolean {
  return readyPhrases.test(normaliseReply(text));
}

// Words that hold a start back however keen the rest sounds: "not ready yet", "ready later".
const holdingWords: readonly string[] = [
  "not",
  "no",
  "nope",
  "nah",
  "don't",
  "dont",
  "can't",
  "cant",
  "later",
  "tomorrow",
  "wait",
  "yet",
  "soon",
  "👎",
  "❌",
];
const startWords: readonly string[] = ["ready", "start", "go", "begin"];

/**
 * "Ready", "let's go", "Yes, ready to register", "Ready when you are 👍": the parent wants to
 * begin. A reply with a ready or yes word and nothing that holds it back starts; a question
 * ("is it ok to pay later?") does not.
 */
export function isReadyToStart(text: string): boolean {
  if (isReadyPhrase(text)) return true;
  const words = replyWords(text);
  if (text.includes("?") || words.some((word) => holdingWords.includes(word))) return false;
  return words.some((word) => startWords.includes(word) || yesWords.includes(word));
}

/** "Not joining", "she's not playing": the child will not be joining, whatever the question was. */
export function isNotJoining(text: string): boolean {
  return notJoiningPhrases.test(normaliseReply(text));
}
