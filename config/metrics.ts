/** CloudWatch namespace of signon's business metrics (Embedded Metric Format lines written by the handlers). */
export const metricsNamespace = "signon";
/** Every metric a dimension set of Club (the slug) and Stage (the stack); those with an error code a second set with it. */
export const businessMetrics = {
  InvitesSent: { unit: "Count", byErrorCode: false },
  InvitesRefused: { unit: "Count", byErrorCode: true }, // Twilio refused the send: its error code (e.g. 63016)
  MessagesApplied: { unit: "Count", byErrorCode: false }, // a parent's message applied to the conversation
  RegistrationsSubmitted: { unit: "Count", byErrorCode: false },
  HandedToClub: { unit: "Count", byErrorCode: false }, // needs_club
  OptedOut: { unit: "Count", byErrorCode: false },
  RemindersSent: { unit: "Count", byErrorCode: false }, // conversation and payment reminders
  DeliveriesFailed: { unit: "Count", byErrorCode: true }, // status callback failed/undelivered: ErrorCode
  PaymentsReceived: { unit: "Count", byErrorCode: false }, // a fee paid (PAYMENTS.md)
  PaymentsFailed: { unit: "Count", byErrorCode: false },
  TwilioAlerts: { unit: "Count", byErrorCode: true }, // Twilio Debugger events posted to POST /twilio/alerts
} as const;
export type BusinessMetric = keyof typeof businessMetrics;
/** The dimension names: never a phone number, name or id. */
export const metricDimensions = { club: "Club", stage: "Stage", errorCode: "ErrorCode" } as const;
