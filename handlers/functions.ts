/**
 * Every Lambda function signon deploys, each declared once. index.ts makes a function of each
 * (infra/handler-function.ts), whose role may read exactly its settings and touch only the
 * idempotency records under its key prefix; API Gateway routes the path to it
 * (infra/registration-api.ts), and so does `npm start`'s gateway (local/runtime.ts). A new route
 * is a new entry here.
 *
 * Plain data and the handler factories only: Pulumi serializes a function's declaration by value
 * into its code package, and its factory is what runs there.
 */
import type { SettingsReader } from "../aws/settings-reader";
import type { HandlerName } from "../config/names";
import type { RegistrationsAccess } from "../config/registrations-table";
import type { SettingKey } from "../config/settings";
import type { ProxyHandler } from "../plumbing/api-gateway-event";
import type { LineWriter } from "../plumbing/log";
import { createRegistrationsHandler } from "./registrations";
import { createRemindersHandler, type RemindersHandler } from "./reminders";
import { createStatusHandler } from "./status";
import { createTriggerHandler } from "./trigger";
import { createWebhookHandler } from "./webhook";

/**
 * The API key a route needs: the invite key (the secretary's spreadsheet), the export key (the
 * secretary reading and erasing registrations), or none (Twilio signs its requests instead).
 * API Gateway lets either key through to any keyed route, so the export's handler checks which came.
 */
export type ApiKeyKind = "invite" | "export" | "none";

/** A method and path API Gateway routes to a function; `{name}` in the path is a path parameter. */
export interface Route {
  method: "GET" | "POST" | "DELETE";
  path: `/${string}`;
}

/** What a handler may be given instead of its defaults: how `npm start` and the tests wire it. */
export interface HandlerWiring {
  /** Where it finds its settings, its table and Twilio; the Lambda's own environment otherwise. */
  env?: NodeJS.ProcessEnv;
  readSettings?: SettingsReader<SettingKey>;
  writeLog?: LineWriter;
}

/**
 * A function EventBridge runs on a schedule, with no route (config/names.ts lists it in
 * scheduledHandlerNames). The program declares its rule, target and permission (infra/scheduled-run.ts).
 */
export interface ScheduledFunctionDeclaration<K extends SettingKey = SettingKey>
  extends Omit<FunctionDeclaration<K>, "route" | "moreRoutes" | "apiKey" | "createHandler"> {
  /** EventBridge's schedule expression: `rate(1 hour)`. */
  schedule: `rate(${string})` | `cron(${string})`;
  /** Runs once per container, given this declaration, and returns the handler. */
  createHandler(declaration: ScheduledFunctionDeclaration<K>, wiring?: HandlerWiring): RemindersHandler;
}

export interface FunctionDeclaration<K extends SettingKey = SettingKey> {
  /** Names the Lambda (`signon-<slug>-<stack>-<name>`), its role, log group and route resources. */
  name: HandlerName;
  route: Route;
  /**
   * Routes beyond the first, each named for its API Gateway resources (config/names.ts lists
   * the names, for AWS's length limits). A path's parent must be a route declared before it.
   */
  moreRoutes?: readonly (Route & { name: string })[];
  apiKey: ApiKeyKind;
  timeoutSeconds: number;
  /**
   * Lambda's CPU share grows with memory, and a cold first answer is mostly CPU work, so this is
   * sized by the latency `npm run bench -- --memory` measures (bench/README.md), not by
   * resident memory. tests/program/deployed-code.test.ts keeps it equal to the bench's choice.
   */
  memorySizeMb: number;
  /** The settings its code reads: the only SSM parameters its role may read. */
  settingKeys: readonly K[];
  /** The npm modules its code requires, as its imports name them: its package holds these and what they load, nothing else. */
  npmImports: readonly string[];
  /**
   * Starts every idempotency record key it writes, for a function that keeps such records (the
   * webhook, for messages from numbers with no invite). Its role may touch only keys with its
   * own (`dynamodb:LeadingKeys`); a function without one is given no access to that table at all.
   */
  idempotencyKeyPrefix?: string;
  /** What it does to the registrations table (config/registrations-table.ts), if anything: its role may do that and no more. */
  registrations?: RegistrationsAccess;
  /** Whether its code uses the Twilio credentials (to send, or to check a signature): only then may its role read the secret. */
  usesTwilioSecret: boolean;
  /** Runs once per container, given this declaration, and returns the handler. */
  createHandler(declaration: FunctionDeclaration<K>, wiring?: HandlerWiring): ProxyHandler;
}

// A function given an idempotency key prefix keeps it in its type, so its factory may require one.
const declareFunction = <K extends SettingKey, Name extends HandlerName, Prefix extends string | undefined = undefined>(
  declaration: FunctionDeclaration<K> & { name: Name; idempotencyKeyPrefix?: Prefix },
) => declaration as typeof declaration & (Prefix extends string ? { idempotencyKeyPrefix: Prefix } : unknown);
const declareScheduledFunction = <K extends SettingKey, Name extends HandlerName>(
  declaration: ScheduledFunctionDeclaration<K> & { name: Name },
) => declaration;

// Declared apart from the functions so that each handler's code can name the settings it reads by type.
const triggerSettingKeys = [
  "whatsappNumber",
  "templateSid",
  "clubName",
  "season",
  "membershipFee",
  "subscriptionFee",
  "allowFeeOverrides",
  "retentionYears",
  "statusCallbackUrl",
  // The export key is refused here: API Gateway lets either key through to any keyed route.
  "exportApiKeyId",
] as const satisfies readonly SettingKey[];
const webhookSettingKeys = [
  "webhookUrl",
  "clubName",
  "assistantName",
  // The one season a parent's message addresses (domain/conversation/engine.ts).
  "season",
  // The conversation's script (domain/conversation/script.ts).
  "codeOfConductUrl",
  "privacyNoticeUrl",
  "paymentUrl",
  "optionalSteps",
] as const satisfies readonly SettingKey[];
const registrationsSettingKeys = ["season", "exportApiKeyId"] as const satisfies readonly SettingKey[];
const statusSettingKeys = ["statusCallbackUrl"] as const satisfies readonly SettingKey[];
export type TriggerSettingKey = (typeof triggerSettingKeys)[number];
export type WebhookSettingKey = (typeof webhookSettingKeys)[number];
export type RegistrationsSettingKey = (typeof registrationsSettingKeys)[number];
export type StatusSettingKey = (typeof statusSettingKeys)[number];
const remindSettingKeys = [
  "whatsappNumber",
  "clubName",
  "season",
  // How many earlier seasons may still hold registrations to close as lapsed (handlers/reminders.ts).
  "retentionYears",
  "reminderTemplateSid",
  "reminderAfterDays",
  "reminderMax",
  "statusCallbackUrl",
] as const satisfies readonly SettingKey[];
export type RemindSettingKey = (typeof remindSettingKeys)[number];

export const functions = {
  trigger: declareFunction({
    name: "trigger",
    route: { method: "POST", path: "/trigger" },
    apiKey: "invite",
    // Room for Twilio's retries with backoff; API Gateway itself gives up at 29 s.
    timeoutSeconds: 20,
    // On a quiet machine (bench/README.md) the step from 1024 to 1769 MB cut the first answer
    // over HTTPS by 43% (202 to 115 ms); two earlier runs under load could not tell the sizes apart.
    memorySizeMb: 1769,
    settingKeys: triggerSettingKeys,
    // The SDK's marshaller converts the registration to DynamoDB's JSON (aws/registration-store.ts).
    npmImports: ["zod/mini", "libphonenumber-js/min", "@aws-sdk/util-dynamodb"],
    registrations: "invite",
    usesTwilioSecret: true,
    createHandler: createTriggerHandler,
  }),
  webhook: declareFunction({
    name: "webhook",
    route: { method: "POST", path: "/webhook" },
    apiKey: "none",
    // Twilio waits 15 s for a webhook's answer.
    timeoutSeconds: 10,
    // A parent waits for this reply: on a quiet machine the step from 1024 to 1769 MB cut the
    // first answer of a conversation step over HTTPS by 32% (87 to 60 ms).
    memorySizeMb: 1769,
    settingKeys: webhookSettingKeys,
    // The store's marshaller; the phone library for the emergency contact step (domain/phone.ts).
    npmImports: ["twilio/lib/webhooks/webhooks", "@aws-sdk/util-dynamodb", "libphonenumber-js/min"],
    idempotencyKeyPrefix: "webhook.",
    registrations: "conversation",
    usesTwilioSecret: true,
    createHandler: createWebhookHandler,
  }),
  // Named `export`, not `registrations`: AWS names carry it, and the longer word would lower the
  // slug and stack name's shared limit from 35 characters to 29 (config/names.ts).
  export: declareFunction({
    name: "export",
    route: { method: "GET", path: "/registrations" },
    moreRoutes: [{ name: "erase", method: "DELETE", path: "/registrations/{id}" }],
    apiKey: "export",
    // A few thousand records read page by page; API Gateway itself gives up at 29 s.
    timeoutSeconds: 25,
    // Not measured by the bench yet: the trigger's size, as the export is also CPU work (JSON, CSV).
    memorySizeMb: 1024,
    settingKeys: registrationsSettingKeys,
    npmImports: ["@aws-sdk/util-dynamodb", "csv-stringify/sync"],
    registrations: "export",
    // It reads and erases registrations and never talks to Twilio.
    usesTwilioSecret: false,
    createHandler: createRegistrationsHandler,
  }),
  // Twilio's delivery statuses for each message sent (invites, reminders): POST /status.
  status: declareFunction({
    name: "status",
    route: { method: "POST", path: "/status" },
    apiKey: "none",
    // Twilio waits 15 s for a callback's answer.
    timeoutSeconds: 10,
    // Not measured by the bench yet: the webhook's size, as it does the same work (signature, one Query, one write).
    memorySizeMb: 1024,
    settingKeys: statusSettingKeys,
    npmImports: ["twilio/lib/webhooks/webhooks", "@aws-sdk/util-dynamodb"],
    registrations: "status",
    usesTwilioSecret: true,
    createHandler: createStatusHandler,
  }),
  // Named `remind`, not `reminders`: AWS names carry it, and `-reminders-role-` would lower the
  // slug and stack name's shared limit from 35 characters to 33 (config/names.ts).
  remind: declareScheduledFunction({
    name: "remind",
    // Hourly: the first run after 09:00 London time sends what the night held back, and a
    // parent is reminded within the hour they fall due. Each run is one Query of the season.
    schedule: "rate(1 hour)",
    // One send at a time, each retried within the deadline: a squad's reminders fall due together.
    timeoutSeconds: 300,
    // Not measured by the bench: hourly and off any parent's path; it waits on DynamoDB and Twilio more than it computes.
    memorySizeMb: 512,
    settingKeys: remindSettingKeys,
    npmImports: ["@aws-sdk/util-dynamodb"],
    registrations: "remind",
    usesTwilioSecret: true,
    createHandler: createRemindersHandler,
  }),
} satisfies { [Name in HandlerName]: (FunctionDeclaration | ScheduledFunctionDeclaration) & { name: Name } };

/** A function's routes, its first one first. */
export const routesOf = (declaration: Pick<FunctionDeclaration, "route" | "moreRoutes">): readonly Route[] => [
  declaration.route,
  ...(declaration.moreRoutes ?? []),
];

const everyDeclaration: readonly (FunctionDeclaration | ScheduledFunctionDeclaration)[] = Object.values(functions);
/** Every routed declaration, for what treats them all alike: the program, the local gateway. */
export const functionDeclarations = everyDeclaration.filter((declaration): declaration is FunctionDeclaration => "route" in declaration);
/** Every scheduled declaration: the program gives each a rule (infra/scheduled-run.ts). */
export const scheduledFunctionDeclarations = everyDeclaration.filter(
  (declaration): declaration is ScheduledFunctionDeclaration => "schedule" in declaration,
);
