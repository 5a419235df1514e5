import type { PhoneNumber } from "libphonenumber-js/min";

type PhoneLibrary = typeof import("libphonenumber-js/min");
let phoneLibrary: PhoneLibrary | undefined;

/**
 * libphonenumber-js/min costs 33 to 37 ms to require (domain/conversation/emergency-contact.ts),
 * and the webhook needs it only at the emergency contact step: loaded at first use, not with the
 * module. A plain require, so the code Pulumi uploads resolves it from the package's node_modules
 * (it is in each function's npmImports).
 */
function phoneNumbers(): PhoneLibrary {
  phoneLibrary ??= require("libphonenumber-js/min") as PhoneLibrary;
  return phoneLibrary;
}

// What people type into a spreadsheet: digits, spaces, +, brackets, dots and dashes.
const typedPhonePattern = /^\+?[\d\s().-]{6,24}$/;

/**
 * Reads a phone number as people type it (`07700 900123`, `+44 7700 900123`, `447700900123`),
 * UK by default. "Possible" rather than "valid": Ofcom's drama range, which tests use, is not valid.
 */
export function parsePhone(typed: string): PhoneNumber | undefined {
  const trimmed = typed.trim();
  if (!typedPhonePattern.test(trimmed)) return undefined;
  const international = trimmed.replace(/^00/, "+");
  const phone = phoneNumbers().parsePhoneNumberFromString(international, "GB");
  return phone?.isPossible() ? phone : undefined;
}

/** `+447700900123`: what WhatsApp addresses are made of. */
export function toE164(typed: string): string | undefined {
  return parsePhone(typed)?.number;
}

/** How a parent should read a number in a message: `07700 900123` at home, `+1 415 523 8886` abroad. */
export function toDisplayNumber(typed: string): string | undefined {
  const phone = parsePhone(typed);
  if (!phone) return undefined;
  return phone.countryCallingCode === "44" ? phone.formatNational() : phone.formatInternational();
}
