/**
 * The registrations table's shape, shared by the Pulumi program (which declares it), the
 * handlers (which read and write it) and the local runtime (which creates it in dynalite).
 * Plain data only: the handlers' serialized code captures this module by value.
 *
 * One table, keyed for the reads signon makes:
 * - a parent's registrations and their conversation state, by phone: one partition per
 *   parent (`parent#<E.164>`), read with one strongly consistent Query (the webhook);
 * - one player per season, team and age group: the sort key of a registration is its natural
 *   key's digest (`registration#<digest>`), so a second invite for the player is a failed
 *   condition on one item, not a lookup;
 * - a registration by id: the `by-registration-id` index (the club's erasure);
 * - a season by team and age group: the `by-season` index, sorted by team, age group and
 *   invite time (the secretary's export).
 * An erased registration leaves its parent's partition: a tombstone keyed by its id alone
 * keeps the fact of erasure and its date, so no key holds a phone number or a name.
 */
export const registrationsTable = {
  partitionKey: "pk",
  sortKey: "sk",
  /** Epoch seconds; DynamoDB's TTL deletes the item some time after this passes. */
  retentionAttribute: "retain_until",
  byRegistrationId: { indexName: "by-registration-id", partitionKey: "registration_id" },
  bySeason: { indexName: "by-season", partitionKey: "season", sortKey: "season_order" },
} as const;

/** The table as DynamoDB's CreateTable takes it: what dynalite is given locally, and what infra/registrations-table.ts declares. */
export function registrationsTableDefinition(tableName: string) {
  const { partitionKey, sortKey, byRegistrationId, bySeason } = registrationsTable;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [partitionKey, sortKey, byRegistrationId.partitionKey, bySeason.partitionKey, bySeason.sortKey].map((name) => ({ AttributeName: name, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: "HASH" },
      { AttributeName: sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      { IndexName: byRegistrationId.indexName, KeySchema: [{ AttributeName: byRegistrationId.partitionKey, KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" } },
      {
        IndexName: bySeason.indexName,
        KeySchema: [
          { AttributeName: bySeason.partitionKey, KeyType: "HASH" },
          { AttributeName: bySeason.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}
