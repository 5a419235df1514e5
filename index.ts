import * as pulumi from "@pulumi/pulumi";
import { functionName, idempotencyTableName, namePrefix, parameterPath } from "./config/names";
import { settingValues } from "./config/setting-values";
import { loadStackConfig } from "./config/stack";
import { functionDeclarations, functions } from "./handlers/functions";
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

// One per declaration (handlers/functions.ts), each named after its function: config/names.ts lists the names this makes.
const routes = functionDeclarations.map((declaration) => {
  const name = functionName(identity, declaration.name);
  const { function: handler } = new HandlerFunction(name, { ...functionDefaults, functionName: name, declaration });
  return { declaration, handler };
});

const api = new RegistrationApi(`${prefix}-api`, {
  routes,
  rateLimit: config.api.rateLimit,
  burstLimit: config.api.burstLimit,
  apiKey: config.apiKey,
});

// Written after the API exists: the webhook URL is one of them, and the handlers read
// these at run time, so the functions need only their names (no dependency cycle).
new SettingsParameters(`${prefix}-settings`, {
  parameterPath: settingsPath,
  values: settingValues(config, api.urlOf(functions.webhook.route.path)),
});

export const apiUrl = api.url;
export const triggerUrl = api.urlOf(functions.trigger.route.path);
export const webhookUrl = api.urlOf(functions.webhook.route.path);
export const apiKey = api.apiKey;
