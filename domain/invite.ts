/**
 * The trigger's payload: validation, normalisation and the nine template variables.
 * Pure functions: no AWS, no Twilio.
 */
import { z } from "zod/mini";
import { canonicalAgeGroup } from "./conversation/age-group";
import { poundsAmount } from "./money";
import { toDisplayNumber, toE164 } from "./phone";
import type { InviteFields } from "./registration";
import { normaliseSeason } from "./season";

export interface FieldProblem {
  field: string;
  message: string;
}

export interface InviteDefaults {
  season: string;
  membershipFee: string;
  subscriptionFee: string;
}

/** The variables of the approved template, keyed "1" to "9" as Twilio's Content API expects. */
export type TemplateVariables = Record<"1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9", string>;

/**
 * WhatsApp refuses a variable with a newline, a tab or more than four spaces in a row, so
 * every run of white space becomes one space; control characters and unpaired surrogates
 * (which show as boxes or break the JSON Twilio reads) count as white space. Text with
 * nothing visible left (only format marks such as zero-width spaces) is empty.
 */
export function whatsappSafe(text: string): string {
  const cleaned = text.replace(/[\s\p{Cc}\p{Cs}]+/gu, " ").trim();
  return /[^\s\p{Cf}]/u.test(cleaned) ? cleaned : "";
}

const stringExpected = (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : "must be a string");

function requiredText(max: number) {
  return z.pipe(
    z.pipe(z.string({ error: stringExpected }), z.transform(whatsappSafe)),
    z.string().check(z.minLength(1, "must not be empty"), z.maxLength(max, `must be at most ${max} characters`)),
  );
}

/** Optional fields come from spreadsheets, where "not given" is often an empty cell. */
function optionalText(max: number) {
  return z.optional(
    z.pipe(
      z.pipe(z.string({ error: "must be a string" }), z.transform(whatsappSafe)),
      z.pipe(
        z.string().check(z.maxLength(max, `must be at most ${max} characters`)),
        z.transform((text) => text || undefined),
      ),
    ),
  );
}

function optionalFee() {
  return z.optional(
    z.pipe(
      z.union([z.string(), z.number()], { error: 'must be an amount in pounds such as "40"' }),
      z.transform((fee, context) => {
        if (String(fee).trim() === "") return undefined;
        const amount = poundsAmount(fee);
        if (amount !== undefined) return amount;
        context.issues.push({ code: "custom", message: 'must be an amount in pounds such as "40" or "26.50"', input: fee });
        return z.NEVER;
      }),
    ),
  );
}

/** One form for one age group (`u11s` and `Under 11s` are `U11`): the duplicate check, the export's filter and the FA's rule compare it. */
function ageGroup() {
  return z.pipe(
    requiredText(20),
    z.transform((typed, context) => {
      const canonical = canonicalAgeGroup(typed);
      if (canonical) return canonical;
      context.issues.push({
        code: "custom",
        message: "is not an age group: use a form such as U11 or Under 11s (Under 5 to Under 23)",
        input: typed,
      });
      return z.NEVER;
    }),
  );
}

function phone(format: (typed: string) => string | undefined) {
  return z.pipe(
    z.string({ error: stringExpected }),
    z.transform((typed, context) => {
      const formatted = format(typed);
      if (formatted) return formatted;
      context.issues.push({
        code: "custom",
        message: typed.trim() === "" ? "must not be empty" : "is not a phone number: use a form such as 07700 900123 or +44 7700 900123",
        input: typed,
      });
      return z.NEVER;
    }),
  );
}

/**
 * The season written any way a person writes it (`2026/27`, `2026-2027`), as the stack writes it
 * (`2026-27`). Given the stack's season, nothing else: an invite for another season would make a
 * registration that the conversation, the reminders and the export never address.
 */
function season(stackSeason: () => string | undefined) {
  return z.optional(
    z.pipe(
      optionalText(20),
      z.transform((typed, context) => {
        if (typed === undefined) return undefined;
        const normalised = normaliseSeason(typed);
        const wanted = stackSeason();
        if (normalised !== undefined && (wanted === undefined || normalised === wanted)) return normalised;
        const message =
          wanted === undefined
            ? "must be a season such as 2025-26 (or 2025/26, 2025-2026)"
            : `must be this club's season, ${wanted} (or ${wanted.replace("-", "/")}, ${wanted.slice(0, 5)}${Number(wanted.slice(0, 4)) + 1}), or left out`;
        context.issues.push({ code: "custom", message, input: typed });
        return z.NEVER;
      }),
    ),
  );
}

function inviteSchema(stackSeason: () => string | undefined = () => undefined) {
  return z.object(
    {
      parent_first_name: requiredText(50),
      parent_last_name: optionalText(50),
      player_first_name: requiredText(50),
      player_last_name: optionalText(50),
      team_name: requiredText(60),
      age_group: ageGroup(),
      current_registration_season: season(stackSeason),
      membership_fee_amount: optionalFee(),
      subscription_fee_amount: optionalFee(),
      team_manager_1_full_name: requiredText(60),
      // Shown to the parent in the message, so written the way they would dial it.
      team_manager_1_tel: phone(toDisplayNumber),
      parent_tel: phone(toE164),
      // Sends the invite again for a player who has one; without it a repeat sends nothing.
      resend: z.optional(z.boolean({ error: "must be true or false" })),
    },
    { error: "must be a JSON object" },
  );
}

export type InviteRequest = z.infer<ReturnType<typeof inviteSchema>>;

/** The invite's fields in the trigger's order, and whether each must be given: what a spreadsheet's columns are matched to (domain/squad-sheet.ts). */
export function inviteFieldNames(): { field: keyof InviteRequest; required: boolean }[] {
  return Object.entries(inviteSchema().shape).map(([field, schema]) => ({
    field: field as keyof InviteRequest,
    required: schema._zod.optin !== "optional",
  }));
}

export type InviteParseResult = { ok: true; invite: InviteRequest } | { ok: false; problems: FieldProblem[] };

/**
 * Builds the schema once (per Lambda container) and returns the parser. Given the stack's season
 * (the trigger), an invite's season must be it; without (a spreadsheet checked offline), a season.
 */
export function createInviteParser(): (payload: unknown, stackSeason?: string) => InviteParseResult {
  // The stack's season of the parse under way: the settings may change it between two, and a parse is synchronous.
  let parsingFor: string | undefined;
  const schema = inviteSchema(() => parsingFor);
  return (payload, stackSeason) => {
    parsingFor = stackSeason;
    const result = schema.safeParse(payload);
    if (result.success) return { ok: true, invite: result.data };
    return {
      ok: false,
      problems: result.error.issues.map((issue) => ({ field: issue.path.map(String).join(".") || "body", message: issue.message })),
    };
  };
}

/** The body's text as JSON, or the problem with it. */
export function parseJsonBody(text: string): { ok: true; value: unknown } | { ok: false; problems: FieldProblem[] } {
  if (text.trim() === "") return { ok: false, problems: [{ field: "body", message: "is empty: send the invite as a JSON object" }] };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problems: [{ field: "body", message: "is not valid JSON" }] };
  }
}

export function templateVariables(invite: InviteRequest, defaults: InviteDefaults): TemplateVariables {
  const variables: TemplateVariables = {
    "1": invite.parent_first_name,
    "2": invite.player_first_name,
    "3": invite.team_name,
    "4": invite.age_group,
    "5": invite.current_registration_season ?? defaults.season,
    "6": invite.membership_fee_amount ?? defaults.membershipFee,
    "7": invite.subscription_fee_amount ?? defaults.subscriptionFee,
    "8": invite.team_manager_1_full_name,
    "9": invite.team_manager_1_tel,
  };
  for (const key of Object.keys(variables) as (keyof TemplateVariables)[]) {
    variables[key] = whatsappSafe(variables[key]);
    if (variables[key] === "") throw new Error(`template variable ${key} is empty`);
  }
  return variables;
}

/**
 * The fees of an invite that differ from the stack's, each named with the stack's fee: refused
 * unless the stack allows overrides, so the invite key cannot change what parents are asked to pay.
 */
export function feeOverrideProblems(invite: InviteRequest, defaults: Pick<InviteDefaults, "membershipFee" | "subscriptionFee">) {
  const pence = (amount: string) => Math.round(Number(amount) * 100);
  const fees = [
    ["membership_fee_amount", invite.membership_fee_amount, defaults.membershipFee],
    ["subscription_fee_amount", invite.subscription_fee_amount, defaults.subscriptionFee],
  ] as const;
  return fees
    .filter(([, given, stack]) => given !== undefined && pence(given) !== pence(stack))
    .map(
      ([field, , stack]): FieldProblem => ({
        field,
        message: `must be the club's fee, £${stack}, or be left out: this stack does not take other fees in an invite (signon:registration.allowFeeOverrides)`,
      }),
    );
}

/** What the registration keeps of the invite: the stack's defaults filled in, the text as the parent saw it. */
export function inviteFields(invite: InviteRequest, defaults: InviteDefaults): InviteFields {
  const variables = templateVariables(invite, defaults);
  return {
    season: variables["5"],
    team_name: variables["3"],
    age_group: variables["4"],
    player_first_name: invite.player_first_name,
    player_last_name: invite.player_last_name,
    parent_first_name: invite.parent_first_name,
    parent_last_name: invite.parent_last_name,
    parent_tel: invite.parent_tel,
    team_manager_name: variables["8"],
    team_manager_tel: variables["9"],
    membership_fee: variables["6"],
    subscription_fee: variables["7"],
  };
}
