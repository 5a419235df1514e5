/** Why a typed name cannot be used. */
export type NameProblem = "empty" | "one_word" | "not_a_name" | "too_long";

export type NameReading = { ok: true; name: string } | { ok: false; problem: NameProblem };

const maxNameLength = 70;
// Letters in any alphabet with their accents, apostrophes, hyphens, full stops and spaces.
const namePattern = /^[\p{L}\p{M}'\u2019.\- ]+$/u;

/** Trimmed, every run of white space one space, cased as the parent typed it. */
export function tidyText(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

/**
 * A person's name as typed: `words` is how many it needs at least (a child's full legal name
 * needs a first and a last name; "Nan" will do for an emergency contact).
 */
export function parsePersonName(text: string, words: 1 | 2): NameReading {
  const name = tidyText(text);
  if (name === "") return { ok: false, problem: "empty" };
  if (name.length > maxNameLength) return { ok: false, problem: "too_long" };
  if (!namePattern.test(name) || !/\p{L}/u.test(name)) return { ok: false, problem: "not_a_name" };
  const wordCount = name.split(" ").filter((word) => /\p{L}/u.test(word)).length;
  return wordCount < words ? { ok: false, problem: "one_word" } : { ok: true, name };
}
