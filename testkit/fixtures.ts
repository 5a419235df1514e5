/**
 * Made-up clubs, people and credentials. Phone numbers are from Ofcom's drama range only.
 * Importing this writes nothing: recordFixtureValues tells the log scan what to look for.
 */
import { randomBytes } from "node:crypto";
import { settingValues } from "../config/schema";
import { type SettingKey, settingParameterName } from "../config/settings";
import { loadStackFile } from "../local/stack-file";
import { madeUpTwilioAccount } from "../local/stand-ins/twilio/ids";
import { recordSensitive } from "./log-capture";

/** Generated per run in the shape Twilio uses, so nothing resembling a real credential is committed. */
export const testCredentials = madeUpTwilioAccount();

/** Another account's token: what a forger or a misconfigured deployment would sign with. */
export const otherAuthToken = madeUpTwilioAccount().authToken;

/** The key API Gateway checked before a trigger event reaches the handler. */
export const testApiKey = "test-key";

export const parameterPath = "/signon/urmston/test";
export const twilioSecretName = "signon-urmston-test-twilio-0a1b2c3";
export const cursorKeySecretName = "signon-urmston-test-cursor-key-0a1b2c3";
/** The stack's export cursor key as its secret holds it: drawn per run, like the Twilio account. */
export const testCursorKey = randomBytes(32).toString("base64");
export const webhookUrl = "https://a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com/v1/webhook";
export const statusCallbackUrl = "https://a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com/v1/status";
export const paymentReturnUrl = "https://a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com/v1/payments/thanks";
/** API Gateway's ids of the two keys, as a request's `requestContext.identity.apiKeyId` carries them. */
export const exportApiKeyId = "exp0key0id";
export const inviteApiKeyId = "inv1key1id";

/**
 * The settings the program would write for the dev stack (Pulumi.dev.yaml), at this stack's URLs and export key id; but fee
 * overrides allowed, as the invites the tests send carry fees of every form (tests/handlers/trigger.test.ts holds the default, off).
 */
export const clubSettings: Record<SettingKey, string> = {
  ...settingValues({
    config: loadStackFile("dev", {
      twilioAccountSid: testCredentials.accountSid,
      twilioAuthToken: testCredentials.authToken,
      apiKey: undefined,
      exportApiKey: undefined,
    }),
    webhookUrl,
    statusCallbackUrl,
    exportApiKeyId,
    paymentReturnUrl,
  }),
  allowFeeOverrides: "true",
};

export function settingsParameters(path = parameterPath, settings = clubSettings): Record<string, string> {
  return Object.fromEntries((Object.keys(settings) as SettingKey[]).map((key) => [settingParameterName(path, key), settings[key]]));
}

/** A complete, valid trigger payload, typed as a secretary's spreadsheet would send it. */
export const validInvite = {
  parent_first_name: "Sarah",
  parent_last_name: "Testington",
  player_first_name: "Alfie",
  player_last_name: "Testington",
  team_name: "Lions",
  age_group: "u11s",
  team_manager_1_full_name: "Dave Examplesson",
  team_manager_1_tel: "07700 900456",
  parent_tel: "07700 900123",
};

/** The template variables validInvite fills, with the stack defaults for season and fees. */
export const validInviteVariables = {
  "1": "Sarah",
  "2": "Alfie",
  "3": "Lions",
  "4": "U11",
  "5": "2025-26",
  "6": "40",
  "7": "26",
  "8": "Dave Examplesson",
  "9": "07700 900456",
};

export const requiredInviteFields = [
  "parent_first_name",
  "player_first_name",
  "team_name",
  "age_group",
  "team_manager_1_full_name",
  "team_manager_1_tel",
  "parent_tel",
] as const;

/** What a parent's default message says, and the profile name WhatsApp gives them (testkit/twilio-webhook.ts). */
export const parentMessage = { body: "Ready to register Alfie", profileName: "Sarah Testington" };

/**
 * Tells the log scan the credentials, names and messages these fixtures hand to the code under
 * test, which must never reach a log. The suite's setup file calls it for every test file
 * (tests/setup/console-capture.ts); the credentials are made up in each process.
 */
export function recordFixtureValues(): void {
  recordSensitive("account SID", [testCredentials.accountSid]);
  recordSensitive("auth token", [testCredentials.authToken, otherAuthToken]);
  recordSensitive("API key", [testApiKey]);
  recordSensitive("name", [
    validInvite.parent_first_name,
    validInvite.parent_last_name,
    validInvite.player_first_name,
    validInvite.player_last_name,
    validInvite.team_manager_1_full_name,
    parentMessage.profileName,
  ]);
  recordSensitive("message body", [parentMessage.body]);
}
