/**
 * The run-time settings: SSM parameters the program writes and the handlers read, each named
 * once here (its value from the stack config: settingValues in config/schema.ts; the handlers
 * that read it: their `...SettingKeys`). Shared by both sides so a name can never drift between
 * writer and reader. Plain data only: the handlers' serialized code captures this module by value.
 */
export const settingParameterNames = {
  whatsappNumber: "whatsapp-number",
  templateSid: "template-sid",
  clubName: "club-name",
  assistantName: "assistant-name",
  season: "season",
  membershipFee: "membership-fee",
  subscriptionFee: "subscription-fee",
  /** `true` or `false`: whether an invite may give fees other than the two above. */
  allowFeeOverrides: "allow-fee-overrides",
  webhookUrl: "webhook-url",
  /** The public URL of POST /status, which every message sent asks Twilio to post its delivery statuses to. */
  statusCallbackUrl: "status-callback-url",
  codeOfConductUrl: "code-of-conduct-url",
  privacyNoticeUrl: "privacy-notice-url",
  paymentUrl: "payment-url",
  retentionYears: "retention-years",
  /** Days a declined or handed-over registration keeps its answers: then the reminders run reduces it to a tombstone. */
  closedRetentionDays: "closed-retention-days",
  /** The optional questions asked, comma-separated: `medical,emergency_contact,photo_consent`. */
  optionalSteps: "optional-steps",
  /** The export API key's id: API Gateway accepts either key on any keyed route, so the export function checks which one came. */
  exportApiKeyId: "export-api-key-id",
  /** The approved reminder template's SID, or `none` (SSM refuses an empty value): then no reminder is sent. */
  reminderTemplateSid: "reminder-template-sid",
  reminderAfterDays: "reminder-after-days",
  reminderMax: "reminder-max",
  /** The club's Twilio Verify service: the board's sign-in codes. */
  verifyServiceSid: "verify-service-sid",
  /** The board's secretaries as JSON, `[{"name": ..., "tel": "+44..."}]`. */
  boardSecretaries: "board-secretaries",
  /** `gocardless`, or `none`: then parents are sent paymentUrl, as before payments (PAYMENTS.md). */
  paymentProvider: "payment-provider",
  /** `sandbox` or `live`: which of GoCardless's APIs (`none` without a provider). */
  paymentsEnvironment: "payments-environment",
  /** How many monthly payments a registration's subscription takes. */
  subscriptionMonths: "subscription-months",
  /** The page the payment provider sends a parent back to once they have paid (the payments function's GET /payments/thanks). */
  paymentReturnUrl: "payment-return-url",
  /** The approved template carrying a payment link outside WhatsApp's 24-hour window, or `none`: then no such reminder is sent. */
  paymentTemplateSid: "payment-template-sid",
} as const;

export type SettingKey = keyof typeof settingParameterNames;

/** What Parameter Store holds for a stack without a reminder template (it refuses an empty value). */
export const noReminderTemplate = "none";

/** What Parameter Store holds for a stack without a payment provider, its environment and payment template. */
export const noPaymentProvider = "none";

/** Environment variables that point a handler at its settings (names only, never values of secrets). */
export const environmentVariables = {
  parameterPath: "SIGNON_PARAMETER_PATH",
  twilioSecretName: "SIGNON_TWILIO_SECRET_NAME",
  /** The export's alone: the secret holding the key its cursors are sealed with (handlers/export-cursor.ts). */
  cursorKeySecretName: "SIGNON_CURSOR_KEY_SECRET_NAME",
  idempotencyTable: "SIGNON_IDEMPOTENCY_TABLE",
  registrationsTable: "SIGNON_REGISTRATIONS_TABLE",
  erasureLogTable: "SIGNON_ERASURE_LOG_TABLE",
  /** The board's alone: its sessions, people and audit log (aws/board-store.ts). */
  boardTable: "SIGNON_BOARD_TABLE",
  /** The payment provider's secret (its access token and webhook secret), for a stack with signon:payments. */
  paymentSecretName: "SIGNON_PAYMENT_SECRET_NAME",
  /** The club's slug: the Club dimension of the business metrics (plumbing/metrics.ts). */
  club: "SIGNON_CLUB",
  /** The stack: the Stage dimension of the business metrics. */
  stage: "SIGNON_STAGE",
  /** Points GoCardless's API elsewhere (npm start's stand-in); never set in AWS. */
  goCardlessApiBaseUrl: "GOCARDLESS_API_BASE_URL",
} as const;

/** The page the payment provider's hosted page returns a parent to: the payments function serves it. */
export const paymentReturnPath = "/payments/thanks";

/** Parameter Store's pass-through path for reading a Secrets Manager secret. */
export const secretsManagerReferencePrefix = "/aws/reference/secretsmanager/";

export function settingParameterName(parameterPath: string, key: SettingKey): string {
  return `${parameterPath}/${settingParameterNames[key]}`;
}
