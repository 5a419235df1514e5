import { describe, expect, it } from "vitest";
import { awsNameProblem, awsNameRules } from "../../config/aws-name-rules";
import { stackAwsNames } from "../../config/names";
import { ConfigError, configExamples, optionalQuestionConfigKeys, parseStackConfig, settingValues } from "../../config/schema";
import { optionalStepIds } from "../../domain/conversation/script";
import { testCredentials } from "../../testkit/fixtures";
import { applyConfigCommand, configCommandsIn, configCommandsOf } from "../../testkit/pulumi-config-set";
import { markdownSection } from "../../testkit/readme";
import { stackFileConfig } from "../../testkit/run-program";

const secrets = {
  twilioAccountSid: testCredentials.accountSid,
  twilioAuthToken: testCredentials.authToken,
  apiKey: undefined,
  exportApiKey: undefined,
};

const goCardlessSecrets = {
  gocardlessAccessToken: "sandbox_0123456789abcdefghijKLMNOP-_xyz",
  gocardlessWebhookSecret: "whsec-0123456789abcdefghij",
};

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

/** The prod stack file with one key (`club.slug`) set to `value`, as `pulumi config set --path` would. */
function withSetting(key: string, value: unknown): Record<string, unknown> {
  const [section, name] = key.split(".");
  const config = stackFile("prod");
  return { ...config, [section]: { ...(config[section] as object), [name]: value } };
}

/** A valid slug or stack name of exactly `length` characters, with digits and hyphens in it. */
const nameOfLength = (length: number) => "a1-".repeat(length).slice(0, length).replace(/-$/, "b");

describe("the committed stack files", () => {
  it.each([["dev"], ["prod"]])("Pulumi.%s.yaml passes the schema", (stack) => {
    const { settings } = parseStackConfig(stackFile(stack), secrets, stack);
    expect(settings.club).toEqual({
      name: "Urmston Town",
      slug: "urmston",
      assistantName: "Omega",
      codeOfConductUrl: "https://www.urmstontownjfc.example/code-of-conduct",
      privacyNoticeUrl: "https://www.urmstontownjfc.example/privacy",
    });
    expect(settings.registration.paymentUrl).toBe("https://pay.urmstontownjfc.example/join");
    expect(settings.registration.retentionYears).toBe(1);
    expect(settings.registration.closedRetentionDays).toBe(30);
    expect(settings.conversation).toEqual({ medical: true, emergencyContact: true, photoConsent: true });
    expect(settings.api).toEqual({
      rateLimit: 25,
      burstLimit: 50,
      dailyQuota: 1000,
      webhookRateLimit: 10,
      webhookBurstLimit: 20,
      statusRateLimit: 50,
      statusBurstLimit: 100,
      boardRateLimit: 10,
      boardBurstLimit: 40,
      paymentsRateLimit: 5,
      paymentsBurstLimit: 20,
    });
    expect(settings.registration.allowFeeOverrides).toBe(false);
  });

  it("dev uses Twilio's WhatsApp sandbox sender and the development template", () => {
    const { settings } = parseStackConfig(stackFile("dev"), secrets, "dev");
    expect(settings.twilio).toEqual({
      reminderTemplateSid: "HX3c1e5a7f9b2d4c6e8a0b1c2d3e4f5a6b",
      whatsappNumber: "+14155238886",
      templateSid: "HXbd20683c439d5894ded688d2a667a02c",
      verifyServiceSid: "VA0123456789abcdef0123456789abcdef",
    });
    expect(settings.board.secretaries).toEqual([{ name: "Sam Secretary", tel: "+447700900050" }]);
  });
});

describe("a stack config problem", () => {
  const valid = stackFile("prod");

  it("defaults the throttle to 25 requests a second with a burst of 50, each key's quota to 1000 requests a day, and the webhook's and status's stage throttles", () => {
    const { api: _omitted, ...withoutApi } = valid;
    expect(parseStackConfig(withoutApi, secrets, "prod").settings.api).toEqual({
      rateLimit: 25,
      burstLimit: 50,
      dailyQuota: 1000,
      webhookRateLimit: 10,
      webhookBurstLimit: 20,
      statusRateLimit: 50,
      statusBurstLimit: 100,
      boardRateLimit: 10,
      boardBurstLimit: 40,
      paymentsRateLimit: 5,
      paymentsBurstLimit: 20,
    });
  });

  it("names a missing key with the command that sets it", () => {
    const { assistantName: _omitted, ...club } = valid.club as Record<string, unknown>;
    expect(problemsOf({ ...valid, club })).toEqual([
      "signon:club.assistantName is missing. Example: pulumi config set --path signon:club.assistantName Omega",
    ]);
  });

  it.each([
    ["club", "codeOfConductUrl", "http://www.urmstontownjfc.example/code-of-conduct"],
    ["club", "privacyNoticeUrl", "privacy notice"],
    ["registration", "paymentUrl", "https://pay example/join"],
  ])("refuses a %s.%s that is not one https link (%j)", (section, key, value) => {
    const config = { ...valid, [section]: { ...(valid[section] as object), [key]: value } };
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(
        new RegExp(`^signon:${section}\\.${key} must be .*https.* Example: pulumi config set --path signon:${section}\\.${key} https://`),
      ),
    ]);
  });

  it("asks every optional question unless a club switches it off, as pulumi config set stores true and false", () => {
    const { settings } = parseStackConfig({ ...valid, conversation: { medical: false, photoConsent: "false" } }, secrets, "prod");
    expect(settings.conversation).toEqual({ medical: false, emergencyContact: true, photoConsent: false });
    expect(problemsOf({ ...valid, conversation: { medical: "no" } })).toEqual([
      expect.stringContaining("signon:conversation.medical must be true or false"),
    ]);
  });

  it("has a switch for each of the script's optional questions, and the optional-steps setting names those left on", () => {
    const made = { webhookUrl: "webhook", statusCallbackUrl: "status", exportApiKeyId: "key", paymentReturnUrl: "thanks" };
    const optionalStepsWith = (conversation: Record<string, unknown>) =>
      settingValues({ ...made, config: parseStackConfig({ ...valid, conversation }, secrets, "prod").settings }).optionalSteps;
    const switches = optionalStepIds.map((id) => optionalQuestionConfigKeys[id]);
    expect(Object.keys(parseStackConfig(valid, secrets, "prod").settings.conversation).sort()).toEqual([...switches].sort());
    for (const key of switches)
      expect(configExamples[`conversation.${key}`]).toBe(`pulumi config set --path signon:conversation.${key} false`);
    expect(optionalStepsWith({})).toBe(optionalStepIds.join(","));
    expect(optionalStepsWith({ emergencyContact: false })).toBe("medical,photo_consent");
    // Parameter Store refuses an empty value.
    expect(optionalStepsWith(Object.fromEntries(switches.map((key) => [key, false])))).toBe("none");
  });

  it("names a whole missing section with a command for its first key", () => {
    const { twilio: _omitted, ...withoutTwilio } = valid;
    expect(problemsOf(withoutTwilio)).toEqual([
      'signon:twilio is missing. Example: pulumi config set --path signon:twilio.whatsappNumber "+447700900000"',
    ]);
  });

  it("accepts fees typed as numbers or with a pound sign", () => {
    const registration = { ...(valid.registration as object), membershipFee: 40, subscriptionFee: "£26.50" };
    const { settings } = parseStackConfig({ ...valid, registration }, secrets, "prod");
    expect(settings.registration).toMatchObject({ season: "2025-26", membershipFee: "40", subscriptionFee: "26.50" });
  });

  it("names missing and malformed secrets without showing their values", () => {
    const problems = problemsOf(valid, {
      twilioAccountSid: undefined,
      twilioAuthToken: "my-secret-token",
      apiKey: "short",
      exportApiKey: undefined,
    });
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
        parseStackConfig(
          {},
          { twilioAccountSid: undefined, twilioAuthToken: undefined, apiKey: undefined, exportApiKey: undefined },
          "Prod_1",
        );
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    expect(error?.problems).toHaveLength(9);
    expect(error?.message).toMatch(/^signon's stack config has 9 problems:\n {2}- the stack name "Prod_1"/);
    expect(error?.problems).toContain("aws:region is missing. Example: pulumi config set aws:region eu-north-1");
    expect(error?.problems).toContain(
      "signon:ops is missing. Example: pulumi config set --path signon:ops.alertEmail ops@urmstontownjfc.example",
    );
  });
});

describe("signon:ops, who hears of the alarms and when", () => {
  it("takes the committed stack files' address, with thresholds sized to a club by default", () => {
    expect(parseStackConfig(stackFile("prod"), secrets, "prod").settings.ops).toEqual({
      alertEmail: "ops@urmstontownjfc.example",
      api5xxRatePercent: 5,
      functionErrorsThreshold: 1,
      invitesRefusedThreshold: 3,
      deliveriesFailedThreshold: 5,
      twilioAlertsThreshold: 5,
    });
  });

  it.each([["volunteer@saleunited.example"], ["ops+signon@club.co.uk"], ["  Ops@Urmston-Town.example  "]])("takes %j", (address) => {
    expect(parseStackConfig(withSetting("ops.alertEmail", address), secrets, "prod").settings.ops.alertEmail).toBe(address.trim());
  });

  it.each([
    ["ops"],
    ["ops@localhost"],
    ["Ops Team <ops@urmston.example>"],
    ["ops@urmston.example, sam@urmston.example"],
    ["ops @urmston.example"],
    ["ops@-urmston.example"],
    [`${"a".repeat(250)}@x.example`],
    [42],
  ])("refuses %j, naming the key with an example", (address) => {
    expect(problemsOf(withSetting("ops.alertEmail", address), secrets, "prod")).toEqual([
      expect.stringMatching(
        /^signon:ops\.alertEmail must be (one|an) email address such as ops@urmstontownjfc\.example\. Example: pulumi config set --path signon:ops\.alertEmail ops@urmstontownjfc\.example$/,
      ),
    ]);
  });

  it.each([
    ["api5xxRatePercent", 0],
    ["api5xxRatePercent", 101],
    ["invitesRefusedThreshold", 0],
    ["deliveriesFailedThreshold", 2.5],
    ["twilioAlertsThreshold", "many"],
    ["functionErrorsThreshold", 1001],
  ])("refuses signon:ops.%s %j", (key, value) => {
    expect(problemsOf(withSetting(`ops.${key}`, value), secrets, "prod")).toEqual([
      expect.stringMatching(new RegExp(`^signon:ops\\.${key} must be a whole`)),
    ]);
  });
});

describe("a signon: key the schema does not know", () => {
  const valid = stackFile("prod");
  const { registration, ...withoutRegistration } = valid;
  const groups = "club, twilio, registration, api, conversation, reminders, board, payments, ops, concurrency";
  const secretNames = "twilioAccountSid, twilioAuthToken, apiKey, exportApiKey, gocardlessAccessToken, gocardlessWebhookSecret";

  it("is refused when it misspells one, naming both, beside the one then missing", () => {
    expect(problemsOf({ ...withoutRegistration, registraton: registration })).toEqual([
      `signon:registraton is not a setting signon knows (did you mean signon:registration?); signon holds ${groups} and the secrets ${secretNames}. Example: pulumi config rm signon:registraton`,
      "signon:registration is missing. Example: pulumi config set --path signon:registration.season 2025-26",
    ]);
  });

  it.each([
    ["a namespace signon does not have", "donations", { provider: "stripe" }, ""],
    ["a misspelt group beside the right one", "Club", { name: "Urmston Town" }, " (did you mean signon:club?)"],
    ["a misspelt secret", "twilioAuthTokn", "0123", " (did you mean signon:twilioAuthToken?)"],
  ])("is refused for %s, and the example it gives fixes it, run as pulumi stores it", (_what, key, value, guess) => {
    const config: Record<string, unknown> = { ...valid, [key]: value };
    const problems = problemsOf(config);
    expect(problems).toEqual([
      `signon:${key} is not a setting signon knows${guess}; signon holds ${groups} and the secrets ${secretNames}. Example: pulumi config rm signon:${key}`,
    ]);
    for (const command of configCommandsOf(problems[0].split(". Example: ")[1])) applyConfigCommand(config, command);
    expect(problemsOf(config)).toEqual([]);
  });

  it("leaves the secrets as a stack file holds them, and other namespaces' keys, alone", () => {
    expect(problemsOf({ ...valid, twilioAuthToken: { secure: "v1:abc" }, apiKey: { secure: "v1:def" }, "aws:profile": "club" })).toEqual(
      [],
    );
  });
});

// [what, key, value, what the message must say]. Each would break an AWS name, an SSM path, an
// IAM policy, a WhatsApp message or the usage plan if it reached AWS.
const abusiveValues: [string, string, unknown, string][] = [
  ["an upper-case slug (IAM ignores case)", "club.slug", "Urmston", "must be lower-case letters, digits and single hyphens"],
  ["a slug with a space", "club.slug", "sale united", "must be lower-case letters"],
  ["a slug with ..", "club.slug", "sale..united", "must be lower-case letters"],
  ["a slug with / (another SSM path level)", "club.slug", "sale/united", "must be lower-case letters"],
  ["a slug climbing the SSM path", "club.slug", "../prod", "must be lower-case letters"],
  ["a slug with * (a wildcard in the IAM policy)", "club.slug", "*", "must be lower-case letters"],
  ["a slug with ?", "club.slug", "sale?", "must be lower-case letters"],
  ["a slug with a leading hyphen", "club.slug", "-sale", "must be lower-case letters"],
  ["a slug with a trailing hyphen", "club.slug", "sale-", "must be lower-case letters"],
  ["a slug with a double hyphen", "club.slug", "sale--united", "single hyphens"],
  ["a slug with an underscore", "club.slug", "sale_united", "must be lower-case letters"],
  ["a slug with a dot (not in a Lambda name)", "club.slug", "sale.united", "must be lower-case letters"],
  ["a slug with an accent", "club.slug", "ürmston", "must be lower-case letters"],
  ["an empty slug", "club.slug", "", "must be lower-case letters"],
  ["a slug that is true", "club.slug", true, "must be text such as sale-united"],
  ["a slug Pulumi stored as a negative number", "club.slug", -1874, "must be lower-case letters"],
  ["a club name with a newline", "club.name", "Urmston\nTown", "must be one line, without tabs or control characters"],
  ["a club name with a tab", "club.name", "Urmston\tTown", "must be one line"],
  ["a club name with a line separator", "club.name", "Urmston\u2028Town", "must be one line"],
  ["a club name with a control character", "club.name", "Urmston\u0007Town", "must be one line"],
  ["a club name with five spaces in a row", "club.name", "Urmston     Town", "must not have more than four spaces in a row"],
  ["a club name of spaces", "club.name", "     ", "must not be empty"],
  ["a club name of invisible characters", "club.name", "\u200b\u200d", "must have something visible in it"],
  ["a club name over 60 characters", "club.name", "U".repeat(61), "must be at most 60 characters"],
  ["a club name with {{ }} (Parameter Store refuses it)", "club.name", "Urmston {{1}} Town", "must not contain {{ or }}"],
  ["a club name that is false", "club.name", false, "must be text such as Urmston Town"],
  ["a club name YAML read as a fraction", "club.name", 18.74, "must be text such as Urmston Town"],
  ["an assistant name with a carriage return", "club.assistantName", "Ome\rga", "must be one line"],
  ["an assistant name with five spaces", "club.assistantName", "Omega     Bot", "more than four spaces"],
  ["an assistant name over 30 characters", "club.assistantName", "O".repeat(31), "must be at most 30 characters"],
  ["a sender in national form", "twilio.whatsappNumber", "07700 900000", "must be the sender number in E.164 form"],
  ["a sender without +", "twilio.whatsappNumber", "447700900000", "E.164 form"],
  ["a sender with whatsapp:", "twilio.whatsappNumber", "whatsapp:+447700900000", 'without "whatsapp:"'],
  ["a sender too short for its country", "twilio.whatsappNumber", "+4477009000", "is not a possible phone number for its country code"],
  ["a sender over 15 digits", "twilio.whatsappNumber", "+4477009000001234", "E.164 form"],
  ["a sender typed with a minus (Atoi takes it as a sign)", "twilio.whatsappNumber", -447700900000, "E.164 form"],
  ["a sender too short, stored as a number", "twilio.whatsappNumber", 4477009000, "is not a possible phone number"],
  ["a sender that is true", "twilio.whatsappNumber", true, "must be the sender number in E.164 form"],
  ["a short template SID", "twilio.templateSid", "HX123", "must be a Content template SID: HX followed by 32 hex characters"],
  ["a messaging service SID", "twilio.templateSid", "MG7d785aa7b15519a858cfc7f0d485ff2c", "must be a Content template SID"],
  ["a template SID in capitals", "twilio.templateSid", "HX7D785AA7B15519A858CFC7F0D485FF2C", "must be a Content template SID"],
  ["a season of one year", "registration.season", "2025", "must be a season such as 2025-26"],
  ["a season of years apart", "registration.season", "2025-27", "must be a season such as 2025-26"],
  ["a season on two lines", "registration.season", "2025\n26", "must be a season such as 2025-26"],
  ["a fee of nothing", "registration.membershipFee", "0", "must be an amount in pounds from 0.01 to 9999.99"],
  ["a fee of £0.00", "registration.subscriptionFee", "£0.00", "from 0.01 to 9999.99"],
  ["a negative fee", "registration.membershipFee", -5, "from 0.01 to 9999.99"],
  ["a fee in words", "registration.membershipFee", "forty", "from 0.01 to 9999.99"],
  ["a fee over £9999.99", "registration.subscriptionFee", "10000", "from 0.01 to 9999.99"],
  ["a fee with fractions of a penny", "registration.membershipFee", "40.555", "from 0.01 to 9999.99"],
  ["a fee that is true", "registration.membershipFee", true, "must be an amount in pounds"],
  ["a rate limit of 0 (refuses every request)", "api.rateLimit", 0, "must be a whole number of requests per second from 1 to 10000"],
  ["a negative rate limit", "api.rateLimit", -1, "from 1 to 10000"],
  ["a rate limit over the account quota", "api.rateLimit", 10_001, "from 1 to 10000"],
  ["a fractional rate limit", "api.rateLimit", 2.5, "a whole number"],
  ["a rate limit in words", "api.rateLimit", "fast", "a whole number"],
  ["a burst limit of 0", "api.burstLimit", 0, "must be a whole number of requests from 1 to 5000"],
  ["a negative burst limit", "api.burstLimit", -50, "from 1 to 5000"],
  ["a burst limit over the account quota", "api.burstLimit", 5_001, "from 1 to 5000"],
  ["a daily quota of 0 (refuses every request)", "api.dailyQuota", 0, "must be a whole number of requests a day from 1 to 1000000"],
  ["a fractional daily quota", "api.dailyQuota", 99.5, "from 1 to 1000000"],
  ["a daily quota in words", "api.dailyQuota", "plenty", "from 1 to 1000000"],
  ["a webhook rate limit of 0", "api.webhookRateLimit", 0, "must be a whole number of requests per second from 1 to 10000"],
  ["a status burst limit over the account quota", "api.statusBurstLimit", 5_001, "from 1 to 5000"],
  ["fee overrides allowed in words", "registration.allowFeeOverrides", "yes", "must be true or false"],
  ["a reserved concurrency of one for the trigger", "concurrency.trigger", 1, "must be a whole number of concurrent runs from 2 to 900"],
  [
    "a reserved concurrency of 0 (Lambda would run nothing)",
    "concurrency.webhook",
    0,
    "must be a whole number of concurrent runs from 1 to 900",
  ],
  ["a reserved concurrency past what Lambda leaves reservable", "concurrency.webhook", 901, "from 1 to 900"],
  ["a fractional reserved concurrency", "concurrency.trigger", 80.5, "from 2 to 900"],
  ["a reserved concurrency in words", "concurrency.webhook", "lots", "from 1 to 900"],
  [
    "a misspelt concurrency key",
    "concurrency.triger",
    75,
    "is not a setting signon knows (misspelt?); signon:concurrency holds trigger, webhook",
  ],
  [
    "a misspelt optional key (ignored otherwise)",
    "api.ratelimit",
    100,
    "is not a setting signon knows (misspelt?); signon:api holds rateLimit, burstLimit",
  ],
  ["a misspelt key in club", "club.slugg", "sale", "is not a setting signon knows"],
];

describe("config abuse", () => {
  it.each(abusiveValues)("refuses %s, naming signon:%s with an example", (_what, key, value, expected) => {
    const problems = problemsOf(withSetting(key, value), secrets, "prod");
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`signon:${key} `), problems[0]).toBe(true);
    expect(problems[0]).toContain(expected);
    expect(problems[0]).toMatch(/\. Example: (pulumi config rm --path signon:\S+ && )?pulumi config set --path signon:\w+\.\w+ \S+/);
  });

  it.each(abusiveValues)("fixes %s with the example it gives, run as pulumi stores it", (_what, key, value) => {
    const config = withSetting(key, value);
    const [problem] = problemsOf(config, secrets, "prod");
    for (const command of configCommandsOf(problem.split(". Example: ")[1])) applyConfigCommand(config, command);
    expect(problemsOf(config, secrets, "prod")).toEqual([]);
  });

  it("refuses a section that is text instead of a group of settings", () => {
    expect(problemsOf({ ...stackFile("prod"), club: "Sale United" })).toEqual([
      'signon:club must be a group of settings, as in Pulumi.prod.yaml. Example: pulumi config set --path signon:club.name "Urmston Town"',
    ]);
  });

  it.each([
    ["a dot", "my.stack"],
    ["capitals", "Prod"],
    ["an underscore", "dev_1"],
    ["a leading hyphen", "-dev"],
    ["a space", "my stack"],
  ])("refuses a stack name with %s, which Pulumi allows but an AWS name would not take", (_what, stack) => {
    expect(problemsOf(stackFile("prod"), secrets, stack)).toEqual([
      `the stack name "${stack}" must be lower-case letters, digits and single hyphens, such as prod (it goes into AWS names, SSM paths and IAM policies). Example: pulumi stack rename prod`,
    ]);
  });

  it("refuses a very long stack name, naming the AWS name it would break", () => {
    const stack = nameOfLength(100);
    expect(problemsOf(stackFile("prod"), secrets, stack)).toEqual([
      `signon:club.slug "urmston" with the stack name "${stack}" makes the IAM role name signon-urmston-${stack}-trigger-role-xxxxxxx, which would be 136 characters, and AWS allows 64. Shorten the slug or the stack name by 72 characters. Example: pulumi config set --path signon:club.slug urmston`,
    ]);
  });

  it.each([
    ["a one-character slug", "club.slug", "a", "a"],
    ["a slug of digits and hyphens", "club.slug", "1874-juniors-2", "1874-juniors-2"],
    ["a club name of 60 characters", "club.name", "U".repeat(60), "U".repeat(60)],
    ["a club name with four spaces in a row", "club.name", "Urmston    Town", "Urmston    Town"],
    ["a club name with accents, an emoji and one brace", "club.name", "Ürmston Town ⚽ {est. 1874}", "Ürmston Town ⚽ {est. 1874}"],
    ["a club name with spaces around it", "club.name", "  Urmston Town ", "Urmston Town"],
    ["an assistant name of 30 characters", "club.assistantName", "O".repeat(30), "O".repeat(30)],
    ["a sender with spaces", "twilio.whatsappNumber", "+44 7700 900000", "+447700900000"],
    ["a sender with brackets and dashes", "twilio.whatsappNumber", "+44 (7700) 900-999", "+447700900999"],
    ["a sender as pulumi config set --path stores it, a whole number", "twilio.whatsappNumber", 447700900000, "+447700900000"],
    ["a US sender stored as a whole number", "twilio.whatsappNumber", 14155238886, "+14155238886"],
    ["a slug of digits, stored as a number", "club.slug", 1874, "1874"],
    ["a club name of digits, stored as a number", "club.name", 1874, "1874"],
    ["an assistant name of digits, stored as a number", "club.assistantName", 42, "42"],
    ["a season across a century", "registration.season", "2099-00", "2099-00"],
    ["the smallest fee", "registration.membershipFee", "0.01", "0.01"],
    ["the largest fee", "registration.subscriptionFee", "£9999.99", "9999.99"],
    ["a fee YAML read as a number", "registration.subscriptionFee", 26.5, "26.50"],
    ["a whole fee, stored as a number", "registration.membershipFee", 40, "40"],
    ["a fee in pounds and pence, which --path stores as text", "registration.subscriptionFee", "40.50", "40.50"],
    ["the lowest rate limit", "api.rateLimit", 1, 1],
    ["the account's rate quota", "api.rateLimit", 10_000, 10_000],
    ["a rate limit typed as text", "api.rateLimit", "30", 30],
    ["the lowest burst limit", "api.burstLimit", 1, 1],
    ["the account's burst quota", "api.burstLimit", 5_000, 5_000],
    ["a daily quota typed as text", "api.dailyQuota", "2000", 2000],
    ["the webhook's lowest rate", "api.webhookRateLimit", 1, 1],
    ["the status route's burst typed as text", "api.statusBurstLimit", "300", 300],
    ["fee overrides allowed", "registration.allowFeeOverrides", true, true],
    ["fee overrides allowed, quoted", "registration.allowFeeOverrides", "true", true],
    ["the trigger's concurrency equal to burst plus rate", "concurrency.trigger", 75, 75],
    ["the trigger's concurrency typed as text", "concurrency.trigger", "900", 900],
    ["the webhook's concurrency of one", "concurrency.webhook", 1, 1],
    ["the most concurrency Lambda leaves reservable", "concurrency.webhook", 900, 900],
  ])("accepts %s", (_what, key, value, stored) => {
    const { settings } = parseStackConfig(withSetting(key, value), secrets, "prod");
    const [section, name] = key.split(".");
    expect((settings as unknown as Record<string, Record<string, unknown>>)[section][name]).toEqual(stored);
  });
});

describe("aws:region", () => {
  it("is required: without it a stack deploys wherever the shell's AWS profile points", () => {
    const { "aws:region": _omitted, ...withoutRegion } = stackFile("prod");
    expect(problemsOf(withoutRegion, secrets, "prod")).toEqual(["aws:region is missing. Example: pulumi config set aws:region eu-north-1"]);
  });

  it.each([
    ["an availability zone", "eu-north-1a"],
    ["a region's name", "Europe (Stockholm)"],
    ["a code without its number", "eu-north"],
    ["capitals", "EU-NORTH-1"],
    ["nothing", ""],
    ["a number", 1],
  ])("refuses %s, naming the key with an example", (_what, region) => {
    expect(problemsOf({ ...stackFile("prod"), "aws:region": region }, secrets, "prod")).toEqual([
      "aws:region must be an AWS region code such as eu-north-1. Example: pulumi config set aws:region eu-north-1",
    ]);
  });

  it.each(["eu-north-1", "eu-west-2", "us-gov-west-1", "ap-southeast-5", "il-central-1", "eusc-de-east-1"])("accepts %s", (region) => {
    expect(parseStackConfig({ ...stackFile("prod"), "aws:region": region }, secrets, "prod").settings["aws:region"]).toBe(region);
  });
});

describe("the trigger's reserved concurrency against its usage plan", () => {
  const withLimits = (limits: Record<string, number>, trigger: number) => ({ ...stackFile("prod"), api: limits, concurrency: { trigger } });

  it("is optional: unset, neither function reserves any (a new account's quota of 10 leaves none to reserve)", () => {
    expect(parseStackConfig(stackFile("prod"), secrets, "prod").settings.concurrency).toEqual({});
  });

  it("must cover a full burst and the next second's requests, which API Gateway would otherwise answer 500", () => {
    const config = withLimits({ rateLimit: 25, burstLimit: 50 }, 74);
    expect(problemsOf(config, secrets, "prod")).toEqual([
      "signon:concurrency.trigger (74) is less than signon:api.burstLimit + signon:api.rateLimit (50 + 25 = 75): that many trigger calls can run at once, and the ones Lambda turns away reach the caller as 500, not 429. Reserve more or lower the usage plan's limits. Example: pulumi config set --path signon:concurrency.trigger 75",
    ]);
  });

  it.each([
    ["reserves enough", withLimits({ rateLimit: 25, burstLimit: 50 }, 74), 75],
    ["lowers the usage plan when enough cannot be reserved", withLimits({ rateLimit: 5_000, burstLimit: 5_000 }, 11), 11],
  ])("gives an example that %s, and works run as pulumi stores it", (_what, config, trigger) => {
    const [problem] = problemsOf(config, secrets, "prod");
    for (const command of configCommandsOf(problem.split(". Example: ")[1])) applyConfigCommand(config, command);
    const { settings } = parseStackConfig(config, secrets, "prod");
    expect(settings.concurrency.trigger).toBe(trigger);
    expect(settings.api.rateLimit + settings.api.burstLimit).toBeLessThanOrEqual(trigger);
  });

  it("as docs/operating.md's example sets it, run as pulumi stores it, passes", () => {
    const config = stackFile("prod");
    for (const command of configCommandsIn(markdownSection("docs/operating.md", "## Throttling and Lambda concurrency"))) {
      applyConfigCommand(config, command);
    }
    const { settings } = parseStackConfig(config, secrets, "prod");
    expect(settings.concurrency).toEqual({ trigger: 30, webhook: 10 });
    expect(settings.api).toMatchObject({ rateLimit: 10, burstLimit: 20, dailyQuota: 1000 });
  });

  it("leaves the webhook's reservation alone: the usage plan does not throttle it", () => {
    const config = { ...stackFile("prod"), concurrency: { webhook: 1 } };
    expect(parseStackConfig(config, secrets, "prod").settings.concurrency).toEqual({ webhook: 1 });
  });
});

it("takes the README's change of season, run as pulumi stores it", () => {
  const config = stackFileConfig("prod", {}).values;
  for (const command of configCommandsIn(markdownSection("README.md", "## Seasons"))) applyConfigCommand(config, command);
  expect(parseStackConfig(config, secrets, "prod").settings.registration.season).toBe("2026-27");
});

describe("the reminders' settings", () => {
  it("as docs/operating.md's Reminders section sets them, run as pulumi stores them, pass", () => {
    const config = stackFileConfig("prod", {}).values;
    for (const command of configCommandsIn(markdownSection("docs/operating.md", "## Reminders for parents who go quiet"))) {
      applyConfigCommand(config, command);
    }
    const { settings } = parseStackConfig(config, secrets, "prod");
    expect(settings.twilio.reminderTemplateSid).toBe("HX0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    expect(settings.reminders).toEqual({ afterDays: 3, max: 2 });
  });

  it("default to 3 days and 2 reminders, with no template (none sent)", () => {
    const { reminders: _reminders, ...config } = stackFile("prod");
    const twilio = { ...(config.twilio as object), reminderTemplateSid: undefined };
    const { settings } = parseStackConfig({ ...config, twilio }, secrets, "prod");
    expect(settings.reminders).toEqual({ afterDays: 3, max: 2 });
    expect(settings.twilio.reminderTemplateSid).toBeUndefined();
  });

  it("refuse a zero wait, too many reminders and a template that is not a Content SID, naming each", () => {
    const config: Record<string, unknown> = { ...stackFile("prod"), reminders: { afterDays: 0, max: 11 } };
    config.twilio = { ...(config.twilio as object), reminderTemplateSid: "reminder" };
    expect(() => parseStackConfig(config, secrets, "prod")).toThrow(
      [
        "signon's stack config has 3 problems:",
        "  - signon:twilio.reminderTemplateSid must be a Content template SID: HX followed by 32 hex characters. Example: pulumi config set --path signon:twilio.reminderTemplateSid HX0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "  - signon:reminders.afterDays must be a whole number of days from 1 to 30. Example: pulumi config set --path signon:reminders.afterDays 3",
        "  - signon:reminders.max must be a whole number of reminders from 0 to 10. Example: pulumi config set --path signon:reminders.max 2",
      ].join("\n"),
    );
  });
});

describe("how long a declined or handed-over registration keeps its answers", () => {
  const withDays = (closedRetentionDays: unknown) => {
    const config = stackFile("prod");
    return { ...config, registration: { ...(config.registration as object), closedRetentionDays } };
  };

  it("is set in whole days, as pulumi config set stores them", () => {
    expect(parseStackConfig(withDays(14), secrets, "prod").settings.registration.closedRetentionDays).toBe(14);
    expect(parseStackConfig(withDays("90"), secrets, "prod").settings.registration.closedRetentionDays).toBe(90);
  });

  it.each([[0], [-5], [2.5], ["a month"], [3651]])("refuses %j, naming the key with an example", (days) => {
    expect(() => parseStackConfig(withDays(days), secrets, "prod")).toThrow(
      [
        "signon's stack config has a problem:",
        "  - signon:registration.closedRetentionDays must be a whole number of days from 1 to 3650. Example: pulumi config set --path signon:registration.closedRetentionDays 30",
      ].join("\n"),
    );
  });
});

describe("the example beside each key", () => {
  it.each(Object.entries(configExamples).filter(([, example]) => example.startsWith("pulumi config set --path")))(
    "for signon:%s, run as pulumi config set stores it, passes the schema",
    (key, example) => {
      // A key of signon:payments is shown in a group that has the others, and the stack has its secrets.
      const payments = key.startsWith("payments.") ? { payments: { provider: "gocardless", environment: "sandbox" } } : {};
      const config: Record<string, unknown> = { ...stackFile("prod"), ...payments };
      for (const command of configCommandsOf(example)) applyConfigCommand(config, command);
      const [section, name] = key.split(".");
      expect(name === undefined ? config[section] : (config[section] as Record<string, unknown>)[name]).toBeDefined();
      expect(problemsOf(config, { ...secrets, ...goCardlessSecrets }, "prod")).toEqual([]);
    },
  );
});

// The IAM role name is the longest name for its limit: `signon-<slug>-<stack>-trigger-role-`
// and Pulumi's 7 random characters is 29 + slug + stack, and IAM allows 64.
const longestSlugAndStack = 35;

describe("names built from the longest slug and stack name allowed", () => {
  const splits = [
    ["a one-character stack", longestSlugAndStack - 1, 1],
    ["an even split", 17, longestSlugAndStack - 17],
    ["a one-character slug", 1, longestSlugAndStack - 1],
  ] as const;

  it.each(splits)("fit every AWS limit, with %s", (_what, slugLength, stackLength) => {
    const identity = { slug: nameOfLength(slugLength), stack: nameOfLength(stackLength) };
    const names = stackAwsNames(identity);
    for (const { kind, name } of names) {
      expect(name.length, name).toBeLessThanOrEqual(awsNameRules[kind].maxLength);
      expect(name, kind).toMatch(awsNameRules[kind].characters);
      expect(awsNameProblem(kind, name)).toBeUndefined();
    }
    // The limit is reached exactly (by the trigger's and webhook's roles): a longer slug or stack name breaks it.
    expect(Math.max(...names.filter(({ kind }) => kind === "IAM role").map(({ name }) => name.length))).toBe(64);
    const { settings } = parseStackConfig(withSetting("club.slug", identity.slug), secrets, identity.stack);
    expect(settings.club.slug).toBe(identity.slug);
  });

  it.each(splits)("are refused one character over, with %s", (_what, slugLength, stackLength) => {
    const longerSlug = { slug: nameOfLength(slugLength + 1), stack: nameOfLength(stackLength) };
    const longerStack = { slug: nameOfLength(slugLength), stack: nameOfLength(stackLength + 1) };
    for (const { slug, stack } of [longerSlug, longerStack]) {
      expect(problemsOf(withSetting("club.slug", slug), secrets, stack)).toEqual([
        `signon:club.slug "${slug}" with the stack name "${stack}" makes the IAM role name signon-${slug}-${stack}-trigger-role-xxxxxxx, which would be 65 characters, and AWS allows 64. Shorten the slug or the stack name by 1 character. Example: pulumi config set --path signon:club.slug urmston`,
      ]);
    }
  });

  it("are checked even when other keys have problems too", () => {
    const config = { ...withSetting("club.slug", nameOfLength(40)), api: { rateLimit: 0 } };
    expect(problemsOf(config, secrets, "prod")).toEqual([
      expect.stringMatching(/^signon:api\.rateLimit must be a whole number/),
      expect.stringMatching(
        /^signon:club\.slug "a1-.*" with the stack name "prod" makes the IAM role name .*, which would be 73 characters/,
      ),
    ]);
  });
});

describe("the board's config", () => {
  const sam = { name: "Sam Secretary", tel: "+447700900050" };
  const withSecretaries = (secretaries: unknown) => ({ ...stackFile("prod"), board: { secretaries } });

  it("writes the secretaries to Parameter Store as JSON, with the Verify service's SID", () => {
    const kim = { name: "Kim Secretary", tel: "+447700900051" };
    const { settings } = parseStackConfig(withSecretaries([sam, kim]), secrets, "prod");
    const values = settingValues({ config: settings, webhookUrl: "w", statusCallbackUrl: "s", exportApiKeyId: "k", paymentReturnUrl: "p" });
    expect(values.verifyServiceSid).toBe("VAfedcba9876543210fedcba9876543210");
    expect(JSON.parse(values.boardSecretaries)).toEqual([sam, kim]);
  });

  it("gives a number `pulumi config set --path` stored as an integer its + back", () => {
    const { settings } = parseStackConfig(withSecretaries([{ name: "Sam Secretary", tel: 447700900050 }]), secrets, "prod");
    expect(settings.board.secretaries).toEqual([sam]);
  });

  it.each([
    ["no secretaries", [], "must name at least one secretary"],
    ["six secretaries", Array.from({ length: 6 }, (_, index) => ({ name: `S ${index}`, tel: `+44770090005${index}` })), "at most 5"],
    ["two with one number", [sam, { ...sam, name: "Kim Secretary" }], "a number of their own"],
    ["a secretary without a number", [{ name: "Sam Secretary" }], "signon:board.secretaries.0.tel is missing"],
    [
      "a national number in the second",
      [sam, { name: "Kim Secretary", tel: "07700 900051" }],
      "secretaries.1.tel must be the secretary's WhatsApp number in E.164 form, such as +447700900050",
    ],
    ["a name on two lines", [{ ...sam, name: "Sam\nSecretary" }], "must be one line"],
    ["a number with whatsapp:", [{ ...sam, tel: "whatsapp:+447700900050" }], 'without "whatsapp:"'],
    ["a number too short for its country", [{ ...sam, tel: "+4477009000" }], "is not a possible phone number"],
    ["a list that is text", "Sam Secretary", "must be a list of 1 to 5 secretaries"],
    ["a misspelt key in a secretary", [{ ...sam, phone: "+447700900051" }], "phone"],
  ])("refuses %s, naming the key, with an example that fixes it", (_what, secretaries, expected) => {
    const config = withSecretaries(secretaries);
    const problems = problemsOf(config, secrets, "prod");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^signon:board\.secretaries/);
    expect(problems[0]).toContain(expected);
    expect(problems[0]).toContain("pulumi config set --path 'signon:board.secretaries[0].name' \"Sam Secretary\"");
    // The example sets the first secretary: it fixes a problem with that one.
    if (!/secretaries\.0\.|secretaries must be a list/.test(problems[0])) return;
    for (const command of configCommandsOf(problems[0].split(". Example: ")[1])) applyConfigCommand(config, command);
    expect(problemsOf(config, secrets, "prod")).toEqual([]);
  });

  it("refuses a stack without secretaries, or with a Verify SID that is not one, naming each key", () => {
    const { board: _omitted, ...withoutBoard } = stackFile("prod");
    expect(problemsOf(withoutBoard, secrets, "prod")).toEqual([`signon:board is missing. Example: ${configExamples["board.secretaries"]}`]);
    expect(problemsOf(withSetting("twilio.verifyServiceSid", "MG0123456789abcdef0123456789abcdef"), secrets, "prod")).toEqual([
      `signon:twilio.verifyServiceSid must be a Verify service SID: VA followed by 32 hex characters. Example: ${configExamples["twilio.verifyServiceSid"]}`,
    ]);
  });
});

describe("the payments' config", () => {
  const { gocardlessAccessToken: sandboxToken, gocardlessWebhookSecret: webhookSecret } = goCardlessSecrets;
  const withPayments = (payments: unknown) => ({ ...stackFile("prod"), payments });
  const paymentSecrets = { ...secrets, ...goCardlessSecrets };

  it("is absent unless set, and the stack sends the paymentUrl link as before", () => {
    const { settings } = parseStackConfig(stackFile("prod"), secrets, "prod");
    expect(settings.payments).toBeUndefined();
  });

  it("takes GoCardless with its environment, ten monthly payments unless told, and both secrets", () => {
    const { settings, secrets: parsed } = parseStackConfig(
      withPayments({ provider: "gocardless", environment: "sandbox" }),
      paymentSecrets,
      "prod",
    );
    expect(settings.payments).toEqual({ provider: "gocardless", environment: "sandbox", subscriptionMonths: 10 });
    expect(parsed.gocardlessAccessToken).toBe(sandboxToken);
    expect(parsed.gocardlessWebhookSecret).toBe(webhookSecret);
    const live = parseStackConfig(
      withPayments({ provider: "gocardless", environment: "live", subscriptionMonths: "12" }),
      { ...paymentSecrets, gocardlessAccessToken: sandboxToken.replace("sandbox_", "live_") },
      "prod",
    );
    expect(live.settings.payments?.subscriptionMonths).toBe(12);
  });

  it.each([
    ["a provider signon has no client for", { provider: "stripe", environment: "sandbox" }, "signon:payments.provider must be gocardless"],
    ["no environment", { provider: "gocardless" }, "signon:payments.environment is missing"],
    ["an environment GoCardless does not have", { provider: "gocardless", environment: "test" }, "must be sandbox or live"],
    ["no months", { provider: "gocardless", environment: "sandbox", subscriptionMonths: 0 }, "from 1 to 24"],
    ["a misspelt key", { provider: "gocardless", environment: "sandbox", subscriptionMonth: 10 }, "signon:payments.subscriptionMonth"],
    ["text in place of the group", "gocardless", "signon:payments must be a group of settings"],
  ])("refuses %s, naming the key, with an example", (_what, payments, expected) => {
    const problems = problemsOf(withPayments(payments), paymentSecrets, "prod");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
    expect(problems[0]).toMatch(/Example: pulumi config (set|rm) --path signon:payments/);
  });

  it("refuses payments without their secrets, or with a token for the other environment, never showing a secret", () => {
    const gocardless = withPayments({ provider: "gocardless", environment: "live" });
    expect(problemsOf(gocardless, secrets, "prod")).toEqual([
      `signon:gocardlessAccessToken is missing: signon:payments takes payments through GoCardless. Example: ${configExamples.gocardlessAccessToken}`,
      `signon:gocardlessWebhookSecret is missing: signon:payments takes payments through GoCardless. Example: ${configExamples.gocardlessWebhookSecret}`,
    ]);
    const wrongEnvironment = problemsOf(gocardless, paymentSecrets, "prod");
    expect(wrongEnvironment).toHaveLength(1);
    expect(wrongEnvironment[0]).toMatch(/^signon:gocardlessAccessToken is not a live token \(signon:payments.environment is live\)/);
    expect(wrongEnvironment[0]).not.toContain(sandboxToken);
  });

  it.each([
    [
      "a token without its environment's prefix",
      { gocardlessAccessToken: "0123456789abcdefghij0123456789" },
      "must be a GoCardless access token",
    ],
    ["a token with a space", { gocardlessAccessToken: "sandbox_0123456789 abcdefghij" }, "must be a GoCardless access token"],
    ["a short webhook secret", { gocardlessWebhookSecret: "short" }, "must be at least 20 characters"],
    ["a webhook secret with a space", { gocardlessWebhookSecret: "0123456789 abcdefghij" }, "must not contain spaces"],
  ])("refuses %s, naming the secret and not showing it", (_what, wrong, expected) => {
    const [key, value] = Object.entries(wrong)[0];
    const problems = problemsOf(withPayments({ provider: "gocardless", environment: "sandbox" }), { ...paymentSecrets, ...wrong }, "prod");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^signon:${key} `));
    expect(problems[0]).toContain(expected);
    expect(problems[0]).not.toContain(value);
  });
});
