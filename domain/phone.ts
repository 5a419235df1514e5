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
 * A UK mobile read without the library, exactly as the library reads it (tests/unit/phone.test.ts
 * holds the two to each other over generated typings); undefined for any other number.
 */
export function readUkMobile(typed: string): ReadNumber | undefined {
  if (!separatedDigits.test(typed)) return undefined;
  const national = ukMobilePattern.exec(typed.replace(/[ .-]/g, ""))?.[1];
  if (!national) return undefined;
  return { e164: `+44${national}`, display: `0${national.slice(0, 4)} ${national.slice(4)}` };
}

/**
 * Reads a phone number as people type it (`07700 900123`, `+44 7700 900123`, `447700900123`),
 * UK by default. "Possible" rather than "valid": Ofcom's drama range, which tests use, is not valid.
 */
function readNumber(typed: string): ReadNumber | undefined {
  const trimmed = typed.trim();
  if (!typedPhonePattern.test(trimmed)) return undefined;
  const mobile = readUkMobile(trimmed);
  if (mobile) return mobile;
  const phone: PhoneNumber | undefined = phoneNumbers().parsePhoneNumberFromString(trimmed.replace(/^00/, "+"), "GB");
  if (!phone?.isPossible()) return undefined;
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
