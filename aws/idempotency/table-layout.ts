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
