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

const functionDefaults = { parameterPath: settingsPath, twilioSecret, idempotencyTable, logRetentionDays: 30 };

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
  // Lambda's CPU share grows with memory and a cold first answer is mostly CPU work: in two runs
  // of `npm run bench -- --memory`, each step up to 1024 MB cut it by 29% or more, the step to
  // 1769 MB by 20% in one run and 3% in the other, not reliably the 15% that counts (README,
  // Performance). tests/deployed-code.test.ts keeps this equal to the bench's choice.
  memorySizeMb: 1024,
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
  // The same measurement: up to 1024 MB each step cut it by 32% or more, the step to 1769 MB by
  // 16% in one run and -4% in the other. A parent waits for this reply.
  memorySizeMb: 1024,
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
