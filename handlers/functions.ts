/**
 * Every Lambda function signon deploys, each declared once. index.ts makes a function of each
 * (infra/handler-function.ts), whose role may read exactly its settings and touch only the
 * idempotency records under its key prefix; API Gateway routes the path to it
 * (infra/registration-api.ts), and so does `npm start`'s gateway (local/runtime.ts). A new route
 * is a new entry here.
 *
 * Plain data and the handler factories only: Pulumi serializes a function's declaration by value
 * into its code package, and its factory is what runs there. What a declaration says is
 * function-declaration.ts; the settings each handler reads are declared beside its factory.
 */
import type { HandlerName } from "../config/names";
import { paymentReturnPath, type SettingKey } from "../config/settings";
import { boardSettingKeys } from "./board/board-dependencies";
import { createBoardHandler } from "./board/board-handler";
import { boardDataNpmImports } from "./board/data-routes";
import type { FunctionDeclaration, ScheduledFunctionDeclaration, ScheduledHandler } from "./function-declaration";
import { createPaymentsHandler, paymentsSettingKeys } from "./payments";
import { createRegistrationsHandler, registrationsSettingKeys } from "./registrations";
import { createRemindersHandler, remindSettingKeys } from "./reminders";
import { createStatusHandler, statusSettingKeys } from "./status";
import { createTriggerHandler, triggerSettingKeys } from "./trigger";
import { twilioAlertsRoute } from "./twilio-alerts";
import { createWebhookHandler, webhookSettingKeys } from "./webhook";

// A function given an idempotency key prefix keeps it in its type, so its factory may require one.
const declareFunction = <K extends SettingKey, Name extends HandlerName, Prefix extends string | undefined = undefined>(
  declaration: FunctionDeclaration<K> & { name: Name; idempotencyKeyPrefix?: Prefix },
) => declaration as typeof declaration & (Prefix extends string ? { idempotencyKeyPrefix: Prefix } : unknown);
const declareScheduledFunction = <K extends SettingKey, Name extends HandlerName, Handler extends ScheduledHandler>(
  declaration: ScheduledFunctionDeclaration<K, Handler> & { name: Name },
) => declaration;

export const functions = {
  trigger: declareFunction({
    name: "trigger",
    route: { method: "POST", path: "/trigger" },
    apiKey: "invite",
    // Room for Twilio's retries with backoff; API Gateway itself gives up at 29 s.
    timeoutSeconds: 20,
    // The bench's choice (bench/README.md, Memory size): up to a full vCPU, each step still cut
    // the first answer over HTTPS by more than the 15% that would stop it.
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
    // A parent waits for this reply: the bench's choice, as for the trigger, by the first answer
    // of a conversation step (bench/README.md, Memory size).
    memorySizeMb: 1769,
    settingKeys: webhookSettingKeys,
    // The store's marshaller; the phone library for the emergency contact step (domain/phone.ts).
    npmImports: ["twilio/lib/webhooks/webhooks", "@aws-sdk/util-dynamodb", "libphonenumber-js/min"],
    idempotencyKeyPrefix: "webhook.",
    registrations: "conversation",
    // DELETE MY DATA.
    writesErasureLog: true,
    usesTwilioSecret: true,
    // A submission's payment link (handlers/payment-links.ts).
    usesPaymentSecret: true,
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
    writesErasureLog: true,
    // It reads and erases registrations and never talks to Twilio.
    usesTwilioSecret: false,
    usesCursorKey: true,
    createHandler: createRegistrationsHandler,
  }),
  // Twilio's delivery statuses for each message sent (invites, reminders): POST /status; and its alerts.
  status: declareFunction({
    name: "status",
    route: { method: "POST", path: "/status" },
    // Twilio Debugger's alerts: signed by Twilio as the callbacks are, and counted (handlers/twilio-alerts.ts).
    moreRoutes: [twilioAlertsRoute],
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
    // Declined and handed-over registrations reduced to tombstones.
    writesErasureLog: true,
    usesTwilioSecret: true,
    // Payment reminders: a link GoCardless could not give at submission, or a fresh one after expiry.
    usesPaymentSecret: true,
    createHandler: createRemindersHandler,
  }),
  // The board (BOARD.md): its page and assets, sign-in, sessions and its API, behind a session rather than a key.
  board: declareFunction({
    name: "board",
    route: { method: "GET", path: "/board" },
    moreRoutes: [{ name: "proxy", method: "ANY", path: "/board/{proxy+}" }],
    apiKey: "none",
    // A squad sheet's invites are sent within one request; API Gateway itself gives up at 29 s.
    timeoutSeconds: 25,
    // Not measured by the bench yet: the trigger's size, as its data routes do the trigger's work.
    memorySizeMb: 1769,
    settingKeys: boardSettingKeys,
    // The phone library for the numbers people type at sign-in and on People (domain/phone.ts).
    npmImports: [...new Set(["libphonenumber-js/min", ...boardDataNpmImports])],
    // Verify's requests are signed with the account's credentials, as the data routes' sends are.
    // The trigger's (invite, resend) and the export's (list, erase) together (config/registrations-table.ts).
    registrations: "board",
    writesErasureLog: true,
    usesTwilioSecret: true,
    usesBoardTable: true,
    createHandler: createBoardHandler,
  }),
  // GoCardless's webhook, and the page its hosted payment page returns the parent to (PAYMENTS.md).
  // Named `payment`, not `payments`: AWS names carry it, and the longer word would lower the slug
  // and stack name's shared limit from 35 characters to 34 (config/names.ts).
  payment: declareFunction({
    name: "payment",
    route: { method: "POST", path: "/payments/gocardless" },
    moreRoutes: [{ name: "thanks", method: "GET", path: paymentReturnPath }],
    apiKey: "none",
    // GoCardless waits 10 s for an answer; the handler answers a second before its own end.
    timeoutSeconds: 8,
    // Its memory size not measured by the bench yet (its row is at a full CPU, bench/README.md): the status function's, as it
    // does the same kind of work (a signature, reads, writes).
    memorySizeMb: 1024,
    settingKeys: paymentsSettingKeys,
    // The store's marshaller; GoCardless and Twilio are called over node:https.
    npmImports: ["@aws-sdk/util-dynamodb"],
    registrations: "payments",
    usesPaymentSecret: true,
    // The thank-you message to the parent.
    usesTwilioSecret: true,
    createHandler: createPaymentsHandler,
  }),
} satisfies { [Name in HandlerName]: (FunctionDeclaration | ScheduledFunctionDeclaration) & { name: Name } };

const everyDeclaration: readonly (FunctionDeclaration | ScheduledFunctionDeclaration)[] = Object.values(functions);
/** Every routed declaration, for what treats them all alike: the program, the local gateway. */
export const functionDeclarations = everyDeclaration.filter((declaration): declaration is FunctionDeclaration => "route" in declaration);
/** Every scheduled declaration: the program gives each a rule (infra/scheduled-run.ts). */
export const scheduledFunctionDeclarations = everyDeclaration.filter(
  (declaration): declaration is ScheduledFunctionDeclaration => "schedule" in declaration,
);
