/**
 * The idempotency table's shape, shared by the Pulumi program (which declares it), the
 * handlers (which read and write it) and the local runtime (which creates it in dynalite).
 * Plain data only: the handlers' serialized code captures this module by value.
 */
export const idempotencyTable = {
  /** The partition key: Powertools' hashed idempotency key, `<prefix>#<sha256>`. */
  keyAttribute: "id",
  /** Epoch seconds; DynamoDB's TTL deletes a record some time after this passes. */
  expiryAttribute: "expiration",
  /** INPROGRESS or COMPLETED, as Powertools writes it. */
  statusAttribute: "status",
} as const;

/**
 * Every record key starts with its function's prefix, and a function's role may touch only
 * keys with its own (`dynamodb:LeadingKeys`): the trigger cannot mark a webhook message, nor
 * the webhook an invite.
 */
export const functionKeyPrefixes = { trigger: "trigger.", webhook: "webhook." } as const;

/** Each kind of record's key prefix (Powertools puts `#` and the hashed key after it). */
export const idempotencyKeyPrefixes = {
  invite: `${functionKeyPrefixes.trigger}invite`,
  idempotencyKey: `${functionKeyPrefixes.trigger}idempotency-key`,
  messageSid: `${functionKeyPrefixes.webhook}message-sid`,
} as const;
