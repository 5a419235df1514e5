/**
 * The idempotency table's shape, shared by the Pulumi program (which declares it), the
 * handlers (which read and write it) and the local runtime (which creates it in dynalite).
 * Plain data only: the handlers' serialized code captures this module by value.
 */
export const idempotencyTable = {
  /** The partition key: the function's prefix and the hashed key, `<prefix>#<sha256>`. */
  keyAttribute: "id",
  /** Epoch seconds; DynamoDB's TTL deletes a record some time after this passes. */
  expiryAttribute: "expiration",
  /** COMPLETED once the record's work is done. */
  statusAttribute: "status",
} as const;
