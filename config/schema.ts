/**
 * The stack-config schema: what `pulumi up` accepts in Pulumi.<stack>.yaml.
 * A bad or missing key stops the program with a message naming the key and the
 * `pulumi config set` command that fixes it.
 */
import { z } from "zod";
import { poundsAmount } from "../handlers/money";

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const e164Pattern = /^\+[1-9]\d{6,14}$/;
/** YAML turns an unquoted `40` into a number; a fee is text in the template either way. */
const money = z.union([z.string(), z.number()]).transform((fee, context) => {
  const amount = poundsAmount(fee);
  if (amount === undefined) context.addIssue({ code: "custom", message: "must be an amount in pounds such as 40 or 26.50" });
  return amount ?? "";
});

/** Text that appears in a WhatsApp message or a resource tag: one line, not empty. */
const oneLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\r\n\t]*$/, "must be a single line");

export const stackConfigSchema = z.object({
  club: z.object({
    name: oneLine(60),
    slug: z
      .string()
      .max(16, "must be at most 16 characters (it goes into AWS names with a length limit)")
      .regex(slugPattern, "must be lower-case letters, digits and single hyphens, such as sale-united"),
    assistantName: oneLine(30),
  }),
  twilio: z.object({
    whatsappNumber: z
      .string("must be a quoted string such as \"+447700900000\"")
      .transform((n) => n.replace(/[\s()-]/g, ""))
      .pipe(z.string().regex(e164Pattern, "must be the sender number in E.164 form, such as +447700900000")),
    templateSid: z.string().regex(/^HX[0-9a-f]{32}$/, "must be a Content template SID: HX followed by 32 hex characters"),
  }),
  registration: z.object({
    season: oneLine(20),
    membershipFee: money,
    subscriptionFee: money,
  }),
  api: z
    .object({
      rateLimit: z.number().int().min(1).max(10_000).default(25),
      burstLimit: z.number().int().min(1).max(5_000).default(50),
    })
    .default({ rateLimit: 25, burstLimit: 50 }),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;

export const twilioSecretsSchema = z.object({
  twilioAccountSid: z.string().regex(/^AC[0-9a-f]{32}$/, "must be AC followed by 32 hex characters"),
  twilioAuthToken: z.string().regex(/^[0-9a-f]{32}$/, "must be the 32 hex characters of the account's auth token"),
  // API Gateway refuses key values shorter than 20 characters.
  apiKey: z.string().min(20, "must be at least 20 characters").max(128).regex(/^[\x21-\x7e]+$/, "must not contain spaces").optional(),
});

export type TwilioSecrets = z.infer<typeof twilioSecretsSchema>;

/** The command that sets each key, shown beside every problem with it. */
export const configExamples: Record<string, string> = {
  "club.name": 'pulumi config set --path signon:club.name "Urmston Town"',
  "club.slug": "pulumi config set --path signon:club.slug urmston",
  "club.assistantName": "pulumi config set --path signon:club.assistantName Omega",
  "twilio.whatsappNumber": 'pulumi config set --path signon:twilio.whatsappNumber "+447700900000"',
  "twilio.templateSid": "pulumi config set --path signon:twilio.templateSid HX7d785aa7b15519a858cfc7f0d485ff2c",
  "registration.season": "pulumi config set --path signon:registration.season 2025-26",
  "registration.membershipFee": 'pulumi config set --path signon:registration.membershipFee "40"',
  "registration.subscriptionFee": 'pulumi config set --path signon:registration.subscriptionFee "26"',
  "api.rateLimit": "pulumi config set --path signon:api.rateLimit 25",
  "api.burstLimit": "pulumi config set --path signon:api.burstLimit 50",
  twilioAccountSid: "pulumi config set --secret signon:twilioAccountSid AC...",
  twilioAuthToken: "pulumi config set --secret signon:twilioAuthToken ...",
  apiKey: "pulumi config set --secret signon:apiKey <at least 20 characters>  (optional: one is generated otherwise)",
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`signon's stack config has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** The raw value at an issue's path, to tell "missing" from "wrong". */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** One line per issue: the full key, what is wrong, and how to set it. Never the value itself. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const example = configExamples[path] ?? configExamples[path.split(".").slice(0, 2).join(".")];
    const problem = valueAt(raw, issue.path) === undefined ? "is missing" : issue.message;
    return `signon:${path} ${problem}${example ? `. Example: ${example}` : ""}`;
  });
}

const stackNamePattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The stack name goes into every AWS name beside the slug, so it has the same rules. */
export function stackNameProblems(stack: string): string[] {
  if (stack.length <= 16 && stackNamePattern.test(stack)) return [];
  return [
    `the stack name "${stack}" must be at most 16 lower-case letters, digits and hyphens (it goes into AWS names). Example: pulumi stack rename prod`,
  ];
}

/**
 * Validates the whole stack config, secrets included, and throws one ConfigError
 * listing every problem so a volunteer fixes them all in one go.
 */
export function parseStackConfig(
  raw: unknown,
  rawSecrets: Record<keyof TwilioSecrets, string | undefined>,
  stack: string,
): { settings: StackConfig; secrets: TwilioSecrets } {
  const settings = stackConfigSchema.safeParse(raw);
  const secrets = twilioSecretsSchema.safeParse(rawSecrets);
  const problems = [
    ...stackNameProblems(stack),
    ...(settings.success ? [] : describeIssues(settings.error.issues, raw)),
    ...(secrets.success ? [] : describeIssues(secrets.error.issues, rawSecrets)),
  ];
  if (problems.length > 0 || !settings.success || !secrets.success) throw new ConfigError(problems);
  return { settings: settings.data, secrets: secrets.data };
}
