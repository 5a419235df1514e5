import { describe, expect, it } from "vitest";
import { createInviteParser, inviteFields, templateVariables, whatsappSafe } from "../../domain/invite";
import { poundsAmount } from "../../domain/money";
import { toDisplayNumber, toE164 } from "../../domain/phone";
import { maskPhone } from "../../plumbing/log";
import { validInvite, validInviteVariables } from "../../testkit/fixtures";

const defaults = { season: "2025-26", membershipFee: "40", subscriptionFee: "26" };

describe("whatsappSafe", () => {
  it.each([
    ["Lions\nBlue", "Lions Blue"],
    ["a\tb", "a b"],
    ["five     spaces", "five spaces"],
    ["  padded  ", "padded"],
    ["\r\n", ""],
  ])("turns %j into %j", (input, expected) => {
    expect(whatsappSafe(input)).toBe(expected);
  });
});

describe("templateVariables", () => {
  const parse = createInviteParser();

  it("numbers the nine variables as the approved template expects", () => {
    const parsed = parse(validInvite);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(templateVariables(parsed.invite, defaults)).toEqual(validInviteVariables);
  });

  it("treats an empty optional cell as not given", () => {
    const parsed = parse({ ...validInvite, current_registration_season: "", membership_fee_amount: " ", player_last_name: "" });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.invite.player_last_name).toBeUndefined();
    expect(templateVariables(parsed.invite, defaults)).toMatchObject({ "5": "2025-26", "6": "40" });
  });

  it("refuses a value that would be empty once cleaned", () => {
    const parsed = parse(validInvite);
    if (!parsed.ok) throw new Error("valid invite refused");
    expect(() => templateVariables(parsed.invite, { ...defaults, season: " \n " })).toThrow("template variable 5 is empty");
  });

  it("ignores fields it does not know", () => {
    const parsed = parse({ ...validInvite, shirt_size: "M" });
    expect(parsed.ok && "shirt_size" in parsed.invite).toBe(false);
  });

  it("limits the length of a value", () => {
    const parsed = parse({ ...validInvite, team_name: "x".repeat(61) });
    expect(parsed).toEqual({ ok: false, problems: [{ field: "team_name", message: "must be at most 60 characters" }] });
  });
});

describe("the invite's season", () => {
  const parse = createInviteParser();
  const seasonOf = (typed: string, stackSeason?: string) => {
    const parsed = parse({ ...validInvite, current_registration_season: typed }, stackSeason);
    return parsed.ok ? parsed.invite.current_registration_season : parsed.problems;
  };

  it.each([["2026-27"], ["2026/27"], ["2026-2027"], ["2026/2027"], [" 2026 – 27 "], ["\u200b2026-27"]])(
    "reads %j as the stack's 2026-27",
    (typed) => {
      expect(seasonOf(typed, "2026-27")).toBe("2026-27");
      expect(seasonOf(typed)).toBe("2026-27");
    },
  );

  it.each([["2025-26"], ["2027/28"], ["2026-28"], ["2026"], ["26/27"], ["Season 2026"]])(
    "refuses %j for a stack on 2026-27, naming the field and the stack's season",
    (typed) => {
      expect(seasonOf(typed, "2026-27")).toEqual([
        { field: "current_registration_season", message: "must be this club's season, 2026-27 (or 2026/27, 2026-2027), or left out" },
      ]);
    },
  );

  it("without the stack's season (a spreadsheet checked offline), refuses only what is not a season", () => {
    expect(seasonOf("2031/32")).toBe("2031-32");
    expect(seasonOf("Season 2026")).toEqual([
      { field: "current_registration_season", message: "must be a season such as 2025-26 (or 2025/26, 2025-2026)" },
    ]);
  });
});

describe("poundsAmount", () => {
  it.each([
    ["40", "40"],
    [40, "40"],
    ["£26.50", "26.50"],
    ["£ 26.5", "26.50"],
    [27.5, "27.50"],
    [" 0 ", "0"],
  ])("reads %j as %j", (typed, expected) => {
    expect(poundsAmount(typed)).toBe(expected);
  });

  it.each([["forty"], ["-5"], ["40.123"], ["12345"], [""], [Number.NaN]])("refuses %j", (typed) => {
    expect(poundsAmount(typed)).toBeUndefined();
  });
});

describe("phone numbers", () => {
  it("accepts Ofcom's drama range, which libphonenumber calls possible but not valid", () => {
    expect(toE164("07700 900000")).toBe("+447700900000");
    expect(toE164("07700 900999")).toBe("+447700900999");
  });

  it("keeps numbers from abroad in their own country", () => {
    expect(toE164("+1 415 523 8886")).toBe("+14155238886");
    expect(toDisplayNumber("+1 415 523 8886")).toBe("+1 415 523 8886");
  });

  it("shows a UK number as a parent would dial it", () => {
    expect(toDisplayNumber("+447700900456")).toBe("07700 900456");
  });

  it.each([["abc"], ["123"], ["07700 900123 x"], ["+44 7700 900123 99999"]])("refuses %j", (typed) => {
    expect(toE164(typed)).toBeUndefined();
  });

  it("masks all but the country code and the last three digits for logs", () => {
    expect(maskPhone("+447700900123")).toBe("+44•••••••123");
    expect(maskPhone("whatsapp:+447700900123")).toBe("+44•••••••123");
    expect(maskPhone("12")).toBe("•••");
  });
});

describe("age_group", () => {
  const parse = createInviteParser();
  const ageGroupOf = (typed: string) => {
    const parsed = parse({ ...validInvite, age_group: typed });
    return parsed.ok ? parsed.invite.age_group : parsed.problems;
  };

  it.each([["U11"], ["u11s"], ["Under 11s"], ["under-11"], ["Under-11"], ["U-11"], [" under 11's "], ["U11S"]])(
    "keeps %j in its one form, U11",
    (typed) => expect(ageGroupOf(typed)).toBe("U11"),
  );

  it("keeps the words after the age group as typed", () => {
    expect(ageGroupOf("Under 9s  Girls")).toBe("U9 Girls");
  });

  it.each([["Seniors"], ["11"], ["Lions u11"], ["u40"], ["Under eleven"]])("refuses %j, naming the field", (typed) => {
    expect(ageGroupOf(typed)).toEqual([
      { field: "age_group", message: "is not an age group: use a form such as U11 or Under 11s (Under 5 to Under 23)" },
    ]);
  });
});

describe("resend", () => {
  const parse = createInviteParser();

  it("is optional, and true or false when given", () => {
    for (const resend of [undefined, true, false]) {
      const parsed = parse({ ...validInvite, resend });
      expect(parsed.ok).toBe(true);
      expect(parsed.ok && parsed.invite.resend).toBe(resend);
    }
  });

  it("is refused as anything but a boolean, naming the field", () => {
    for (const resend of ["yes", 1, "true", null]) {
      expect(parse({ ...validInvite, resend })).toEqual({ ok: false, problems: [{ field: "resend", message: "must be true or false" }] });
    }
  });
});

describe("inviteFields", () => {
  it("keeps what the parent was sent, the stack's season and fees filled in", () => {
    const parsed = createInviteParser()({ ...validInvite, subscription_fee_amount: "27.5" });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(inviteFields(parsed.invite, defaults)).toEqual({
      season: "2025-26",
      team_name: "Lions",
      age_group: "U11",
      player_first_name: "Alfie",
      player_last_name: "Testington",
      parent_first_name: "Sarah",
      parent_last_name: "Testington",
      parent_tel: "+447700900123",
      team_manager_name: "Dave Examplesson",
      team_manager_tel: "07700 900456",
      membership_fee: "40",
      subscription_fee: "27.50",
    });
  });
});
