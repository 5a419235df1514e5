// The domain's one door to the phone library: domain/phone.ts loads libphonenumber-js/min at its
// first use, which costs more than the webhook's whole cold start budget has left
// (bench/README.md). Only this step needs it.
import { toDisplayNumber, toE164 } from "../phone";
import { type NameProblem, parsePersonName } from "./names";

export type EmergencyContactProblem = "no_number" | "bad_number" | "own_number" | NameProblem;

export type EmergencyContactReading = { ok: true; name: string; tel: string } | { ok: false; problem: EmergencyContactProblem };

// The phone number inside "Jane Testington on 07700 900456": digits with the spacing people type.
const typedNumber = /\+?\(?\d[\d\s().-]{5,22}\d/;
// Words around the number that are not part of the name: "Jane, tel: 07700 900456".
const joiningWords = /(?:^|\s)(?:on|tel|phone|mobile|mob|number|no|is)\.?:?(?=\s|$)|[,:;\u2013\u2014-]+(?=\s|$)/gi;

/**
 * An emergency contact's name and number in one message (`Jane Testington 07700 900456`), the
 * number read by the trigger's normaliser (UK unless it has a country code) and refused when it
 * is the parent's own (`parentTel`, E.164): the point is someone else to call.
 */
export function parseEmergencyContact(text: string, parentTel: string): EmergencyContactReading {
  const number = typedNumber.exec(text);
  if (!number) return { ok: false, problem: "no_number" };
  const tel = toE164(number[0]);
  if (!tel) return { ok: false, problem: "bad_number" };
  if (tel === parentTel) return { ok: false, problem: "own_number" };
  const rest = `${text.slice(0, number.index)} ${text.slice(number.index + number[0].length)}`.replace(joiningWords, " ");
  const name = parsePersonName(rest, 1);
  return name.ok ? { ok: true, name: name.name, tel } : { ok: false, problem: name.problem };
}

/** How the summary shows a stored contact number: `07700 900789`. */
export function displayPhone(tel: string): string {
  return toDisplayNumber(tel) ?? tel;
}
