/**
 * The stack-config schema: what `pulumi up` accepts in Pulumi.<stack>.yaml.
 * A bad or missing key stops the program with a message naming the key and the
 * `pulumi config set` command that fixes it.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import { z } from "zod";
import { type OptionalStepId, optionalStepIds } from "../domain/conversation/script";
import { poundsAmount } from "../domain/money";
import { awsNameProblem, awsNameRules } from "./aws-name-rules";
import { type StackIdentity, stackAwsNames } from "./names";
import { noPaymentProvider, noReminderTemplate, type SettingKey } from "./settings";

/**
 * Lower-case letters, digits and single hyphens inside: fits every AWS name, SSM path and IAM
 * policy it goes into (no `/` to change a path's depth, no `*` or `?` to widen a policy), and
 * IAM, whose names ignore case, cannot mistake one club or stack for another.
 */
const nameSegmentPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const e164Pattern = /^\+[1-9]\d{6,14}$/;

/**
 * What WhatsApp and Parameter Store would refuse in text that becomes a template variable, the
 * template's own text or an SSM value: WhatsApp refuses a line break, a tab or more than four
 * spaces in a row; Parameter Store refuses `{{` and `}}` in a value.
 */
function whatsappTextProblem(text: string, max: number): string | undefined {
  if (text === "") return "must not be empty";
  if (text.length > max) return `must be at most ${max} characters`;
  if (/[\p{Cc}\p{Cs}\u2028\u2029]/u.test(text)) return "must be one line, without tabs or control characters (WhatsApp refuses them)";
  if (/\s{5}/u.test(text)) return "must not have more than four spaces in a row (WhatsApp refuses them)";
  if (!/[^\s\p{Cf}]/u.test(text)) return "must have something visible in it";
  if (/\{\{|\}\}/.test(text)) return "must not contain {{ or }} (Parameter Store refuses them in a value)";
  return undefined;
}

/**
 * Text that may have been stored as a number: `pulumi config set --path` stores a value that Go's
 * strconv.Atoi parses (digits, with an optional sign) as an integer (pulumi/pulumi
 * sdk/go/common/resource/config/map.go, adjustObjectValue), so `1874` comes back as 1874.
 */
const typedText = (message: string) => z.union([z.string(), z.int()], message).transform((typed) => String(typed).trim());

const whatsappText = (max: number, example: string) =>
  typedText(`must be text such as ${example}`).superRefine((text, context) => {
    const problem = whatsappTextProblem(text, max);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

/** `2025-26`: the year the season starts, then the last two digits of the next. */
const season = z
  .string("must be a season such as 2025-26")
  .trim()
  .superRefine((text, context) => {
    const years = /^(\d{4})-(\d{2})$/.exec(text);
    if (!years || (Number(years[1]) + 1) % 100 !== Number(years[2])) {
      context.addIssue({
        code: "custom",
        message: "must be a season such as 2025-26: the year it starts, a hyphen and the next year's last two digits",
      });
    }
  });

/**
 * `pulumi config set --path` stores `40` as a number and `40.50` as text (only whole numbers
 * become numbers), as does YAML written by hand; a fee is text in the template either way.
 */
const fee = z.union([z.string(), z.number()], "must be an amount in pounds such as 40 or 26.50").transform((typed, context) => {
  const amount = poundsAmount(typed);
  if (amount !== undefined && Number(amount) > 0) return amount;
  context.addIssue({ code: "custom", message: "must be an amount in pounds from 0.01 to 9999.99, such as 40 or 26.50" });
  return z.NEVER;
});

/**
 * A WhatsApp number as Twilio knows it: +, country code and number, a length its country allows.
 * `pulumi config set --path` stores "+447700900000" as the integer 447700900000 (Atoi takes the
 * sign), so a whole number gets its + back; text must carry the + itself.
 */
const e164Number = (what: string, example: string) =>
  z.union([z.string(), z.int()], `must be ${what} in E.164 form, such as ${example}`).transform((typed, context) => {
    const number = typeof typed === "number" ? (typed > 0 ? `+${typed}` : String(typed)) : typed.replace(/[\s()-]/g, "");
    if (/^whatsapp:/i.test(number)) {
      context.addIssue({ code: "custom", message: `must be the number alone, without "whatsapp:", such as ${example}` });
    } else if (!e164Pattern.test(number)) {
      context.addIssue({ code: "custom", message: `must be ${what} in E.164 form, such as ${example}` });
    } else if (!parsePhoneNumberFromString(number)?.isPossible()) {
      context.addIssue({
        code: "custom",
        message: `is not a possible phone number for its country code: check the digits, such as ${example}`,
      });
    }
    return number;
  });

const whatsappNumber = e164Number("the sender number", "+447700900000");

/**
 * The board's secretaries (BOARD.md): each signs in with a code sent to their WhatsApp number,
 * so a number may appear once only.
 */
const boardSecretaries = z
  .array(
    z.strictObject(
      { name: whatsappText(60, "Sam Secretary"), tel: e164Number("the secretary's WhatsApp number", "+447700900050") },
      'must be a secretary\'s name and WhatsApp number, such as {name: Sam Secretary, tel: "+447700900050"}',
    ),
    "must be a list of 1 to 5 secretaries, each a name and a WhatsApp number",
  )
  .superRefine((secretaries, context) => {
    // One check, not min() and max(), which would also measure text given in place of a list.
    if (secretaries.length === 0) {
      context.addIssue({ code: "custom", message: "must name at least one secretary: someone must be able to sign in to the board" });
    } else if (secretaries.length > 5) {
      context.addIssue({ code: "custom", message: "must name at most 5 secretaries; team managers are added on the board's People page" });
    }
    const tels = secretaries.map((secretary) => secretary.tel);
    if (new Set(tels).size !== tels.length) context.addIssue({ code: "custom", message: "must give each secretary a number of their own" });
  });

/**
 * A whole number from `min` to `max`, as a number or digits (a hand-written stack file may quote
 * it). A usage plan's limits: at least one (0 would refuse every request), at most API Gateway's
 * default account quota (10,000 a second with a burst of 5,000), above which a usage plan's
 * limit could never be reached.
 */
const wholeNumber = (min: number, max: number, what: string) =>
  z.union([z.number(), z.string()], `must be ${what}`).transform((typed, context) => {
    const value = typeof typed === "number" ? typed : /^\s*\d+\s*$/.test(typed) ? Number(typed) : Number.NaN;
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    context.addIssue({ code: "custom", message: `must be ${what}` });
    return z.NEVER;
  });

/**
 * Lambda keeps at least 100 of an account's concurrency unreserved, so with the default quota of
 * 1,000 no function can reserve more than 900 (an account still on a new account's quota of 10
 * can reserve none: leave these unset there).
 */
const maxReservedConcurrency = 900;
const reservedConcurrency = (min: number, why = "") =>
  wholeNumber(min, maxReservedConcurrency, `a whole number of concurrent runs from ${min} to ${maxReservedConcurrency}${why}`).optional();

/** A region's code, such as eu-north-1 or us-gov-west-1; not an availability zone (eu-north-1a) or a name. */
const awsRegion = z
  .string("must be an AWS region code such as eu-north-1")
  .regex(/^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/, "must be an AWS region code such as eu-north-1");

/** A link sent to parents: https only, so WhatsApp shows it as the club's and nobody can read it on the way. */
const httpsUrl = (example: string) =>
  z
    .string(`must be an https link such as ${example}`)
    .trim()
    .superRefine((text, context) => {
      const url = URL.canParse(text) ? new URL(text) : undefined;
      if (url?.protocol !== "https:" || !url.hostname.includes(".")) {
        context.addIssue({ code: "custom", message: `must be an https link such as ${example}` });
      } else if (/\s/.test(text) || text.length > 300) {
        context.addIssue({ code: "custom", message: "must be one link of at most 300 characters, without spaces" });
      }
    });

/** `pulumi config set --path` stores true and false as booleans; a hand-written file may quote them. */
const trueFalse = z
  .union([z.boolean(), z.enum(["true", "false"])], "must be true or false")
  .transform((value) => value === true || value === "true");
const onOff = trueFalse.default(true);

/**
 * Where the stack's alarms are sent: one address, as AWS's email subscription takes it (no name,
 * no list). The local part and the domain are checked loosely; AWS sends a confirmation link to it.
 */
const emailAddress = z
  .string("must be an email address such as ops@urmstontownjfc.example")
  .trim()
  .superRefine((text, context) => {
    if (text.length > 254 || !/^[^\s@",;<>()]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i.test(text)) {
      context.addIssue({ code: "custom", message: "must be one email address such as ops@urmstontownjfc.example" });
    }
  });

/** A group of settings; a key it does not know is refused, since a misspelt optional key would be ignored. */
const section = <Shape extends z.core.$ZodLooseShape>(shape: Shape) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === "invalid_type" ? "must be a group of settings, as in Pulumi.prod.yaml" : undefined),
  });

/**
 * Each optional question of the conversation (domain/conversation/script.ts), by the key under
 * `signon:conversation` that switches it off: the section, its default, its examples and the
 * `optionalSteps` setting follow from this table.
 */
export const optionalQuestionConfigKeys = {
  medical: "medical",
  emergency_contact: "emergencyContact",
  photo_consent: "photoConsent",
} as const satisfies Record<OptionalStepId, string>;
type OptionalQuestionConfigKey = (typeof optionalQuestionConfigKeys)[OptionalStepId];
const questionConfigKeys: readonly OptionalQuestionConfigKey[] = optionalStepIds.map((id) => optionalQuestionConfigKeys[id]);
const eachQuestion = <Value>(value: Value) =>
  Object.fromEntries(questionConfigKeys.map((key) => [key, value])) as Record<OptionalQuestionConfigKey, Value>;

const contentSid = z
  .string("must be text such as HX7d785aa7b15519a858cfc7f0d485ff2c")
  .regex(/^HX[0-9a-f]{32}$/, "must be a Content template SID: HX followed by 32 hex characters");

const slug = typedText("must be text such as sale-united").pipe(
  z
    .string()
    .regex(
      nameSegmentPattern,
      "must be lower-case letters, digits and single hyphens, such as sale-united (it goes into AWS names, SSM paths and IAM policies)",
    ),
);

// Not strict itself: the secrets and other namespaces' keys sit beside these groups.
export const stackConfigSchema = z.object({
  // Without it a stack deploys wherever the shell's AWS profile points.
  "aws:region": awsRegion,
  club: section({
    name: whatsappText(60, "Urmston Town"),
    slug,
    assistantName: whatsappText(30, "Omega"),
    codeOfConductUrl: httpsUrl("https://www.urmstontownjfc.example/code-of-conduct"),
    privacyNoticeUrl: httpsUrl("https://www.urmstontownjfc.example/privacy"),
  }),
  twilio: section({
    whatsappNumber,
    templateSid: contentSid,
    /** The approved reminder template (domain/reminders.ts has its variables); without it no reminder is sent. */
    reminderTemplateSid: contentSid.optional(),
    /** The approved template whose variables carry a payment link, for reminders outside WhatsApp's 24-hour window (PAYMENTS.md). */
    paymentTemplateSid: contentSid.optional(),
    /** The club's Verify service, with the WhatsApp channel: it sends the board's sign-in codes. */
    verifyServiceSid: z
      .string("must be text such as VA0123456789abcdef0123456789abcdef")
      .regex(/^VA[0-9a-f]{32}$/, "must be a Verify service SID: VA followed by 32 hex characters"),
  }),
  registration: section({
    season,
    membershipFee: fee,
    subscriptionFee: fee,
    paymentUrl: httpsUrl("https://pay.urmstontownjfc.example/join"),
    /** Whole years a registration is kept after 31 August following its season (domain/retention.ts). */
    retentionYears: wholeNumber(0, 10, "a whole number of years from 0 to 10").default(1),
    /** Whole days a declined or handed-over registration keeps its answers before it is reduced to a tombstone (domain/retention.ts). */
    closedRetentionDays: wholeNumber(1, 3650, "a whole number of days from 1 to 3650").default(30),
    /** Whether an invite may carry fees other than these; off, whoever holds the invite key cannot change what parents are asked to pay. */
    allowFeeOverrides: trueFalse.default(false),
  }),
  api: section({
    rateLimit: wholeNumber(1, 10_000, "a whole number of requests per second from 1 to 10000").default(25),
    burstLimit: wholeNumber(1, 5_000, "a whole number of requests from 1 to 5000").default(50),
    /**
     * Requests each key may make a day: a squad sheet of a few hundred players and its resends fit,
     * and a leaked invite key cannot message thousands from the club's number.
     */
    dailyQuota: wholeNumber(1, 1_000_000, "a whole number of requests a day from 1 to 1000000").default(1000),
    /**
     * The stage's throttle on the routes without a key, which run a Query before the signature is
     * checked: a flood gets 429 there instead of taking the Lambda concurrency real parents need.
     * Parents' replies come a few a second at most; each message sent has several delivery statuses.
     */
    webhookRateLimit: wholeNumber(1, 10_000, "a whole number of requests per second from 1 to 10000").default(10),
    webhookBurstLimit: wholeNumber(1, 5_000, "a whole number of requests from 1 to 5000").default(20),
    statusRateLimit: wholeNumber(1, 10_000, "a whole number of requests per second from 1 to 10000").default(50),
    statusBurstLimit: wholeNumber(1, 5_000, "a whole number of requests from 1 to 5000").default(100),
    /** The board's page and API, for a secretary and a dozen team managers, each page refreshing every 30 seconds. */
    boardRateLimit: wholeNumber(1, 10_000, "a whole number of requests per second from 1 to 10000").default(10),
    boardBurstLimit: wholeNumber(1, 5_000, "a whole number of requests from 1 to 5000").default(40),
    /** GoCardless's webhooks (POST /payments/gocardless): a club's events come in batches of up to 250, a few requests a second at most. */
    paymentsRateLimit: wholeNumber(1, 10_000, "a whole number of requests per second from 1 to 10000").default(5),
    paymentsBurstLimit: wholeNumber(1, 5_000, "a whole number of requests from 1 to 5000").default(20),
  }).prefault({}),
  /** The conversation's optional questions (domain/conversation/script.ts); each is asked unless switched off. */
  conversation: section(eachQuestion(onOff)).default(eachQuestion(true)),
  /** Reminders to parents who went quiet (domain/reminders.ts). */
  reminders: section({
    afterDays: wholeNumber(1, 30, "a whole number of days from 1 to 30").default(3),
    max: wholeNumber(0, 10, "a whole number of reminders from 0 to 10").default(2),
  }).prefault({}),
  /** The board (BOARD.md): who signs in as a secretary. */
  board: section({ secretaries: boardSecretaries }),
  /** Payments through a provider (PAYMENTS.md); absent, parents are sent registration.paymentUrl as before. */
  payments: section({
    provider: z.enum(["gocardless"], "must be gocardless (leave signon:payments out to send registration.paymentUrl instead)"),
    environment: z.enum(["sandbox", "live"], "must be sandbox or live: which of GoCardless's APIs takes the payments"),
    subscriptionMonths: wholeNumber(1, 24, "a whole number of monthly payments from 1 to 24").default(10),
  }).optional(),
  /**
   * The alarms (infra/alarm-definitions.ts, docs/operating.md "Alarms and the dashboard"): who hears of them,
   * and the business alarms' thresholds, sized to a club of a few hundred players.
   */
  ops: section({
    alertEmail: emailAddress,
    /** The API's share of 5XX answers, each minute for three minutes in a row: AWS's recommendation is 5%. */
    api5xxRatePercent: wholeNumber(1, 100, "a whole percentage from 1 to 100").default(5),
    /** A function's failed runs in five minutes: each one is a bug or a timeout, which parents see as no answer. */
    functionErrorsThreshold: wholeNumber(1, 1_000, "a whole number of failed runs from 1 to 1000").default(1),
    /** Invites Twilio refused in an hour: a disapproved or paused template refuses every one, and a squad's go out together. */
    invitesRefusedThreshold: wholeNumber(1, 10_000, "a whole number of refused invites from 1 to 10000").default(3),
    /** Messages that failed to reach a parent in an hour: one number not on WhatsApp is normal, a run of them is not. */
    deliveriesFailedThreshold: wholeNumber(1, 10_000, "a whole number of failed deliveries from 1 to 10000").default(5),
    /** Twilio Debugger events in an hour (POST /twilio/alerts): a failed delivery shows there too, so the same size. */
    twilioAlertsThreshold: wholeNumber(1, 10_000, "a whole number of Twilio alerts from 1 to 10000").default(5),
  }),
  /** Each function's reserved concurrency; unset, a function draws on the account's unreserved pool. */
  concurrency: section({
    trigger: reservedConcurrency(2, " (the usage plan lets through a burst of at least one, then at least one a second)"),
    webhook: reservedConcurrency(1),
    export: reservedConcurrency(1),
    status: reservedConcurrency(1),
  }).default({}),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;

// API Gateway refuses key values shorter than 20 characters.
const apiKeyValue = z
  .string()
  .min(20, "must be at least 20 characters")
  .max(128, "must be at most 128 characters")
  .regex(/^[\x21-\x7e]+$/, "must not contain spaces")
  .optional();

/** Every secret of the stack, Twilio's and the others: each is set with `pulumi config set --secret`. */
export const twilioSecretsSchema = z.object({
  twilioAccountSid: z.string().regex(/^AC[0-9a-f]{32}$/, "must be AC followed by 32 hex characters"),
  twilioAuthToken: z.string().regex(/^[0-9a-f]{32}$/, "must be the 32 hex characters of the account's auth token"),
  apiKey: apiKeyValue,
  exportApiKey: apiKeyValue,
  /** Required with signon:payments (paymentSecretProblems); its prefix names the environment it works in. */
  gocardlessAccessToken: z
    .string()
    .regex(
      /^(?:sandbox|live)_[\w-]{20,200}$/,
      "must be a GoCardless access token: sandbox_ or live_ and the rest, as the dashboard showed it",
    )
    .optional(),
  gocardlessWebhookSecret: z
    .string()
    .min(20, "must be at least 20 characters: the webhook endpoint's secret, as the dashboard shows it")
    .max(200, "must be at most 200 characters")
    .regex(/^[\x21-\x7e]+$/, "must not contain spaces")
    .optional(),
});

export type TwilioSecrets = z.infer<typeof twilioSecretsSchema>;

/** The secrets as the stack holds them; the payment provider's are optional, as the Twilio ones are not. */
export type RawStackSecrets = Record<Exclude<keyof TwilioSecrets, PaymentSecretKey>, string | undefined> &
  Partial<Record<PaymentSecretKey, string>>;
type PaymentSecretKey = "gocardlessAccessToken" | "gocardlessWebhookSecret";

/** The command that sets each key, shown beside every problem with it. */
export const configExamples: Record<string, string> = {
  "aws:region": "pulumi config set aws:region eu-north-1",
  "club.name": 'pulumi config set --path signon:club.name "Urmston Town"',
  "club.slug": "pulumi config set --path signon:club.slug urmston",
  "club.assistantName": "pulumi config set --path signon:club.assistantName Omega",
  "twilio.whatsappNumber": 'pulumi config set --path signon:twilio.whatsappNumber "+447700900000"',
  "twilio.templateSid": "pulumi config set --path signon:twilio.templateSid HX7d785aa7b15519a858cfc7f0d485ff2c",
  "twilio.reminderTemplateSid": "pulumi config set --path signon:twilio.reminderTemplateSid HX0a1b2c3d4e5f60718293a4b5c6d7e8f9",
  "twilio.paymentTemplateSid": "pulumi config set --path signon:twilio.paymentTemplateSid HX0f1e2d3c4b5a69788796a5b4c3d2e1f0",
  "twilio.verifyServiceSid": "pulumi config set --path signon:twilio.verifyServiceSid VA0123456789abcdef0123456789abcdef",
  "board.secretaries":
    "pulumi config set --path 'signon:board.secretaries[0].name' \"Sam Secretary\" && pulumi config set --path 'signon:board.secretaries[0].tel' \"+447700900050\"",
  "reminders.afterDays": "pulumi config set --path signon:reminders.afterDays 3",
  "reminders.max": "pulumi config set --path signon:reminders.max 2",
  "registration.season": "pulumi config set --path signon:registration.season 2025-26",
  "registration.membershipFee": "pulumi config set --path signon:registration.membershipFee 40",
  "registration.subscriptionFee": "pulumi config set --path signon:registration.subscriptionFee 26.50",
  "club.codeOfConductUrl": "pulumi config set --path signon:club.codeOfConductUrl https://www.urmstontownjfc.example/code-of-conduct",
  "club.privacyNoticeUrl": "pulumi config set --path signon:club.privacyNoticeUrl https://www.urmstontownjfc.example/privacy",
  "registration.paymentUrl": "pulumi config set --path signon:registration.paymentUrl https://pay.urmstontownjfc.example/join",
  "registration.retentionYears": "pulumi config set --path signon:registration.retentionYears 1",
  "registration.closedRetentionDays": "pulumi config set --path signon:registration.closedRetentionDays 30",
  "registration.allowFeeOverrides": "pulumi config set --path signon:registration.allowFeeOverrides true",
  ...Object.fromEntries(
    questionConfigKeys.map((key) => [`conversation.${key}`, `pulumi config set --path signon:conversation.${key} false`]),
  ),
  "api.rateLimit": "pulumi config set --path signon:api.rateLimit 25",
  "api.burstLimit": "pulumi config set --path signon:api.burstLimit 50",
  "api.dailyQuota": "pulumi config set --path signon:api.dailyQuota 1000",
  "api.webhookRateLimit": "pulumi config set --path signon:api.webhookRateLimit 10",
  "api.webhookBurstLimit": "pulumi config set --path signon:api.webhookBurstLimit 20",
  "api.statusRateLimit": "pulumi config set --path signon:api.statusRateLimit 50",
  "api.statusBurstLimit": "pulumi config set --path signon:api.statusBurstLimit 100",
  "api.boardRateLimit": "pulumi config set --path signon:api.boardRateLimit 10",
  "api.boardBurstLimit": "pulumi config set --path signon:api.boardBurstLimit 40",
  "api.paymentsRateLimit": "pulumi config set --path signon:api.paymentsRateLimit 5",
  "api.paymentsBurstLimit": "pulumi config set --path signon:api.paymentsBurstLimit 20",
  payments: "pulumi config set --path signon:payments.provider gocardless && pulumi config set --path signon:payments.environment sandbox",
  "payments.provider": "pulumi config set --path signon:payments.provider gocardless",
  "payments.environment": "pulumi config set --path signon:payments.environment sandbox",
  "payments.subscriptionMonths": "pulumi config set --path signon:payments.subscriptionMonths 10",
  "ops.alertEmail": "pulumi config set --path signon:ops.alertEmail ops@urmstontownjfc.example",
  "ops.api5xxRatePercent": "pulumi config set --path signon:ops.api5xxRatePercent 5",
  "ops.functionErrorsThreshold": "pulumi config set --path signon:ops.functionErrorsThreshold 1",
  "ops.invitesRefusedThreshold": "pulumi config set --path signon:ops.invitesRefusedThreshold 3",
  "ops.deliveriesFailedThreshold": "pulumi config set --path signon:ops.deliveriesFailedThreshold 5",
  "ops.twilioAlertsThreshold": "pulumi config set --path signon:ops.twilioAlertsThreshold 5",
  "concurrency.trigger": "pulumi config set --path signon:concurrency.trigger 75",
  "concurrency.webhook": "pulumi config set --path signon:concurrency.webhook 5",
  "concurrency.export": "pulumi config set --path signon:concurrency.export 2",
  "concurrency.status": "pulumi config set --path signon:concurrency.status 2",
  twilioAccountSid: "pulumi config set --secret signon:twilioAccountSid AC...",
  twilioAuthToken: "pulumi config set --secret signon:twilioAuthToken ...",
  apiKey: "pulumi config set --secret signon:apiKey <at least 20 characters>  (optional: one is generated otherwise)",
  exportApiKey: "pulumi config set --secret signon:exportApiKey <at least 20 characters>  (optional: one is generated otherwise)",
  gocardlessAccessToken:
    "pulumi config set --secret signon:gocardlessAccessToken sandbox_...  (GoCardless dashboard: Developers, Create, Access token, read-write)",
  gocardlessWebhookSecret:
    "pulumi config set --secret signon:gocardlessWebhookSecret ...  (GoCardless dashboard: Developers, the webhook endpoint's secret)",
};

/** What a run-time setting's value is made from: the stack config, and what the program makes (URLs, the export key's id). */
export interface SettingSources<Made> {
  config: StackConfig;
  webhookUrl: Made;
  statusCallbackUrl: Made;
  exportApiKeyId: Made;
  paymentReturnUrl: Made;
}

/**
 * How the stack config makes each run-time setting (config/settings.ts names them). Parameter
 * Store refuses an empty value: an unset one is a word such as `none`.
 */
const settingSources: { [Key in SettingKey]: <Made>(from: SettingSources<Made>) => string | Made } = {
  whatsappNumber: ({ config }) => config.twilio.whatsappNumber,
  templateSid: ({ config }) => config.twilio.templateSid,
  clubName: ({ config }) => config.club.name,
  assistantName: ({ config }) => config.club.assistantName,
  season: ({ config }) => config.registration.season,
  membershipFee: ({ config }) => config.registration.membershipFee,
  subscriptionFee: ({ config }) => config.registration.subscriptionFee,
  allowFeeOverrides: ({ config }) => String(config.registration.allowFeeOverrides),
  webhookUrl: ({ webhookUrl }) => webhookUrl,
  statusCallbackUrl: ({ statusCallbackUrl }) => statusCallbackUrl,
  codeOfConductUrl: ({ config }) => config.club.codeOfConductUrl,
  privacyNoticeUrl: ({ config }) => config.club.privacyNoticeUrl,
  paymentUrl: ({ config }) => config.registration.paymentUrl,
  retentionYears: ({ config }) => String(config.registration.retentionYears),
  closedRetentionDays: ({ config }) => String(config.registration.closedRetentionDays),
  // The questions asked, as the script names them.
  optionalSteps: ({ config }) => optionalStepIds.filter((id) => config.conversation[optionalQuestionConfigKeys[id]]).join(",") || "none",
  exportApiKeyId: ({ exportApiKeyId }) => exportApiKeyId,
  reminderTemplateSid: ({ config }) => config.twilio.reminderTemplateSid ?? noReminderTemplate,
  reminderAfterDays: ({ config }) => String(config.reminders.afterDays),
  reminderMax: ({ config }) => String(config.reminders.max),
  verifyServiceSid: ({ config }) => config.twilio.verifyServiceSid,
  // JSON: a list has no other form in one parameter.
  boardSecretaries: ({ config }) => JSON.stringify(config.board.secretaries),
  paymentProvider: ({ config }) => config.payments?.provider ?? noPaymentProvider,
  paymentsEnvironment: ({ config }) => config.payments?.environment ?? noPaymentProvider,
  subscriptionMonths: ({ config }) => String(config.payments?.subscriptionMonths ?? 0),
  paymentTemplateSid: ({ config }) => config.twilio.paymentTemplateSid ?? noPaymentProvider,
  paymentReturnUrl: ({ paymentReturnUrl }) => paymentReturnUrl,
};

/**
 * What each run-time setting holds for a stack: written to SSM by the program, handed to the
 * handlers directly by the local runtime and the tests, so all read the same values.
 */
export function settingValues<Made>(from: SettingSources<Made>): Record<SettingKey, string | Made> {
  return Object.fromEntries((Object.keys(settingSources) as SettingKey[]).map((key) => [key, settingSources[key](from)])) as Record<
    SettingKey,
    string | Made
  >;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `signon's stack config has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n  - ${problems.join("\n  - ")}`,
    );
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
  return issues.flatMap((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const list = typeof issue.path.at(-1) === "number" ? issue.path.slice(0, -1).map(String).join(".") : undefined;
      return issue.keys.map((key) => (list ? unknownItemKeyProblem(list, issue.path.at(-1) as number, key) : unknownKeyProblem(path, key)));
    }
    const example = configExamples[path] ?? keysIn(path).map((key) => configExamples[key])[0] ?? nearestExample(issue.path);
    const problem = valueAt(raw, issue.path) === undefined ? "is missing" : issue.message;
    // Another namespace's key (`aws:region`) is named as it is.
    const key = path.includes(":") ? path : `signon:${path}`;
    return [`${key} ${problem}${example ? `. Example: ${example}` : ""}`];
  });
}

/** The example of the nearest enclosing key that has one: `board.secretaries` for `board.secretaries.0.tel`. */
function nearestExample(path: readonly PropertyKey[]): string | undefined {
  for (let length = path.length - 1; length > 0; length--) {
    const example = configExamples[path.slice(0, length).map(String).join(".")];
    if (example) return example;
  }
  return undefined;
}

/** The keys of a group of settings: `club` holds `club.name`, `club.slug`, ... */
function keysIn(section: string): string[] {
  return Object.keys(configExamples).filter((key) => key.startsWith(`${section}.`));
}

/** The unknown key must go as well as the right one be set, or the volunteer would set it and be told the same again. */
function unknownKeyProblem(section: string, key: string): string {
  const known = keysIn(section);
  const unknown = `${section}.${key}`;
  const meant = known.find((name) => name.toLowerCase() === unknown.toLowerCase()) ?? known[0];
  return `signon:${unknown} is not a setting signon knows (misspelt?); signon:${section} holds ${known.map((name) => name.slice(section.length + 1)).join(", ")}. Example: pulumi config rm --path signon:${unknown} && ${configExamples[meant]}`;
}

/** What each item of a list of settings holds, by the list's key. */
const listItemKeys: Record<string, readonly string[]> = { "board.secretaries": ["name", "tel"] };

/** A key in one item of a list (`board.secretaries.0.phone`): it goes, and the item's keys are named. */
function unknownItemKeyProblem(list: string, index: number, key: string): string {
  return `signon:${list}.${index}.${key} is not a setting signon knows (misspelt?); each of signon:${list} holds ${listItemKeys[list]?.join(", ")}. Example: pulumi config rm --path 'signon:${list}[${index}].${key}' && ${configExamples[list]}`;
}

/** Every key of the `signon:` namespace: its groups of settings and its secrets. */
const namespaceKeys: readonly string[] = [
  ...Object.keys(stackConfigSchema.shape).filter((key) => !key.includes(":")),
  ...Object.keys(twilioSecretsSchema.shape),
];

/** How many letters to add, drop or change to make one key the other, case aside: `registraton` is one from `registration`. */
function lettersApart(first: string, second: string): number {
  const a = first.toLowerCase();
  const b = second.toLowerCase();
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/**
 * A `signon:` key the schema does not know (`signon:registraton`, `signon:paymnts`): the program
 * would ignore its settings without a word, so it is refused, named, with the key it may be a
 * misspelling of. Keys of other namespaces (`aws:region`) are not signon's to judge.
 */
function unknownNamespaceProblems(raw: unknown): string[] {
  if (raw === null || typeof raw !== "object") return [];
  const groups = namespaceKeys.filter((key) => key in stackConfigSchema.shape);
  const secrets = namespaceKeys.filter((key) => !groups.includes(key));
  return Object.keys(raw)
    .filter((key) => !key.includes(":") && !namespaceKeys.includes(key))
    .map((key) => {
      const meant = namespaceKeys.find((known) => lettersApart(key, known) <= (known.length > 4 ? 2 : 1));
      const guess = meant ? ` (did you mean signon:${meant}?)` : "";
      return `signon:${key} is not a setting signon knows${guess}; signon holds ${groups.join(", ")} and the secrets ${secrets.join(", ")}. Example: pulumi config rm signon:${key}`;
    });
}

/** The stack name goes into every AWS name beside the slug, so it has the same rules. */
export function stackNameProblems(stack: string): string[] {
  if (nameSegmentPattern.test(stack)) return [];
  return [
    `the stack name "${stack}" must be lower-case letters, digits and single hyphens, such as prod (it goes into AWS names, SSM paths and IAM policies). Example: pulumi stack rename prod`,
  ];
}

/**
 * The slug and the stack name are checked together: what matters is the longest name they make.
 * Reports the name furthest over AWS's limit, and how much shorter the two must be.
 */
export function awsNameProblems(identity: StackIdentity): string[] {
  const refused = stackAwsNames(identity)
    .map(({ kind, name }) => ({ kind, name, problem: awsNameProblem(kind, name), excess: name.length - awsNameRules[kind].maxLength }))
    .filter(({ problem }) => problem !== undefined)
    .sort((a, b) => b.excess - a.excess);
  if (refused.length === 0) return [];
  const [{ kind, name, problem, excess }] = refused;
  const shorten = excess > 0 ? ` Shorten the slug or the stack name by ${excess} character${excess === 1 ? "" : "s"}.` : "";
  return [
    `signon:club.slug "${identity.slug}" with the stack name "${identity.stack}" makes the ${kind} name ${name}, which ${problem}.${shorten} Example: ${configExamples["club.slug"]}`,
  ];
}

/**
 * The trigger's reserved concurrency against its usage plan. The plan lets a full burst through
 * at once and `rateLimit` more a second; a trigger call normally takes well under a second (two
 * DynamoDB requests and one to Twilio), so up to burstLimit + rateLimit runs overlap. Lambda turns
 * away runs past the reservation, and API Gateway answers those 500 (a proxy integration does not
 * pass Lambda's throttle on as 429), so the plan must say 429 first.
 */
function concurrencyProblems({ api, concurrency }: Pick<StackConfig, "api" | "concurrency">): string[] {
  const reserved = concurrency.trigger;
  const needed = api.burstLimit + api.rateLimit;
  if (reserved === undefined || reserved >= needed) return [];
  const rate = Math.floor(reserved / 2);
  const example =
    needed <= maxReservedConcurrency
      ? `pulumi config set --path signon:concurrency.trigger ${needed}`
      : `pulumi config set --path signon:api.rateLimit ${rate} && pulumi config set --path signon:api.burstLimit ${reserved - rate}`;
  return [
    `signon:concurrency.trigger (${reserved}) is less than signon:api.burstLimit + signon:api.rateLimit (${api.burstLimit} + ${api.rateLimit} = ${needed}): ` +
      `that many trigger calls can run at once, and the ones Lambda turns away reach the caller as 500, not 429. Reserve more or lower the usage plan's limits. Example: ${example}`,
  ];
}

/**
 * A provider's secrets against signon:payments: both are needed to take payments, and a sandbox
 * token is refused by the live API (and the other way round), which would show only when a parent pays.
 */
function paymentSecretProblems(payments: StackConfig["payments"], secrets: TwilioSecrets): string[] {
  if (payments === undefined) return [];
  const missing = (["gocardlessAccessToken", "gocardlessWebhookSecret"] as const)
    .filter((key) => secrets[key] === undefined)
    .map((key) => `signon:${key} is missing: signon:payments takes payments through GoCardless. Example: ${configExamples[key]}`);
  const token = secrets.gocardlessAccessToken;
  const wrongEnvironment =
    token !== undefined && !token.startsWith(`${payments.environment}_`)
      ? [
          `signon:gocardlessAccessToken is not a ${payments.environment} token (signon:payments.environment is ${payments.environment}): use a token from the ${payments.environment} dashboard, or set the environment the token is for. Example: ${configExamples.gocardlessAccessToken}`,
        ]
      : [];
  return [...missing, ...wrongEnvironment];
}

/**
 * Validates the whole stack config, secrets included, and throws one ConfigError
 * listing every problem so a volunteer fixes them all in one go. `raw` is the config as
 * Pulumi.<stack>.yaml holds it: every `signon:` key without its namespace (a key the schema does
 * not know is a problem), and `aws:region`.
 */
export function parseStackConfig(
  raw: unknown,
  rawSecrets: RawStackSecrets,
  stack: string,
): { settings: StackConfig; secrets: TwilioSecrets } {
  const settings = stackConfigSchema.safeParse(raw);
  const secrets = twilioSecretsSchema.safeParse(rawSecrets);
  const stackProblems = stackNameProblems(stack);
  // The names are checked whenever the slug and stack name are well formed, even if other keys are not.
  const validSlug = slug.safeParse(valueAt(raw, ["club", "slug"]));
  const problems = [
    ...stackProblems,
    ...unknownNamespaceProblems(raw),
    ...(settings.success ? [] : describeIssues(settings.error.issues, raw)),
    ...(validSlug.success && stackProblems.length === 0 ? awsNameProblems({ slug: validSlug.data, stack }) : []),
    ...(settings.success ? concurrencyProblems(settings.data) : []),
    ...(secrets.success ? [] : describeIssues(secrets.error.issues, rawSecrets)),
    ...(settings.success && secrets.success ? paymentSecretProblems(settings.data.payments, secrets.data) : []),
  ];
  if (problems.length > 0 || !settings.success || !secrets.success) throw new ConfigError(problems);
  return { settings: settings.data, secrets: secrets.data };
}
