import * as pulumi from "@pulumi/pulumi";
import { stageRouteThrottles } from "./config/api-limits";
import {
  alertTopicName,
  boardTableName,
  dashboardName,
  deadLetterQueueName,
  erasureLogTableName,
  functionName,
  idempotencyTableName,
  namePrefix,
  parameterPath,
  registrationsTableName,
  tableNames,
} from "./config/names";
import { settingValues } from "./config/schema";
import { paymentReturnPath } from "./config/settings";
import { loadStackConfig } from "./config/stack";
import { functionDeclarations, functions, scheduledFunctionDeclarations } from "./handlers/functions";
import type { MonitoredFunction } from "./infra/alarm-definitions";
import { Alerts } from "./infra/alerts";
import { BoardTable } from "./infra/board-table";
import { CursorKey } from "./infra/cursor-key";
import { ErasureLogTable } from "./infra/erasure-log-table";
import { HandlerFunction, type HandlerFunctionArgs } from "./infra/handler-function";
import { IdempotencyTable } from "./infra/idempotency-table";
import { PaymentSecret } from "./infra/payment-secret";
import { RegistrationApi } from "./infra/registration-api";
import { RegistrationsTable } from "./infra/registrations-table";
import { ScheduledRun } from "./infra/scheduled-run";
import { SettingsParameters } from "./infra/settings-parameters";
import { StackDashboard } from "./infra/stack-dashboard";
import { TwilioSecret } from "./infra/twilio-secret";

const stack = pulumi.getStack();
const config = loadStackConfig(new pulumi.Config(), stack);
const identity = { slug: config.club.slug, stack };
const prefix = namePrefix(identity);
const settingsPath = parameterPath(identity);

const twilioSecret = new TwilioSecret(`${prefix}-twilio`, {
  accountSid: config.twilioAccountSid,
  authToken: config.twilioAuthToken,
});

// Only a stack taking payments has one; config refuses signon:payments without both secrets.
const paymentSecret =
  config.payments && config.gocardlessAccessToken && config.gocardlessWebhookSecret
    ? new PaymentSecret(`${prefix}-payments`, { accessToken: config.gocardlessAccessToken, webhookSecret: config.gocardlessWebhookSecret })
    : undefined;

const cursorKey = new CursorKey(`${prefix}-cursor-key`);

const idempotencyTable = new IdempotencyTable(`${prefix}-idempotency`, { tableName: idempotencyTableName(identity) });

const registrationsTable = new RegistrationsTable(`${prefix}-registrations`, { tableName: registrationsTableName(identity) });

const erasureLog = new ErasureLogTable(`${prefix}-erasures`, { tableName: erasureLogTableName(identity) });
const boardTable = new BoardTable(`${prefix}-board`, { tableName: boardTableName(identity) });

const functionDefaults = {
  parameterPath: settingsPath,
  identity,
  twilioSecret,
  cursorKey,
  idempotencyTable,
  registrationsTable,
  erasureLogTable: erasureLog,
  boardTable,
  paymentSecret,
  logRetentionDays: 30,
};

// Every function, for its alarms and its place on the dashboard.
const monitoredFunctions: MonitoredFunction[] = [];

// One per declaration (handlers/functions.ts), each named after its function: config/names.ts lists the names this makes.
const handlerFunction = (declaration: HandlerFunctionArgs["declaration"], reservedConcurrency?: number) => {
  const name = functionName(identity, declaration.name);
  monitoredFunctions.push({ handler: declaration.name, name, timeoutSeconds: declaration.timeoutSeconds });
  const { function: handler } = new HandlerFunction(name, {
    ...functionDefaults,
    functionName: name,
    declaration,
    memorySizeMb: declaration.memorySizeMb,
    reservedConcurrency,
  });
  return { name, handler };
};

const routes = functionDeclarations.map((declaration) => ({
  declaration,
  // Routed functions only: config.concurrency has a key for each of them.
  handler: handlerFunction(declaration, config.concurrency[declaration.name as keyof typeof config.concurrency]).handler,
}));

// EventBridge runs these, with no route.
for (const declaration of scheduledFunctionDeclarations) {
  const { name, handler } = handlerFunction(declaration);
  new ScheduledRun(`${name}-schedule`, {
    ruleName: name,
    deadLetterQueueName: deadLetterQueueName(identity, declaration.name),
    schedule: declaration.schedule,
    handler,
  });
}

const api = new RegistrationApi(`${prefix}-api`, {
  routes,
  rateLimit: config.api.rateLimit,
  burstLimit: config.api.burstLimit,
  dailyQuota: config.api.dailyQuota,
  routeThrottles: stageRouteThrottles(config.api),
  apiKey: config.apiKey,
  exportApiKey: config.exportApiKey,
});

// Written after the API exists: the webhook URL is one of them, and the handlers read
// these at run time, so the functions need only their names (no dependency cycle).
new SettingsParameters(`${prefix}-settings`, {
  parameterPath: settingsPath,
  values: settingValues({
    config,
    webhookUrl: api.urlOf(functions.webhook.route.path),
    statusCallbackUrl: api.urlOf(functions.status.route.path),
    exportApiKeyId: api.exportApiKeyId,
    paymentReturnUrl: api.urlOf(paymentReturnPath),
  }),
});

// What the volunteer hears of (docs/operating.md, Alarms and the dashboard), and where to look.
const monitored = { identity, tableNames: tableNames(identity), apiName: api.restApi.name, stageName: api.stage.stageName };
const alerts = new Alerts(`${prefix}-alerts`, {
  ...monitored,
  topicName: alertTopicName(identity),
  alertEmail: config.ops.alertEmail,
  thresholds: config.ops,
  functions: monitoredFunctions,
});
const dashboard = new StackDashboard(`${prefix}-dashboard`, {
  ...monitored,
  dashboardName: dashboardName(identity),
  region: config["aws:region"],
  functionNames: monitoredFunctions.map(({ name }) => name),
});

export const apiUrl = api.url;
export const triggerUrl = api.urlOf(functions.trigger.route.path);
export const webhookUrl = api.urlOf(functions.webhook.route.path);
export const apiKey = api.apiKey;
export const registrationsUrl = api.urlOf(functions.export.route.path);
export const exportApiKey = api.exportApiKey;
// npm run reapply-erasures reads it (docs/data-protection.md, after a restore).
export const erasureLogTable = erasureLog.table.name;
export const boardUrl = api.urlOf(functions.board.route.path);
// Only a stack taking payments has a webhook to register with GoCardless; without one the route answers 404.
export const paymentsWebhookUrl = paymentSecret ? api.urlOf(functions.payment.route.path) : undefined;
export const paymentsWebhookInstruction = paymentSecret
  ? pulumi.interpolate`In GoCardless's dashboard (Developers → Create → Webhook endpoint), register ${api.urlOf(functions.payment.route.path)} with the secret in signon:gocardlessWebhookSecret.`
  : undefined;
export const dashboardUrl = dashboard.url;
export const alertTopicArn = alerts.topic.arn;
