/**
 * The registrations and each parent's conversation state in DynamoDB (config/registrations-table.ts
 * has the keys and why, stored-registration.ts every item's attributes): an interface for what signon does with them, and its DynamoDB
 * implementation beside it, over signed requests of our own (aws-json.ts) rather than the AWS
 * SDK's client, which would cost each cold start more to load than the function's own work
 * (bench/README.md). Items are converted with the SDK's own marshaller, `@aws-sdk/util-dynamodb`,
 * one file that loads quickly.
 *
 * Every change is conditional: a new registration on its natural key not existing and its
 * parent not having opted out; a change to a parent's conversation on the versions it read.
 * A condition that fails comes back as an outcome, never as a guess.
 */
import { createHash, randomUUID } from "node:crypto";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { ErasureLogEntry, ErasureReason } from "../config/erasure-log";
import { paymentReference, registrationsTable } from "../config/registrations-table";
import { environmentVariables } from "../config/settings";
import { naturalKey } from "../domain/natural-key";
import type { ErasedRegistration } from "../domain/registration";
import { erasureLogRetainUntil } from "../domain/retention";
import type { AwsCallScope } from "../plumbing/aws-call-scope";
import { isAwsError, registrationStoreError } from "../plumbing/errors";
import { type AwsJsonCall, requiredEnv } from "./aws-json";
import { createDynamoDbTableClient, type DynamoDbTableClient, ownWrite } from "./dynamodb";
import type {
  ContactItem,
  IdempotencyKeyItem,
  ParentContact,
  RegistrationItem,
  RegistrationKeys,
  RegistrationTombstone,
  StoredRegistration,
  TombstoneItem,
} from "./stored-registration";

type KeyOutcome =
  /** The Idempotency-Key came with another invite within its day. */
  | { outcome: "key_reused" }
  /** The same Idempotency-Key with the same invite: a retry of a request already made. */
  | { outcome: "key_repeated" };

export type CreateOutcome =
  | { outcome: "created" }
  | { outcome: "exists"; registration: StoredRegistration }
  | { outcome: "opted_out" }
  | { outcome: "key_reused" }
  /** A retry of a request already made: the registration as it stands now (undefined if it has gone since). */
  | { outcome: "key_repeated"; registration?: StoredRegistration };
export type ResendOutcome = { outcome: "created" } | { outcome: "moved" } | { outcome: "opted_out" } | KeyOutcome;

export interface ConversationWrite {
  tel: string;
  /** The contact as read (undefined when there was none) and as it is to be (undefined: deleted, as after DELETE MY DATA). */
  contact: { before?: ParentContact; after?: ParentContact };
  /** Each registration changed, as read and as it is to be; erased ones leave for a tombstone (its season and retention taken from `before`). */
  registrations: {
    before: StoredRegistration;
    after: StoredRegistration | Pick<ErasedRegistration, "registration_id" | "status" | "erased_at">;
  }[];
}

export interface SeasonPage {
  registrations: (StoredRegistration | RegistrationTombstone)[];
  /**
   * When more may follow: the last item's place in the by-season index's order (unique, as it
   * ends with the id), which the next page starts after. It names a team, age group, time and
   * id, no table key and no number; the export seals it before it leaves (handlers/export-cursor.ts).
   */
  cursor?: string;
}

export interface RegistrationStore {
  /**
   * Creates an invited registration unless the player has one already (same natural key), the
   * parent opted out, or the Idempotency-Key went with another invite. One transaction.
   */
  create(registration: StoredRegistration, idempotencyKey?: string): Promise<CreateOutcome>;
  /**
   * Claims a send for a registration (a re-sent invite, a reminder): it moves from `before` to
   * `after` unless it moved on meanwhile or the parent opted out.
   */
  claimResend(before: StoredRegistration, after: StoredRegistration, idempotencyKey?: string): Promise<ResendOutcome>;
  /** Replaces a registration if it is still at the version read; false when it moved on. */
  replace(before: StoredRegistration, after: StoredRegistration): Promise<boolean>;
  /** Removes a registration whose invite was never sent, so the next attempt sends it. */
  remove(registration: StoredRegistration): Promise<void>;
  /** A parent's registrations and contact, read strongly consistent in one Query. */
  readParent(tel: string): Promise<{ contact?: ParentContact; registrations: StoredRegistration[] }>;
  /** Applies a conversation step all or nothing; false when another step got there first. */
  writeConversation(write: ConversationWrite): Promise<boolean>;
  listSeason(season: string, filter: { team_name?: string }, cursor?: string, limit?: number): Promise<SeasonPage>;
  findById(registrationId: string): Promise<StoredRegistration | RegistrationTombstone | undefined>;
  /**
   * Erases one registration: answers and names gone, a tombstone with its id, status and date left.
   * The parent's last registration takes their contact with it; an opted-out number keeps the
   * number and its STOP alone. One transaction, on the versions read, with the erasure log's entry.
   */
  erase(registration: StoredRegistration, now: Date, reason: ErasureReason): Promise<boolean>;
  /**
   * Points a payment provider's resource (a billing request) at its registration by id alone, kept
   * as long as the registration (config/registrations-table.ts paymentReference). Writing it again
   * changes nothing that matters: one resource belongs to one registration.
   */
  putPaymentReference(resourceId: string, registration: Pick<StoredRegistration, "registration_id" | "retain_until">): Promise<void>;
}

const digest = (text: string) => createHash("sha256").update(text).digest("base64url");
const { partitionKey: PK, sortKey: SK } = registrationsTable;
const parentKey = (tel: string) => `parent#${tel}` as const;
const contactSortKey: ContactItem["sk"] = "contact";
const seasonOrderAttribute = registrationsTable.bySeason.sortKey;
/** The export's order: team, age group, then invite time; erased records last. */
const seasonOrder = (registration: StoredRegistration) =>
  [
    registration.team_name.toLocaleLowerCase("en-GB"),
    registration.age_group.toLocaleLowerCase("en-GB"),
    registration.invited_at,
    registration.registration_id,
  ].join("#");
/** The keys a registration's item has: whoever changes the item in place (aws/payment-store.ts) finds it by these. */
export const registrationKeys = (registration: StoredRegistration): RegistrationKeys => ({
  [PK]: parentKey(registration.parent_tel),
  [SK]: `registration#${digest(naturalKey(registration))}`,
  [seasonOrderAttribute]: seasonOrder(registration),
});

const keyAttributes = [PK, SK, seasonOrderAttribute, "write_id"] as const satisfies readonly (keyof RegistrationKeys)[];
type Item = Record<string, unknown>;

/** An item as its readers see it: the keys the store derived from it taken off. */
function withoutKeys<T extends StoredRegistration | RegistrationTombstone | ParentContact>(item: Item): T {
  const record = unmarshall(item as never) as Item;
  for (const attribute of keyAttributes) delete record[attribute];
  return record as T;
}

const registrationItem = (registration: StoredRegistration) =>
  marshall({ ...registration, ...registrationKeys(registration) } satisfies RegistrationItem, { removeUndefinedValues: true });
const contactItem = (contact: ParentContact) =>
  marshall({ ...contact, [PK]: parentKey(contact.parent_tel), [SK]: contactSortKey } satisfies ContactItem, {
    removeUndefinedValues: true,
  });
/** What an opted-out number's contact keeps once the parent has no registration: the number and the STOP. */
const optOutEntry = (contact: ParentContact): ParentContact => ({
  parent_tel: contact.parent_tel,
  opted_out: true,
  recent_messages: [],
  version: contact.version + 1,
});
/** What erasing `registration` leaves, kept as long as the registration would have been. */
function tombstoneItem(registration: StoredRegistration, erasedAt: string) {
  const { registration_id } = registration;
  const item: TombstoneItem = {
    registration_id,
    status: "erased",
    season: registration.season,
    erased_at: erasedAt,
    retain_until: registration.retain_until,
    [PK]: `erased#${registration_id}`,
    [SK]: "erased",
    [seasonOrderAttribute]: `~erased#${registration_id}`,
  };
  return marshall(item);
}

const versionIs = (version: number) => ({
  ConditionExpression: "#version = :version",
  ExpressionAttributeNames: { "#version": "version" },
  ExpressionAttributeValues: marshall({ ":version": version }),
});
const absent = { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": PK } };

/** An Idempotency-Key is kept a day; the invite it came with, as a digest, decides whether a repeat is a retry. */
export const idempotencyKeySeconds = 24 * 60 * 60;

/** Why DynamoDB cancelled a transaction, one entry per action; undefined for any other error. */
function cancellationReasons(error: unknown): { Code?: string; Item?: Item }[] | undefined {
  if (!isAwsError(error, "TransactionCanceledException")) return undefined;
  return (error.answer.CancellationReasons ?? []) as { Code?: string; Item?: Item }[];
}

export function createRegistrationsTableCall(env: NodeJS.ProcessEnv, awsCalls?: AwsCallScope): DynamoDbTableClient {
  return createDynamoDbTableClient(
    env,
    environmentVariables.registrationsTable,
    (variable) => registrationStoreError(`environment variable ${variable} is not set`),
    awsCalls,
  );
}

export function createRegistrationStore(
  env: NodeJS.ProcessEnv = process.env,
  awsCalls?: AwsCallScope,
  clock: () => Date = () => new Date(),
): RegistrationStore {
  const { call: plainCall, tableName } = createRegistrationsTableCall(env, awsCalls);
  // A transaction retried after a lost answer carries the same token, so DynamoDB answers it as
  // done instead of failing its own conditions: no false conflict, nothing applied twice.
  const call: AwsJsonCall = (action, input) =>
    plainCall(action, action === "TransactWriteItems" ? { ClientRequestToken: randomUUID(), ...input } : input);

  /**
   * The erasure log's entry for `registration`, a Put in the erasure's own transaction: kept apart
   * from this table, so a restore of it does not undo the erasure (config/erasure-log.ts).
   */
  const erasureLogPut = (registration: StoredRegistration, erasedAt: string, reason: ErasureReason) => ({
    Put: {
      TableName: requiredEnv(env, environmentVariables.erasureLogTable, (variable) =>
        registrationStoreError(`environment variable ${variable} is not set`),
      ),
      Item: marshall({
        registration_id: registration.registration_id,
        erased_at: erasedAt,
        reason,
        retain_until: erasureLogRetainUntil(registration.retain_until, new Date(erasedAt)),
      } satisfies ErasureLogEntry),
    },
  });

  const getItem = async <T extends StoredRegistration | RegistrationTombstone>(key: Item): Promise<T | undefined> => {
    const answer = await call("GetItem", { TableName: tableName(), Key: key, ConsistentRead: true });
    return answer.Item ? withoutKeys<T>(answer.Item as Item) : undefined;
  };

  /**
   * One transaction for an invite: the parent has not opted out, the registration's own write
   * (`write`), and the Idempotency-Key claimed for a day. "conflict" is the write's condition.
   */
  async function transactInvite(TableName: string, registration: StoredRegistration, write: Item, idempotencyKey: string | undefined) {
    const now = Math.floor(clock().getTime() / 1000);
    const invite = digest(naturalKey(registration));
    const actions: Item[] = [
      // A number that sent STOP gets nothing until START; no contact item means no opt-out.
      {
        ConditionCheck: {
          TableName,
          Key: marshall({ [PK]: parentKey(registration.parent_tel), [SK]: contactSortKey }),
          // The attribute the conversation's STOP sets and START clears (domain/registration.ts ParentState).
          ConditionExpression: "attribute_not_exists(#opted) OR #opted = :no",
          ExpressionAttributeNames: { "#opted": "opted_out" },
          ExpressionAttributeValues: marshall({ ":no": false }),
        },
      },
      write,
    ];
    if (idempotencyKey !== undefined) {
      actions.push({
        Put: {
          TableName,
          Item: marshall({
            [PK]: `idempotency-key#${digest(idempotencyKey)}`,
            [SK]: "idempotency-key",
            invite,
            retain_until: now + idempotencyKeySeconds,
          } satisfies IdempotencyKeyItem),
          // New, or a key whose day is over (DynamoDB's TTL removes it some time later).
          ConditionExpression: "attribute_not_exists(#pk) OR #until < :now",
          ExpressionAttributeNames: { "#pk": PK, "#until": "retain_until" },
          ExpressionAttributeValues: marshall({ ":now": now }),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      });
    }
    try {
      await call("TransactWriteItems", { TransactItems: actions });
      return { outcome: "created" } as const;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      if (reasons[0]?.Code === "ConditionalCheckFailed") return { outcome: "opted_out" } as const;
      const key = reasons[2];
      if (key?.Code === "ConditionalCheckFailed") {
        // The same invite again under its key is a retry: answered, never sent again.
        const sameInvite = key.Item && (unmarshall(key.Item as never) as IdempotencyKeyItem).invite === invite;
        return { outcome: sameInvite ? "key_repeated" : "key_reused" } as const;
      }
      if (reasons[1]?.Code === "ConditionalCheckFailed") return "conflict" as const;
      throw error;
    }
  }

  async function readParent(tel: string) {
    const registrations: StoredRegistration[] = [];
    let contact: ParentContact | undefined;
    let start: Item | undefined;
    do {
      const answer = await call("Query", {
        TableName: tableName(),
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": PK },
        ExpressionAttributeValues: marshall({ ":pk": parentKey(tel) }),
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      for (const item of (answer.Items ?? []) as Item[]) {
        const sortKey = (item[SK] as { S: string }).S;
        if (sortKey === contactSortKey) contact = withoutKeys<ParentContact>(item);
        else registrations.push(withoutKeys<StoredRegistration>(item));
      }
      start = answer.LastEvaluatedKey as Item | undefined;
    } while (start);
    registrations.sort((a, b) => a.invited_at.localeCompare(b.invited_at));
    return { contact, registrations };
  }

  return {
    async create(registration, idempotencyKey) {
      const TableName = tableName();
      const item = registrationItem(registration);
      const put = { Put: { TableName, Item: item, ...absent, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
      const outcome = await transactInvite(TableName, registration, put, idempotencyKey);
      const key = { [PK]: item[PK], [SK]: item[SK] };
      if (outcome !== "conflict") {
        return outcome.outcome === "key_repeated"
          ? { outcome: "key_repeated", registration: await getItem<StoredRegistration>(key) }
          : outcome;
      }
      const existing = await getItem<StoredRegistration>(key);
      // Gone between the failed condition and the read (erased, say): the caller may try again.
      if (!existing) throw new Error("registration vanished while being invited");
      return { outcome: "exists", registration: existing };
    },

    async claimResend(before, after, idempotencyKey) {
      const TableName = tableName();
      const put = { Put: { TableName, Item: registrationItem(after), ...versionIs(before.version) } };
      const outcome = await transactInvite(TableName, before, put, idempotencyKey);
      return outcome === "conflict" ? { outcome: "moved" } : outcome;
    },

    async replace(before, after) {
      // A retry after a lost answer finds its own write, not a registration that moved on.
      const own = ownWrite();
      const version = versionIs(before.version);
      try {
        await call("PutItem", {
          TableName: tableName(),
          Item: { ...registrationItem(after), ...own.item },
          ConditionExpression: `${version.ConditionExpression} OR ${own.condition}`,
          ExpressionAttributeNames: { ...version.ExpressionAttributeNames, ...own.names },
          ExpressionAttributeValues: { ...version.ExpressionAttributeValues, ...own.values },
        });
        return true;
      } catch (error) {
        if (isAwsError(error, "ConditionalCheckFailedException")) return false;
        throw error;
      }
    },

    async remove(registration) {
      const item = registrationItem(registration);
      try {
        await call("DeleteItem", { TableName: tableName(), Key: { [PK]: item[PK], [SK]: item[SK] }, ...versionIs(registration.version) });
      } catch (error) {
        if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      }
    },

    readParent,

    async writeConversation({ tel, contact, registrations }) {
      const TableName = tableName();
      const actions: Item[] = [];
      const readVersion = contact.before ? versionIs(contact.before.version) : absent;
      if (contact.after) actions.push({ Put: { TableName, Item: contactItem(contact.after), ...readVersion } });
      else if (contact.before)
        actions.push({ Delete: { TableName, Key: marshall({ [PK]: parentKey(tel), [SK]: contactSortKey }), ...readVersion } });
      for (const { before, after } of registrations) {
        if (after.status === "erased") {
          const old = registrationItem(before);
          actions.push({ Delete: { TableName, Key: { [PK]: old[PK], [SK]: old[SK] }, ...versionIs(before.version) } });
          actions.push({ Put: { TableName, Item: tombstoneItem(before, after.erased_at) } });
          actions.push(erasureLogPut(before, after.erased_at, "parent"));
        } else {
          actions.push({ Put: { TableName, Item: registrationItem(after as StoredRegistration), ...versionIs(before.version) } });
        }
      }
      try {
        await call("TransactWriteItems", { TransactItems: actions });
        return true;
      } catch (error) {
        if (cancellationReasons(error)?.some((reason) => reason.Code === "ConditionalCheckFailed")) return false;
        throw error;
      }
    },

    async listSeason(season, filter, cursor, limit = 1000) {
      const { indexName, partitionKey, sortKey } = registrationsTable.bySeason;
      const prefix = filter.team_name ? `${filter.team_name.toLocaleLowerCase("en-GB")}#` : undefined;
      // A key condition takes one comparison of the sort key: a team's page after the cursor is
      // BETWEEN the cursor (its own item dropped below) and `<team>$`, as `$` follows `#`.
      const order = prefix
        ? cursor
          ? { condition: "#order BETWEEN :after AND :end", values: { ":after": cursor, ":end": `${prefix.slice(0, -1)}$` } }
          : { condition: "begins_with(#order, :prefix)", values: { ":prefix": prefix } }
        : cursor
          ? { condition: "#order > :after", values: { ":after": cursor } }
          : undefined;
      const answer = await call("Query", {
        TableName: tableName(),
        IndexName: indexName,
        KeyConditionExpression: order ? `#season = :season AND ${order.condition}` : "#season = :season",
        ExpressionAttributeNames: { "#season": partitionKey, ...(order ? { "#order": sortKey } : {}) },
        ExpressionAttributeValues: marshall({ ":season": season, ...order?.values }),
        Limit: limit,
      });
      const items = ((answer.Items ?? []) as Item[]).filter((item) => (item[sortKey] as { S: string }).S !== cursor);
      const last = answer.LastEvaluatedKey as Item | undefined;
      return {
        registrations: items.map((item) => withoutKeys<StoredRegistration | RegistrationTombstone>(item)),
        cursor: last ? (last[sortKey] as { S: string }).S : undefined,
      };
    },

    async findById(registrationId) {
      const { indexName, partitionKey } = registrationsTable.byRegistrationId;
      const answer = await call("Query", {
        TableName: tableName(),
        IndexName: indexName,
        KeyConditionExpression: "#id = :id",
        ExpressionAttributeNames: { "#id": partitionKey },
        ExpressionAttributeValues: marshall({ ":id": registrationId }),
      });
      // The index also holds the payment references pointing at the registration (paymentReference).
      const found = ((answer.Items ?? []) as Item[]).find((item) => !(item[PK] as { S: string }).S.startsWith("payment-ref#"));
      // The index is eventually consistent: the item itself is read by its own key.
      return found ? getItem({ [PK]: found[PK], [SK]: found[SK] }) : undefined;
    },

    async putPaymentReference(resourceId, { registration_id, retain_until }) {
      await call("PutItem", {
        TableName: tableName(),
        Item: marshall({ ...paymentReference.key(resourceId), registration_id, retain_until }),
      });
    },

    async erase(registration, now, reason) {
      const TableName = tableName();
      const old = registrationItem(registration);
      const { contact, registrations } = await readParent(registration.parent_tel);
      const actions: Item[] = [
        { Delete: { TableName, Key: { [PK]: old[PK], [SK]: old[SK] }, ...versionIs(registration.version) } },
        { Put: { TableName, Item: tombstoneItem(registration, now.toISOString()) } },
        erasureLogPut(registration, now.toISOString(), reason),
      ];
      const last = registrations.every((other) => other.registration_id === registration.registration_id);
      if (contact && last) {
        const contactKey = marshall({ [PK]: parentKey(contact.parent_tel), [SK]: contactSortKey });
        // The number goes with the parent's last registration, but a STOP stays as the number and
        // the STOP alone, so that nothing is sent to it again (docs/data-protection.md).
        actions.push(
          contact.opted_out
            ? { Put: { TableName, Item: contactItem(optOutEntry(contact)), ...versionIs(contact.version) } }
            : { Delete: { TableName, Key: contactKey, ...versionIs(contact.version) } },
        );
      }
      try {
        await call("TransactWriteItems", { TransactItems: actions });
        return true;
      } catch (error) {
        if (cancellationReasons(error)) return false;
        throw error;
      }
    },
  };
}
