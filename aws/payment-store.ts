/**
 * What the payment provider's events read and write in the registrations table
 * (config/registrations-table.ts): an interface, and its DynamoDB implementation beside it, as
 * registration-store.ts does. A provider's resource finds its registration through its reference
 * (`payment-ref#<resource id>` → registration id → the by-registration-id index → the parent's
 * partition); an event that comes before its resource's reference waits in that reference's
 * partition (`pending#<event id>`) until the reference is written.
 *
 * Every write is one transaction conditional on what was read: the record's payment on its
 * version, a pending event on its reference still being absent. A failed condition comes back as
 * an outcome, and the caller reads again.
 */
import { randomUUID } from "node:crypto";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { paymentReference, registrationsTable } from "../config/registrations-table";
import type { PaymentEvent, RecordedPayment } from "../domain/payments";
import type { AwsCallScope } from "../plumbing/aws-call-scope";
import { isAwsError } from "../plumbing/errors";
import type { AwsJsonCall } from "./aws-json";
import { createRegistrationsTableCall, registrationKeys } from "./registration-store";
import type { ParentContact, StoredRegistration } from "./stored-registration";

/** One of the provider's events as signon keeps it: its id, and what domain/payments.ts applies. */
export interface ProviderEvent extends PaymentEvent {
  id: string;
}

/** An event with the id of the resource it is about: what finds its registration, or what it waits under. */
export interface LinkedEvent {
  resourceId: string;
  event: ProviderEvent;
}

export type RegistrationRead =
  | { found: "registration"; registration: StoredRegistration; contact?: ParentContact }
  /** Erased: only its tombstone is left, and nothing is to be changed for it. */
  | { found: "erased" }
  | { found: "none" };

export interface PaymentWrite {
  /** The registration as read; its payment becomes `payment`, its version one up. */
  registration: StoredRegistration;
  payment: RecordedPayment;
  updatedAt: string;
  /** Resources learnt (a payment, a mandate, a subscription): each gets its reference to the registration. */
  references: string[];
  /** Pending events taken into `payment`: deleted in the same transaction. */
  taken: LinkedEvent[];
}

export interface PaymentStore {
  /** The registration id a provider's resource belongs to, if signon wrote its reference. */
  findReference(resourceId: string): Promise<string | undefined>;
  /** The registration and its parent's contact, read strongly consistent in one Query of the parent's partition. */
  readRegistration(registrationId: string): Promise<RegistrationRead>;
  /** The events waiting for these resources' references. */
  readPending(resourceIds: readonly string[]): Promise<LinkedEvent[]>;
  /** Keeps an event until its resource's reference exists: "reference_exists" when it already does (then apply it). */
  keepPending(pending: LinkedEvent, now: Date): Promise<"kept" | "reference_exists">;
  /** One transaction: the payment on the version read, the references, the taken events deleted. False when the record moved on. */
  writePayment(write: PaymentWrite): Promise<boolean>;
}

/** A week: longer than GoCardless goes on retrying a webhook it could not deliver, short for what names nobody. */
export const pendingEventSeconds = 7 * 24 * 60 * 60;

const { partitionKey: PK, sortKey: SK } = registrationsTable;
type Item = Record<string, unknown>;

const pendingKey = ({ resourceId, event }: LinkedEvent) =>
  marshall({ ...paymentReference.key(resourceId), [SK]: paymentReference.pendingSortKey(event.id) });

export function createPaymentStore(env: NodeJS.ProcessEnv = process.env, awsCalls?: AwsCallScope): PaymentStore {
  const { call: plainCall, tableName } = createRegistrationsTableCall(env, awsCalls);
  // A transaction retried after a lost answer carries the same token, so DynamoDB answers it as
  // done instead of failing its own conditions (as registration-store.ts does).
  const call: AwsJsonCall = (action, input) =>
    plainCall(action, action === "TransactWriteItems" ? { ClientRequestToken: randomUUID(), ...input } : input);

  async function queryAll(input: Item): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const answer = await call("Query", { TableName: tableName(), ...input, ...(start ? { ExclusiveStartKey: start } : {}) });
      items.push(...((answer.Items ?? []) as Item[]));
      start = answer.LastEvaluatedKey as Item | undefined;
    } while (start);
    return items;
  }

  return {
    async findReference(resourceId) {
      const answer = await call("GetItem", {
        TableName: tableName(),
        Key: marshall(paymentReference.key(resourceId)),
        ConsistentRead: true,
      });
      const item = answer.Item ? (unmarshall(answer.Item as never) as { registration_id?: unknown }) : undefined;
      return typeof item?.registration_id === "string" ? item.registration_id : undefined;
    },

    async readRegistration(registrationId) {
      const { indexName, partitionKey } = registrationsTable.byRegistrationId;
      // The index holds the registration (or its tombstone) and the references naming it: keys only.
      const keys = (
        await queryAll({
          IndexName: indexName,
          KeyConditionExpression: "#id = :id",
          ExpressionAttributeNames: { "#id": partitionKey },
          ExpressionAttributeValues: marshall({ ":id": registrationId }),
        })
      ).map((item) => (unmarshall(item as never) as { pk: string }).pk);
      const parent = keys.find((pk) => pk.startsWith("parent#"));
      if (!parent) return { found: keys.some((pk) => pk.startsWith("erased#")) ? "erased" : "none" };
      // The index is eventually consistent: the partition is read again, strongly.
      const items = await queryAll({
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": PK },
        ExpressionAttributeValues: marshall({ ":pk": parent }),
        ConsistentRead: true,
      });
      let registration: StoredRegistration | undefined;
      let contact: ParentContact | undefined;
      for (const item of items) {
        const { pk: _pk, sk, season_order: _order, write_id: _write, ...rest } = unmarshall(item as never) as Item;
        if (sk === "contact") contact = rest as unknown as ParentContact;
        else if (rest.registration_id === registrationId) registration = rest as unknown as StoredRegistration;
      }
      // Erased between the index's answer and the read.
      if (!registration) return { found: "none" };
      return { found: "registration", registration, contact };
    },

    async readPending(resourceIds) {
      const lists = await Promise.all(
        resourceIds.map(async (resourceId) =>
          (
            await queryAll({
              KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :pending)",
              ExpressionAttributeNames: { "#pk": PK, "#sk": SK },
              ExpressionAttributeValues: marshall({
                ":pk": paymentReference.key(resourceId).pk,
                ":pending": paymentReference.pendingPrefix,
              }),
              ConsistentRead: true,
            })
          ).map((item): LinkedEvent => {
            const { event_id, resource, action, at } = unmarshall(item as never) as Record<string, string>;
            return { resourceId, event: { id: event_id, resource: resource as PaymentEvent["resource"], action, at } };
          }),
        ),
      );
      return lists.flat();
    },

    async keepPending(pending, now) {
      const TableName = tableName();
      const { event } = pending;
      try {
        await call("TransactWriteItems", {
          TransactItems: [
            {
              // Absent now means the reference's writer reads this event after its own write.
              ConditionCheck: {
                TableName,
                Key: marshall(paymentReference.key(pending.resourceId)),
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: { "#pk": PK },
              },
            },
            {
              Put: {
                TableName,
                Item: {
                  ...pendingKey(pending),
                  ...marshall({
                    event_id: event.id,
                    resource: event.resource,
                    action: event.action,
                    at: event.at,
                    retain_until: Math.floor(now.getTime() / 1000) + pendingEventSeconds,
                  }),
                },
              },
            },
          ],
        });
        return "kept";
      } catch (error) {
        if (!isAwsError(error, "TransactionCanceledException")) throw error;
        const reasons = (error.answer.CancellationReasons ?? []) as { Code?: string }[];
        if (reasons[0]?.Code === "ConditionalCheckFailed") return "reference_exists";
        throw error;
      }
    },

    async writePayment({ registration, payment, updatedAt, references, taken }) {
      const TableName = tableName();
      const keys = registrationKeys(registration);
      const actions: Item[] = [
        {
          Update: {
            TableName,
            Key: marshall({ [PK]: keys.pk, [SK]: keys.sk }),
            UpdateExpression: "SET #payment = :payment, #version = :next, #updated = :updated",
            ConditionExpression: "#version = :version",
            ExpressionAttributeNames: { "#payment": "payment", "#version": "version", "#updated": "updated_at" },
            ExpressionAttributeValues: marshall(
              { ":payment": payment, ":next": registration.version + 1, ":updated": updatedAt, ":version": registration.version },
              { removeUndefinedValues: true },
            ),
          },
        },
        ...references.map((resourceId) => ({
          Put: {
            TableName,
            // Expires with the registration, as the reference the link's writer made does.
            Item: marshall({
              ...paymentReference.key(resourceId),
              registration_id: registration.registration_id,
              retain_until: registration.retain_until,
            }),
          },
        })),
        ...taken.map((pending) => ({ Delete: { TableName, Key: pendingKey(pending) } })),
      ];
      try {
        await call("TransactWriteItems", { TransactItems: actions });
        return true;
      } catch (error) {
        if (!isAwsError(error, "TransactionCanceledException")) throw error;
        const reasons = (error.answer.CancellationReasons ?? []) as { Code?: string }[];
        if (reasons.some((reason) => reason.Code === "ConditionalCheckFailed")) return false;
        throw error;
      }
    },
  };
}
