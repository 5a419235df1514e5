/** Names cased as typed, and an emergency contact's name and number from one message. */
import { describe, expect, it } from "vitest";
import { parseEmergencyContact } from "../../domain/conversation/emergency-contact";
import { parsePersonName } from "../../domain/conversation/names";

const parentTel = "+447700900123";

describe("parsePersonName", () => {
  it.each([
    ["Alfie Testington", 2, "Alfie Testington"],
    ["  alfie   james\tTESTINGTON ", 2, "alfie james TESTINGTON"],
    ["Zoë O'Brien-Smith", 2, "Zoë O'Brien-Smith"],
    ["Siân Ó Ceallaigh", 2, "Siân Ó Ceallaigh"],
    ["Nan", 1, "Nan"],
  ] as const)("%s (%d words at least) is %s", (typed, words, name) => {
    expect(parsePersonName(typed, words)).toEqual({ ok: true, name });
  });

  it.each([
    ["Alfie", 2, "one_word"],
    ["   ", 2, "empty"],
    ["Alfie 2 Testington", 2, "not_a_name"],
    ["alfie@example.com", 2, "not_a_name"],
    ["- -", 1, "not_a_name"],
    [`Alfie ${"x".repeat(70)}`, 2, "too_long"],
  ] as const)("%s is refused: %s", (typed, words, problem) => {
    expect(parsePersonName(typed, words)).toEqual({ ok: false, problem });
  });
});

describe("parseEmergencyContact", () => {
  it.each([
    ["Jane Testington 07700 900789", "Jane Testington", "+447700900789"],
    ["Jane Testington on 07700 900789", "Jane Testington", "+447700900789"],
    ["Jane Testington, tel: 07700900789", "Jane Testington", "+447700900789"],
    ["Nan - 07700 900789", "Nan", "+447700900789"],
    ["07700 900789 Jane Testington", "Jane Testington", "+447700900789"],
    ["Jane Testington +44 7700 900789", "Jane Testington", "+447700900789"],
    ["Jane Testington 447700900789", "Jane Testington", "+447700900789"],
    ["Jane Testington (07700) 900-789", "Jane Testington", "+447700900789"],
  ])("%s is %s, %s", (typed, name, tel) => {
    expect(parseEmergencyContact(typed, parentTel)).toEqual({ ok: true, name, tel });
  });

  it.each([
    ["Jane Testington", "no_number"],
    ["Jane 0770", "no_number"],
    ["Jane Testington 07700 9007891234", "bad_number"],
    ["Jane Testington 07700 9001", "bad_number"],
    ["Jane Testington 07700 9007890", "bad_number"],
    ["Jane +999 1234567", "bad_number"],
    ["Jane Testington 07700 900123", "own_number"],
    ["Jane +44 7700 900123", "own_number"],
    ["07700 900789", "empty"],
    ["J4ne 07700 900789", "not_a_name"],
  ])("%s is refused: %s", (typed, problem) => {
    expect(parseEmergencyContact(typed, parentTel)).toEqual({ ok: false, problem });
  });
});
