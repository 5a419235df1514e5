/** UK mobiles read without libphonenumber, held to what libphonenumber reads from the same typing. */
import fc from "fast-check";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import { describe, expect, it } from "vitest";
import { readUkMobile, toE164 } from "../../domain/phone";

/** The reference: the library alone, as domain/phone.ts uses it for every other number. */
function byLibrary(typed: string): { e164: string; display: string } | undefined {
  const phone = parsePhoneNumberFromString(typed.trim().replace(/^00/, "+"), "GB");
  if (!phone?.isPossible()) return undefined;
  return { e164: phone.number, display: phone.countryCallingCode === "44" ? phone.formatNational() : phone.formatInternational() };
}

const digits = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(""));
// The national number after the leading 0: UK mobiles (71-75, 77-79), and what is formatted otherwise
// (70 personal numbers, 76 pagers and 7624 Isle of Man), landlines and the rest.
const nationalNumber = fc.oneof(
  fc
    .tuple(fc.constantFrom("71", "72", "73", "74", "75", "77", "78", "79", "7700 900"), digits(8))
    .map(([a, b]) => (a + b).replace(/ /g, "").slice(0, 10)),
  fc
    .tuple(fc.constantFrom("70", "76", "7624", "1", "113 496 0", "20 7946 0", "3", "8", "9"), digits(9))
    .map(([a, b]) => (a + b).replace(/ /g, "").slice(0, 10)),
  fc.tuple(fc.constantFrom("7"), fc.integer({ min: 6, max: 11 }).chain(digits)).map(([a, b]) => a + b),
);
const prefix = fc.constantFrom("0", "+44", "0044", "44", "+44 0", "+440", "+", "", "+1", "+353");
// Typed with the separators people use, now and then doubled or bracketed.
const separator = fc.oneof(
  { arbitrary: fc.constant(""), weight: 16 },
  { arbitrary: fc.constantFrom(" ", "-", "."), weight: 3 },
  { arbitrary: fc.constantFrom("  ", "(", ")"), weight: 1 },
);
const typing = fc
  .tuple(prefix, nationalNumber, fc.array(separator, { minLength: 16, maxLength: 16 }))
  .map(([start, national, separators]) => {
    const characters = [...`${start}${national}`];
    return characters.map((character, index) => (index > 0 && index < characters.length ? separators[index] : "") + character).join("");
  });

describe("readUkMobile", () => {
  it("reads exactly what the library reads, wherever it reads anything", () => {
    let read = 0;
    fc.assert(
      fc.property(typing, (typed) => {
        const mobile = readUkMobile(typed);
        if (mobile) expect(mobile).toEqual(byLibrary(typed));
        if (mobile) read += 1;
      }),
      { numRuns: 5000 },
    );
    // Not vacuous: a good share of the typings are mobiles it reads.
    expect(read).toBeGreaterThan(250);
  });

  it("reads a UK mobile typed with single spaces, dots or dashes without the library", () => {
    fc.assert(
      fc.property(fc.constantFrom("0", "+44", "0044", "44"), digits(8), fc.constantFrom("", " ", "-", "."), (start, rest, separator) => {
        const typed = `${start}${separator}77${rest.slice(0, 3)}${separator}${rest.slice(3)}`;
        expect(readUkMobile(typed)?.e164).toBe(`+4477${rest}`);
      }),
    );
  });

  it("leaves personal numbers (070), pagers (076) and the Isle of Man (07624) to the library", () => {
    fc.assert(
      fc.property(fc.constantFrom("0", "+44", "0044"), fc.constantFrom("70", "76", "7624"), digits(8), (start, range, rest) => {
        expect(readUkMobile(`${start}${range}${rest}`.slice(0, start.length + 10))).toBeUndefined();
      }),
    );
  });

  it.each([
    ["07700 900123", "+447700900123", "07700 900123"],
    ["07700900123", "+447700900123", "07700 900123"],
    ["+44 7700 900123", "+447700900123", "07700 900123"],
    ["+447700900123", "+447700900123", "07700 900123"],
    ["0044 7700 900123", "+447700900123", "07700 900123"],
    ["447700900123", "+447700900123", "07700 900123"],
    ["07700-900-123", "+447700900123", "07700 900123"],
    ["07700.900.123", "+447700900123", "07700 900123"],
    ["0 7 7 0 0 9 0 0 1 2 3", "+447700900123", "07700 900123"],
  ])("reads %j, as parents type a mobile, without the library", (typed, e164, display) => {
    expect(readUkMobile(typed)).toEqual({ e164, display });
    expect(byLibrary(typed)).toEqual({ e164, display });
  });

  it.each([["0113 496 0123"], ["(07700) 900123"], ["07700  900123"], ["+1 415 523 8886"]])("leaves %j to the library", (typed) => {
    expect(readUkMobile(typed)).toBeUndefined();
    expect(toE164(typed)).toBe(byLibrary(typed)?.e164);
  });
});
