import type { StackConfig } from "./schema";
import type { SettingKey } from "./settings";

/**
 * What each run-time setting holds for a stack: written to SSM by the program, handed to
 * the handlers directly by the local runtime, so both read the same values.
 */
export function settingValues<Url>(config: StackConfig, webhookUrl: Url): Record<SettingKey, string | Url> {
  return {
    whatsappNumber: config.twilio.whatsappNumber,
    templateSid: config.twilio.templateSid,
    clubName: config.club.name,
    assistantName: config.club.assistantName,
    season: config.registration.season,
    membershipFee: config.registration.membershipFee,
    subscriptionFee: config.registration.subscriptionFee,
    webhookUrl,
  };
}
