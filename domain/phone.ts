import type { PhoneNumber } from "libphonenumber-js/min";

type PhoneLibrary = typeof import("libphonenumber-js/min");
let phoneLibrary: PhoneLibrary | undefined;

/**
 * libphonenumber-js/min is slow to require and to parse its first number: most of the CPU of a
 * cold webhook step that reads or shows a number (bench/README.md has the figures). UK mobiles,
 * most of what parents type, are read without it
 * (`readUkMobile` below); the library is loaded at the first number that is anything else. A
 * plain require, so the code Pulumi uploads resolves it from the package's node_modules (it
 * is in each function's npmImports).
 */
function phoneNumbers(): PhoneLibrary {
  phoneLibrary ??= require("libphonenumber-js/min") as PhoneLibrary;
  return phoneLibrary;
}

// What people type into a spreadsheet: digits, spaces, +, brackets, dots and dashes.
const typedPhonePattern = /^\+?[\d\s().-]{6,24}$/;

// A UK mobile in the shapes people type it, separators removed: 07xxx xxxxxx, +44 7xxx xxxxxx,
// 0044 7xxx xxxxxx, 44 7xxx xxxxxx. 07 then 1-5 or 7-9: 070 (personal numbers) and 076
// (pagers, and the Isle of Man's 07624) are formatted otherwise, so the library reads those.
const ukMobilePattern = /^(?:0|\+44|0044|44)(7[1-57-9]\d{8})$/;

/**
 * libphonenumber-js's pattern for a valid UK mobile (metadata.min.json, GB's mobile type), so a
 * mobile read without the library is valid exactly when the library would call it so;
 * tests/unit/phone.test.ts holds the two together, and fails when a new library version moves it.
 */
const validUkMobile =
  /^(?:7(?:457[0-57-9]|700[01]|911[028])\d{5}|7(?:[1-3]\d\d|4(?:[0-46-9]\d|5[0-689])|5(?:0[0-8]|[13-9]\d|2[0-35-9])|7(?:0[1-9]|[1-7]\d|8[02-9]|9[0-689])|8(?:[014-9]\d|[23][0-8])|9(?:[024-9]\d|1[02-9]|3[0-689]))\d{6})$/;

/** Ofcom's range for drama, +44 7700 900000 to 900999: what tests and examples use, and never anyone's number, so accepted although the library calls it not valid. */
const isDramaNumber = (e164: string) => /^\+447700900\d{3}$/.test(e164);

export interface ReadNumber {
  /** E.164: `+447700900123`. */
  e164: string;
  /** As a parent dials it: `07700 900123` at home, `+1 415 523 8886` abroad. */
  display: string;
}

// Digits with single spaces, dots or dashes between them, after an optional +: anything else
// (brackets, doubled separators) is the library's to judge.
const separatedDigits = /^\+?\d+(?:[ .-]\d+)*$/;

/**
 * A valid UK mobile (or one in the drama range) read without the library, exactly as the library
 * reads it (tests/unit/phone.test.ts holds the two to each other over generated typings);
 * undefined for any other number, which the library then judges.
 */
export function readUkMobile(typed: string): ReadNumber | undefined {
  if (!separatedDigits.test(typed)) return undefined;
  const national = ukMobilePattern.exec(typed.replace(/[ .-]/g, ""))?.[1];
  if (!national || !(validUkMobile.test(national) || isDramaNumber(`+44${national}`))) return undefined;
  return { e164: `+44${national}`, display: `0${national.slice(0, 4)} ${national.slice(4)}` };
}

/**
 * Reads a phone number as people type it (`07700 900123`, `+44 7700 900123`, `447700900123`),
 * UK by default. Valid, not only possible: `07700 9001` parses, as +44077009001, but no one has
 * that number. Ofcom's drama range is taken too (isDramaNumber).
 */
function readNumber(typed: string): ReadNumber | undefined {
  const trimmed = typed.trim();
  if (!typedPhonePattern.test(trimmed)) return undefined;
  const mobile = readUkMobile(trimmed);
  if (mobile) return mobile;
  const phone: PhoneNumber | undefined = phoneNumbers().parsePhoneNumberFromString(trimmed.replace(/^00/, "+"), "GB");
  if (!phone || !(phone.isValid() || isDramaNumber(phone.number))) return undefined;
  return { e164: phone.number, display: phone.countryCallingCode === "44" ? phone.formatNational() : phone.formatInternational() };
}

/** `+447700900123`: what WhatsApp addresses are made of. */
export function toE164(typed: string): string | undefined {
  return readNumber(typed)?.e164;
}

/** How a parent should read a number in a message: `07700 900123` at home, `+1 415 523 8886` abroad. */
export function toDisplayNumber(typed: string): string | undefined {
  return readNumber(typed)?.display;
}
