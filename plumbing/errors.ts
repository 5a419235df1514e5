/**
 * Every error the handlers' own code raises, each made by a function and told apart by a type guard. A log line carries an error's name, never
 * its message, and these messages name settings, variables and outcomes, never a value a caller sent.
 *
 * Functions, not classes: Pulumi's serializer turns `class X extends Error` into a plain function that never
 * reaches Error's constructor, so in the uploaded package such an error has no message, no name, no fields and
 * is no `Error` (docs/reliability.md). Each of these is a real `Error` with its fields set on it.
 */

/** Which of these errors one is: what the guards check, since any error can carry any name. */
type ErrorKind =
  | "SettingsError"
  | "IdempotencyStoreError"
  | "RegistrationStoreError"
  | "ConversationConflictError"
  | "StatusConflictError"
  | "AwsError"
  | "RequestTimeoutError";

type SignonError<Kind extends ErrorKind, Fields extends object = object> = Error & { readonly signonError: Kind } & Readonly<Fields>;

const signonError = <Kind extends ErrorKind, Fields extends object>(
  kind: Kind,
  message: string,
  fields: Fields & { name?: string },
): SignonError<Kind, Fields> => Object.assign(new Error(message), { name: kind, signonError: kind }, fields);

const isKind = (error: unknown, kind: ErrorKind): boolean =>
  error instanceof Error && (error as { signonError?: unknown }).signonError === kind;

/** The handler's settings or the Twilio secret cannot be read as deployed; the message names which. */
export type SettingsError = SignonError<"SettingsError">;
export const settingsError = (message: string): SettingsError => signonError("SettingsError", message, {});
export const isSettingsError = (error: unknown): error is SettingsError => isKind(error, "SettingsError");

/** The idempotency table cannot be used as deployed: a variable it needs is not set. */
export type IdempotencyStoreError = SignonError<"IdempotencyStoreError">;
export const idempotencyStoreError = (message: string): IdempotencyStoreError => signonError("IdempotencyStoreError", message, {});
export const isIdempotencyStoreError = (error: unknown): error is IdempotencyStoreError => isKind(error, "IdempotencyStoreError");

/** The registrations table cannot be used as deployed: a variable it needs is not set. */
export type RegistrationStoreError = SignonError<"RegistrationStoreError">;
export const registrationStoreError = (message: string): RegistrationStoreError => signonError("RegistrationStoreError", message, {});

/** Other messages from the same parent won every race to write the conversation: this one was not applied (Twilio may retry it). */
export type ConversationConflictError = SignonError<"ConversationConflictError">;
export const conversationConflictError = (attempts: number): ConversationConflictError =>
  signonError("ConversationConflictError", `the conversation moved on at each of ${attempts} attempts`, {});

/** The registration moved on (the parent's conversation, say) at every attempt to record a delivery status. */
export type StatusConflictError = SignonError<"StatusConflictError">;
export const statusConflictError = (attempts: number): StatusConflictError =>
  signonError("StatusConflictError", `the registration moved on at each of ${attempts} attempts`, {});

/**
 * An AWS API's error answer, named after its error type (ParameterNotFound,
 * ConditionalCheckFailedException) as the AWS SDK names its errors.
 */
export type AwsError = SignonError<
  "AwsError",
  {
    type: string;
    /** The error answer itself: DynamoDB returns the existing item here on a failed condition. */
    answer: Record<string, unknown>;
    /** The HTTP status it came with: a 5xx is worth another attempt (aws/aws-retry.ts). */
    status: number;
  }
>;
export const awsError = (service: string, type: string, answer: Record<string, unknown>, status: number): AwsError =>
  signonError("AwsError", `${service} answered ${type}`, { name: type, type, answer, status });
export const isAwsError = (error: unknown, type: string): error is AwsError =>
  isKind(error, "AwsError") && (error as AwsError).type === type;

/** An outbound request outlasted its time budget. Its `code` is the socket's own for a timeout, so callers treat both alike. */
export type RequestTimeoutError = SignonError<"RequestTimeoutError", { code: "ETIMEDOUT" }>;
export const requestTimeoutError = (): RequestTimeoutError =>
  signonError("RequestTimeoutError", "request timed out", { code: "ETIMEDOUT" as const });
export const isRequestTimeoutError = (error: unknown): error is RequestTimeoutError => isKind(error, "RequestTimeoutError");
