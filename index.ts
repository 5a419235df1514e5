import * as pulumi from "@pulumi/pulumi";
import { functionTimeoutSeconds } from "./config/function-timeouts";
import { functionKeyPrefixes } from "./config/idempotency";
import { functionName, idempotencyTableName, namePrefix, parameterPath } from "./config/names";
import { settingValues } from "./config/setting-values";
import { triggerSettingKeys, webhookSettingKeys } from "./config/settings";
import { loadStackConfig } from "./config/stack";
import { createTriggerHandler } from "./handlers/trigger";
import { createWebhookHandler } from "./handlers/webhook";
import { HandlerFunction } from "./infra/handler-function";
import { IdempotencyTable } from "./infra/idempotency-table";
import { RegistrationApi } from "./infra/registration-api";
import { SettingsParameters } from "./infra/settings-parameters";
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

const idempotencyTable = new IdempotencyTable(`${prefix}-idempotency`, { tableName: idempotencyTableName(identity) });

// From `npm run bench` (bench/results.json): the larger peak, the trigger's, is about 80 MB of
// resident memory, so Lambda's smallest size that leaves half as much again is its minimum, 128 MB.
// tests/deployed-code.test.ts keeps this equal to the bench's figure.
const functionDefaults = { parameterPath: settingsPath, twilioSecret, idempotencyTable, memorySizeMb: 128, logRetentionDays: 30 };

// Each component is named after its function: config/names.ts lists the names this makes.
const trigger = new HandlerFunction(functionName(identity, "trigger"), {
  ...functionDefaults,
  functionName: functionName(identity, "trigger"),
  callbackFactory: createTriggerHandler,
  // Powertools keeps the invites' idempotency records (handlers/idempotent.ts).
  npmImports: ["zod/mini", "libphonenumber-js/min", "@aws-lambda-powertools/idempotency", "@aws-lambda-powertools/idempotency/persistence"],
  settingKeys: triggerSettingKeys,
  idempotencyKeyPrefix: functionKeyPrefixes.trigger,
  timeoutSeconds: functionTimeoutSeconds.trigger,
  reservedConcurrency: config.concurrency.trigger,
});

const webhook = new HandlerFunction(functionName(identity, "webhook"), {
  ...functionDefaults,
  functionName: functionName(identity, "webhook"),
  callbackFactory: createWebhookHandler,
  npmImports: ["twilio/lib/webhooks/webhooks"],
  settingKeys: webhookSettingKeys,
  idempotencyKeyPrefix: functionKeyPrefixes.webhook,
  timeoutSeconds: functionTimeoutSeconds.webhook,
  reservedConcurrency: config.concurrency.webhook,
});

const api = new RegistrationApi(`${prefix}-api`, {
  trigger: trigger.function,
  webhook: webhook.function,
  rateLimit: config.api.rateLimit,
  burstLimit: config.api.burstLimit,
  apiKey: config.apiKey,
});

// Written after the API exists: the webhook URL is one of them, and the handlers read
// these at run time, so the functions need only their names (no dependency cycle).
new SettingsParameters(`${prefix}-settings`, {
  parameterPath: settingsPath,
  values: settingValues(config, api.webhookUrl),
});

export const apiUrl = api.url;
export const triggerUrl = api.triggerUrl;
export const webhookUrl = api.webhookUrl;
export const apiKey = api.apiKey;
