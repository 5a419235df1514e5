import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../config/schema";
import { testCredentials } from "./support/fixtures";
import { stackFileConfig } from "./support/run-program";

const secrets = { twilioAccountSid: testCredentials.accountSid, twilioAuthToken: testCredentials.authToken, apiKey: undefined };

/** A committed stack file's `signon:` keys (the schema ignores `aws:region` beside them). */
const stackFile = (stack: string) => stackFileConfig(stack, {}).values;

function problemsOf(raw: unknown, rawSecrets: Record<string, string | undefined> = secrets, stack = "dev"): string[] {
  try {
    parseStackConfig(raw, rawSecrets as typeof secrets, stack);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("the committed stack files", () => {
  it.each([["dev"], ["prod"]])("Pulumi.%s.yaml passes the schema", (stack) => {
    const { settings } = parseStackConfig(stackFile(stack), secrets, stack);
    expect(settings.club).toEqual({ name: "Urmston Town", slug: "urmston", assistantName: "Omega" });
    expect(settings.api).toEqual({ rateLimit: 25, burstLimit: 50 });
  });

  it("dev uses Twilio's WhatsApp sandbox sender and the development template", () => {
    const { settings } = parseStackConfig(stackFile("dev"), secrets, "dev");
    expect(settings.twilio).toEqual({ whatsappNumber: "+14155238886", templateSid: "HXbd20683c439d5894ded688d2a667a02c" });
  });
});

describe("a stack config problem", () => {
  const valid = stackFile("prod");

  it("defaults the throttle to 25 requests a second with a burst of 50", () => {
    const { api: _omitted, ...withoutApi } = valid;
    expect(parseStackConfig(withoutApi, secrets, "prod").settings.api).toEqual({ rateLimit: 25, burstLimit: 50 });
  });

  it("names a missing key with the command that sets it", () => {
    expect(problemsOf({ ...valid, club: { name: "Urmston Town", slug: "urmston" } })).toEqual([
      "signon:club.assistantName is missing. Example: pulumi config set --path signon:club.assistantName Omega",
    ]);
  });

  it("names a whole missing section", () => {
    const { twilio: _omitted, ...withoutTwilio } = valid;
    expect(problemsOf(withoutTwilio)).toEqual([
      expect.stringMatching(/^signon:twilio is missing/),
    ]);
  });

  it.each([
    [{ twilio: { whatsappNumber: "07700 900000", templateSid: "HX7d785aa7b15519a858cfc7f0d485ff2c" } }, "signon:twilio.whatsappNumber must be the sender number in E.164 form"],
    [{ twilio: { whatsappNumber: "+447700900000", templateSid: "MG123" } }, "signon:twilio.templateSid must be a Content template SID"],
    [{ registration: { season: "2025-26", membershipFee: "forty", subscriptionFee: "26" } }, "signon:registration.membershipFee must be an amount in pounds"],
    [{ registration: { season: "2025\n26", membershipFee: "40", subscriptionFee: "26" } }, "signon:registration.season must be a single line"],
    [{ club: { name: "Sale United", slug: "sale_united", assistantName: "Sunny" } }, "signon:club.slug must be lower-case letters"],
    [{ club: { name: "Sale United", slug: "a-very-long-club-slug", assistantName: "Sunny" } }, "signon:club.slug must be at most 16 characters"],
    [{ api: { rateLimit: 0, burstLimit: 50 } }, "signon:api.rateLimit"],
  ])("explains %j", (override, expected) => {
    const problems = problemsOf({ ...valid, ...override });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
    expect(problems[0]).toContain("Example: pulumi config set");
  });

  it("accepts fees typed as numbers or with a pound sign", () => {
    const { settings } = parseStackConfig({ ...valid, registration: { season: "2025-26", membershipFee: 40, subscriptionFee: "£26.50" } }, secrets, "prod");
    expect(settings.registration).toEqual({ season: "2025-26", membershipFee: "40", subscriptionFee: "26.50" });
  });

  it("names missing and malformed secrets without showing their values", () => {
    const problems = problemsOf(valid, { twilioAccountSid: undefined, twilioAuthToken: "my-secret-token", apiKey: "short" });
    expect(problems).toEqual([
      "signon:twilioAccountSid is missing. Example: pulumi config set --secret signon:twilioAccountSid AC...",
      "signon:twilioAuthToken must be the 32 hex characters of the account's auth token. Example: pulumi config set --secret signon:twilioAuthToken ...",
      expect.stringContaining("signon:apiKey must be at least 20 characters"),
    ]);
    expect(problems.join("\n")).not.toMatch(/my-secret-token|short/);
  });

  it("lists every problem in one message", () => {
    const error = (() => {
      try {
        parseStackConfig({}, { twilioAccountSid: undefined, twilioAuthToken: undefined, apiKey: undefined }, "Prod_1");
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    expect(error?.problems).toHaveLength(6);
    expect(error?.message).toMatch(/^signon's stack config has 6 problems:\n  - the stack name "Prod_1"/);
  });
});
