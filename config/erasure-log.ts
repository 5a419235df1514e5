/**
 * The erasure log's shape, shared by the Pulumi program (which declares it), the store (which
 * writes it in the transaction of each erasure) and the local runtime (which creates it in
 * dynalite). Plain data only: the handlers' serialized code captures this module by value.
 *
 * A table of its own, so that restoring the registrations table from a backup does not undo it:
 * what the log holds is re-applied to the restored table (cli/reapply-erasures.ts). Each entry is
 * a registration id, the date and why, nothing personal.
 */
export const erasureLog = {
  partitionKey: "registration_id",
  /** Epoch seconds; DynamoDB's TTL deletes the entry after this (domain/retention.ts erasureLogRetainUntil). */
  retentionAttribute: "retain_until",
} as const;

/**
 * Why a registration was erased: the club's `DELETE /registrations/{id}`, the parent's DELETE MY
 * DATA, or the reminders run reducing a declined or handed-over registration once the club's
 * period for it was over.
 */
export type ErasureReason = "club" | "parent" | "closed";

export interface ErasureLogEntry {
  registration_id: string;
  /** ISO */
  erased_at: string;
  reason: ErasureReason;
  retain_until: number;
}

/** The table as DynamoDB's CreateTable takes it: what dynalite is given locally, and what infra/erasure-log-table.ts declares. */
export function erasureLogTableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: erasureLog.partitionKey, AttributeType: "S" }],
    KeySchema: [{ AttributeName: erasureLog.partitionKey, KeyType: "HASH" }],
  };
}
