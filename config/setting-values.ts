import type { StackConfig } from "./schema";
import type { SettingKey } from "./settings";

/** The optional questions a club asks, as the script names them; `none` when every one is off (SSM refuses an empty value). */
export function optionalSteps(conversation: StackConfig["conversation"]): string {
  const asked = [
    conversation.medical && "medical",
    conversation.emergencyContact && "emergency_contact",
    conversation.photoConsent && "photo_consent",
  ].filter(Boolean);
  return asked.length > 0 ? asked.join(",") : "none";
}

/** What Parameter Store holds for a stack without a reminder template (it refuses an empty value). */
export const noReminderTemplate = "none";

/**
 * What each run-time setting holds for a stack: written to SSM by the program, handed to
 * the handlers directly by the local runtime, so both read the same values.
 */
export function settingValues<Url>(
  config: StackConfig,
  webhookUrl: Url,
  exportApiKeyId: Url,
  statusCallbackUrl: Url,
): Record<SettingKey, string | Url> {
  return {
    whatsappNumber: config.twilio.whatsappNumber,
    templateSid: config.twilio.templateSid,
    clubName: config.club.name,
    assistantName: config.club.assistantName,
    season: config.registration.season,
    membershipFee: config.registration.membershipFee,
    subscriptionFee: config.registration.subscriptionFee,
    allowFeeOverrides: String(config.registration.allowFeeOverrides),
    webhookUrl,
    statusCallbackUrl,
    codeOfConductUrl: config.club.codeOfConductUrl,
    privacyNoticeUrl: config.club.privacyNoticeUrl,
    paymentUrl: config.registration.paymentUrl,
    retentionYears: String(config.registration.retentionYears),
    optionalSteps: optionalSteps(config.conversation),
    exportApiKeyId,
    reminderTemplateSid: config.twilio.reminderTemplateSid ?? noReminderTemplate,
    reminderAfterDays: String(config.reminders.afterDays),
    reminderMax: String(config.reminders.max),
  };
}
