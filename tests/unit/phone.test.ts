/** UK mobiles read without libphonenumber, held to what libphonenumber reads from the same typing. */
import fc from "fast-check";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import { describe, expect, it } from "vitest";
import { readUkMobile, toDisplayNumber, toE164 } from "../../domain/phone";

/** The reference: the library alone, as domain/phone.ts uses it for every other number; valid, or in Ofcom's drama range. */
function byLibrary(typed: string): { e164: string; display: string } | undefined {
  const phone = parsePhoneNumberFromString(typed.trim().replace(/^00/, "+"), "GB");
  if (!phone || !(phone.isValid() || /^\+447700900\d{3}$/.test(phone.number))) return undefined;
  return { e164: phone.number, display: phone.countryCallingCode === "44" ? phone.formatNational() : phone.formatInternational() };
}

const digits = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(""));
// The national number after the leading 0: UK mobiles (71-75, 77-79), and what is formatted otherwise
// (70 personal numbers, 76 pagers and 7624 Isle of Man), landlines and the rest.
const nationalNumber = fc.oneof(
  fc
    .tuple(fc.constantFrom("71", "72", "73", "74", "75", "77", "78", "79", "7700 900", "7700 2", "7457", "7911", "7700 0"), digits(8))
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
    // 071 to 073: every number there is a UK mobile.
    const mobile = fc.tuple(fc.constantFrom("71", "72", "73"), digits(8)).map(([start, rest]) => start + rest);
    fc.assert(
      fc.property(fc.constantFrom("0", "+44", "0044", "44"), mobile, fc.constantFrom("", " ", "-", "."), (start, national, separator) => {
        const typed = `${start}${separator}${national.slice(0, 4)}${separator}${national.slice(4)}`;
        expect(readUkMobile(typed)?.e164).toBe(`+44${national}`);
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

  it("reads a mobile as valid exactly where the library does, for every five-digit start from 071 to 079", () => {
    let refused = 0;
    let readWithout = 0;
    for (const second of "12345789") {
      for (let rest = 0; rest < 1000; rest++) {
        const typed = `07${second}${String(rest).padStart(3, "0")} ${String((rest * 7919) % 1_000_000).padStart(6, "0")}`.slice(0, 12);
        const mobile = readUkMobile(typed);
        if (mobile) expect(mobile).toEqual(byLibrary(typed));
        expect(toE164(typed)).toBe(byLibrary(typed)?.e164);
        if (mobile) readWithout += 1;
        if (!byLibrary(typed)) refused += 1;
      }
    }
    // Not vacuous: most are read without the library, and some starts are no one's mobile (07700 2...).
    expect(readWithout).toBeGreaterThan(7000);
    expect(refused).toBeGreaterThan(0);
  });
});

describe("a number that parses but is no one's", () => {
  it.each([["07700 9001"], ["07700 9001234"], ["+44 7700 9001234"], ["0113 496"], ["+1 415 523"]])("%j is refused", (typed) => {
    expect(readUkMobile(typed)).toBeUndefined();
    expect(toE164(typed)).toBeUndefined();
    expect(toDisplayNumber(typed)).toBeUndefined();
  });

  it("is refused even though the library can parse it: 07700 9001 was sent as +44077009001", () => {
    expect(parsePhoneNumberFromString("07700 9001", "GB")?.number).toBe("+44077009001");
    expect(toE164("07700 9001")).toBeUndefined();
  });
});
