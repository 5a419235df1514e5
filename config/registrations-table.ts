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

/**
 * A payment provider's resource (a billing request, payment, mandate or subscription) pointing at
 * its registration by id alone, so the provider's events find it (the by-registration-id index
 * gives the rest) and the item holds nothing personal. Whoever learns a resource's id writes its
 * reference; it expires with the registration's retention date.
 */
export const paymentReference = {
  key: (resourceId: string) => ({ pk: `payment-ref#${resourceId}`, sk: "payment-ref" }),
  leadingKey: "payment-ref#*",
  /**
   * An event about a resource whose reference is not written yet (a payment's event that overtook
   * its billing request's), kept in that reference's partition until the reference comes:
   * the event's id, resource, action and time, nothing personal, expiring within days.
   */
  pendingSortKey: (eventId: string) => `pending#${eventId}`,
  pendingPrefix: "pending#",
} as const;

/** The table as DynamoDB's CreateTable takes it: what dynalite is given locally, and what infra/registrations-table.ts declares. */
export function registrationsTableDefinition(tableName: string) {
  const { partitionKey, sortKey, byRegistrationId, bySeason } = registrationsTable;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [partitionKey, sortKey, byRegistrationId.partitionKey, bySeason.partitionKey, bySeason.sortKey].map((name) => ({
      AttributeName: name,
      AttributeType: "S",
    })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: "HASH" },
      { AttributeName: sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: byRegistrationId.indexName,
        KeySchema: [{ AttributeName: byRegistrationId.partitionKey, KeyType: "HASH" }],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
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

/**
 * What each function may do to the registrations table (infra/handler-function.ts turns these
 * into its role's policy). No Scan anywhere; Query only where a read needs one. A transaction
 * needs the actions of its parts (ConditionCheckItem for its checks), as IAM evaluates them.
 */
const accessOfEachFunction = {
  /** The trigger: one transaction per invite (opt-out check, the registration, its Idempotency-Key), then the send's outcome. */
  invite: {
    table: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"],
    indexes: [],
    leadingKeys: ["parent#*", "idempotency-key#*"],
  },
  /**
   * The webhook: a parent's partition read with one Query, each step written in one transaction (Puts and Deletes, no checks),
   * erasure to tombstones; a submission's payment link kept on the registration, and its billing request's reference.
   */
  conversation: {
    table: ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
    indexes: [],
    leadingKeys: ["parent#*", "erased#*", paymentReference.leadingKey],
  },
  /**
   * The secretary's export and the club's erasure: the season index, a registration by id, its
   * tombstone, and the parent's partition read with one Query (the last registration takes the
   * contact with it). On the table it touches only a parent's partition and a tombstone's key. Its
   * index Queries (a separate statement) carry no condition: their partition keys are a season and
   * a registration id, any of which the club may ask for, so a condition could only be `*`.
   */
  export: {
    table: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
    indexes: [registrationsTable.bySeason.indexName, registrationsTable.byRegistrationId.indexName],
    leadingKeys: ["parent#*", "erased#*"],
  },
  /** Twilio's status callbacks: the parent's partition read with one Query, the invite's registration replaced on its version. */
  status: {
    table: ["dynamodb:Query", "dynamodb:PutItem"],
    indexes: [],
    leadingKeys: ["parent#*"],
  },
  /**
   * The reminders: the season index for who waits, each parent's partition read again consistently, a claim per reminder
   * (opt-out check and the registration's conditional write); closed registrations reduced to tombstones (and the contact with the last);
   * the reference of a billing request it made for a payment link GoCardless could not give at submission.
   */
  remind: {
    table: ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"],
    indexes: [registrationsTable.bySeason.indexName],
    leadingKeys: ["parent#*", "erased#*", paymentReference.leadingKey],
  },
  /**
   * GoCardless's events (POST /payments/gocardless): a reference by key, the registration's id through
   * the by-registration-id index, the parent's partition read with one Query (the record, the contact),
   * then one transaction: the record's payment updated on its version, references written, events
   * kept pending (each on a ConditionCheck that its reference is still absent) or taken in and deleted.
   */
  payments: {
    table: [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:ConditionCheckItem",
    ],
    indexes: [registrationsTable.byRegistrationId.indexName],
    leadingKeys: ["parent#*", paymentReference.leadingKey],
  },
} as const satisfies Record<string, TableAccess>;

interface TableAccess {
  table: readonly string[];
  indexes: readonly string[];
  leadingKeys: readonly string[] | undefined;
}

/** Each value of the lists once, in the order first met. */
const union = (...lists: readonly (readonly string[])[]): string[] =>
  lists.flat().filter((value, index, all) => all.indexOf(value) === index);
const unionOf = (...accesses: readonly TableAccess[]): TableAccess => ({
  table: union(...accesses.map((access) => access.table)),
  indexes: union(...accesses.map((access) => access.indexes)),
  leadingKeys: union(...accesses.map((access) => access.leadingKeys ?? [])),
});

export const registrationsAccess = {
  ...accessOfEachFunction,
  /**
   * The board's data routes: they invite and resend through the trigger's code, and list, export
   * and erase through the export's, so they hold exactly those two's rights, taken from them: a
   * right either gains (or loses), the board's does too.
   */
  board: unionOf(accessOfEachFunction.invite, accessOfEachFunction.export),
};

export type RegistrationsAccess = keyof typeof registrationsAccess;
