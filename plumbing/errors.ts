/**
 * Every error the handlers' own code raises, each a class with its name and a type guard. A log line carries an error's name, never its message, and
 * these messages name settings, variables and outcomes, never a value a caller sent.
 */

/** The handler's settings or the Twilio secret cannot be read as deployed; the message names which. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

export const isSettingsError = (error: unknown): error is SettingsError => error instanceof SettingsError;

/** The idempotency table cannot be used as deployed: a variable it needs is not set. */
export class IdempotencyStoreError extends Error {
  override readonly name = "IdempotencyStoreError";
}

export const isIdempotencyStoreError = (error: unknown): error is IdempotencyStoreError => error instanceof IdempotencyStoreError;

/** The registrations table cannot be used as deployed: a variable it needs is not set. */
export class RegistrationStoreError extends Error {
  override readonly name = "RegistrationStoreError";
}

/** Other messages from the same parent won every race to write the conversation: this one was not applied (Twilio may retry it). */
export class ConversationConflictError extends Error {
  override readonly name = "ConversationConflictError";
  constructor(attempts: number) {
    super(`the conversation moved on at each of ${attempts} attempts`);
  }
}

/** The registration moved on (the parent's conversation, say) at every attempt to record a delivery status. */
export class StatusConflictError extends Error {
  override readonly name = "StatusConflictError";
  constructor(attempts: number) {
    super(`the registration moved on at each of ${attempts} attempts`);
  }
}

/**
 * An AWS API's error answer, named after its error type (ParameterNotFound,
 * ConditionalCheckFailedException) as the AWS SDK names its errors.
 */
export class AwsError extends Error {
  constructor(
    service: string,
    readonly type: string,
    /** The error answer itself: DynamoDB returns the existing item here on a failed condition. */
    readonly answer: Record<string, unknown>,
    /** The HTTP status it came with: a 5xx is worth another attempt (aws/aws-retry.ts). */
    readonly status: number,
  ) {
    super(`${service} answered ${type}`);
    this.name = type;
  }
}

export const isAwsError = (error: unknown, type: string): error is AwsError => error instanceof AwsError && error.type === type;

/** An outbound request outlasted its time budget. Its `code` is the socket's own for a timeout, so callers treat both alike. */
export class RequestTimeoutError extends Error {
  override readonly name = "RequestTimeoutError";
  readonly code = "ETIMEDOUT";

  constructor() {
    super("request timed out");
  }
}

export const isRequestTimeoutError = (error: unknown): error is RequestTimeoutError => error instanceof RequestTimeoutError;
