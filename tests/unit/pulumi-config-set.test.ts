/**
 * The test kit's copy of how `pulumi config set` stores a value, checked against the Go it mimics:
 * strconv.Atoi (Go's own table, src/strconv/atoi_test.go parseInt64Tests, on a 64-bit platform)
 * and pulumi/pulumi sdk/go/common/resource/config/map.go adjustObjectValue.
 */
import { describe, expect, it } from "vitest";
import {
  applyConfigCommand,
  configCommand,
  configCommandsIn,
  configCommandsOf,
  goAtoi,
  pulumiPathValue,
  type StackValues,
  shellWords,
} from "../../testkit/pulumi-config-set";

describe("goAtoi, as Go's strconv.Atoi", () => {
  // [input, Atoi's int, or undefined where it returns an error]
  it.each<[string, number | undefined]>([
    // Go's parseInt64Tests
    ["", undefined],
    ["0", 0],
    ["-0", 0],
    ["1", 1],
    ["-1", -1],
    ["12345", 12345],
    ["-12345", -12345],
    ["012345", 12345],
    ["-012345", -12345],
    ["98765432100", 98765432100],
    ["-98765432100", -98765432100],
    ["9223372036854775807", Number(2n ** 63n - 1n)],
    ["-9223372036854775807", Number(-(2n ** 63n - 1n))],
    ["9223372036854775808", undefined],
    ["-9223372036854775808", Number(-(2n ** 63n))],
    ["9223372036854775809", undefined],
    ["-9223372036854775809", undefined],
    ["12345x", undefined],
    ["-12345x", undefined],
    // The sign: one, either way (ParseInt strips it before ParseUint)
    ["+447700900000", 447700900000],
    ["+0", 0],
    ["+", undefined],
    ["-", undefined],
    ["+-1", undefined],
    ["++1", undefined],
    // Base 10 only: no underscores (base 0 alone takes them), prefixes, exponents, points or spaces
    ["1_000", undefined],
    ["0x10", undefined],
    ["1e3", undefined],
    ["40.50", undefined],
    [" 40", undefined],
    ["40 ", undefined],
    ["+44 7700 900000", undefined],
    // ASCII digits only
    ["٤٠", undefined],
    ["２", undefined],
  ])("Atoi(%j) is %s", (input, expected) => {
    expect(goAtoi(input)).toBe(expected);
  });
});

describe("pulumiPathValue, as adjustObjectValue stores a --path value", () => {
  it.each<[string, string | number | boolean]>([
    ["true", true],
    ["false", false],
    ["True", "True"],
    ["+447700900000", 447700900000],
    ["447700900000", 447700900000],
    ["-447700900000", -447700900000],
    // More than one character starting with 0: kept as text, leading zeros and all
    ["07700900000", "07700900000"],
    ["007", "007"],
    ["00", "00"],
    ["0", 0],
    ["-007", -7],
    ["40", 40],
    ["40.50", "40.50"],
    ["£40", "£40"],
    ["1e3", "1e3"],
    ["2025-26", "2025-26"],
    ["2025", 2025],
    ["urmston", "urmston"],
    ["", ""],
    ["9223372036854775808", "9223372036854775808"],
  ])("stores %j as %j", (input, stored) => {
    expect(pulumiPathValue(input)).toStrictEqual(stored);
  });
});

describe("applyConfigCommand, as the CLI writes the stack file", () => {
  it("builds a group from --path keys, converts values, and keeps other values as typed", () => {
    const values: StackValues = {};
    const set = (line: string) => {
      for (const command of configCommandsOf(line)) applyConfigCommand(values, command);
    };
    set("pulumi config set aws:region eu-north-1");
    set('pulumi config set --path signon:twilio.whatsappNumber "+447700900000"   # the sender');
    set("pulumi config set --path signon:twilio.templateSid HX7d785aa7b15519a858cfc7f0d485ff2c");
    set("pulumi config set --path signon:registration.membershipFee '40'");
    set("pulumi config set --path signon:registration.season 2025-26");
    set("pulumi config set signon:note 1874");
    expect(values).toStrictEqual({
      "aws:region": "eu-north-1",
      twilio: { whatsappNumber: 447700900000, templateSid: "HX7d785aa7b15519a858cfc7f0d485ff2c" },
      registration: { membershipFee: 40, season: "2025-26" },
      note: "1874",
    });
  });

  it("replaces a group that held text, as map.go does", () => {
    const values: StackValues = { club: "Sale United" };
    applyConfigCommand(values, { action: "set", key: "signon:club.slug", value: "sale-united", path: true, secret: false });
    expect(values).toStrictEqual({ club: { slug: "sale-united" } });
  });

  it("removes a key from its group with config rm --path, and chains commands with &&", () => {
    const values: StackValues = { api: { ratelimit: 100, burstLimit: 50 } };
    for (const command of configCommandsOf(
      "pulumi config rm --path signon:api.ratelimit && pulumi config set --path signon:api.rateLimit 25",
    )) {
      applyConfigCommand(values, command);
    }
    expect(values).toStrictEqual({ api: { burstLimit: 50, rateLimit: 25 } });
  });

  it("makes a list for an index in brackets, its items' members typed as --path types them", () => {
    const values = {};
    applyConfigCommand(values, {
      action: "set",
      key: "signon:board.secretaries[0].name",
      value: "Sam Secretary",
      path: true,
      secret: false,
    });
    applyConfigCommand(values, {
      action: "set",
      key: "signon:board.secretaries[0].tel",
      value: "+447700900050",
      path: true,
      secret: false,
    });
    expect(values).toStrictEqual({ board: { secretaries: [{ name: "Sam Secretary", tel: 447700900050 }] } });
  });

  it("refuses what it does not mimic rather than guess", () => {
    expect(() => shellWords('pulumi config set --path signon:club.name "$CLUB"')).toThrow(/does not expand/);
    expect(() => configCommand(shellWords("pulumi config set --type string signon:x 1"))).toThrow(/does not mimic/);
    expect(() => configCommand(shellWords("pulumi config rm --path signon:api.rateLimit 25"))).toThrow(/does not mimic/);
    expect(() => applyConfigCommand({}, { action: "set", key: 'signon:names["a.b"]', value: "a", path: true, secret: false })).toThrow(
      /does not mimic/,
    );
    expect(() => applyConfigCommand({}, { action: "set", key: "signon:club.pin", value: "1", path: true, secret: true })).toThrow(
      /does not mimic/,
    );
    expect(() => applyConfigCommand({}, { action: "set", key: "club.name", value: "a", path: true, secret: false })).toThrow(
      /namespaced key/,
    );
  });

  it("finds the config commands in a Markdown section's sh blocks only", () => {
    const section = [
      "Text with pulumi config set --path signon:club.name Nope",
      "```sh",
      "pulumi stack init prod",
      "pulumi config set --path signon:club.slug urmston          # a-z",
      "pulumi config set --secret signon:twilioAuthToken ...",
      "pulumi up",
      "```",
      "```",
      "pulumi config set --path signon:club.name Nope",
      "```",
    ].join("\n");
    expect(configCommandsIn(section)).toStrictEqual([
      { action: "set", key: "signon:club.slug", value: "urmston", path: true, secret: false },
      { action: "set", key: "signon:twilioAuthToken", value: "...", path: false, secret: true },
    ]);
  });
});
