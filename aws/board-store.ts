/**
 * The board's table: sessions, people (the team managers a secretary added) and the audit log,
 * in one DynamoDB table of its own that only the board's function may touch.
 * - a session: `session#<digest>`, the SHA-256 of its random id, never the id itself (someone who
 *   reads the table cannot sign in with what they read); the person's number, when it began and
 *   was last used; TTL at its absolute expiry;
 * - people: one partition, `people`, a team manager per sort key (their number), read with one Query;
 * - the audit log: one partition, `audit`, an entry per sort key (its time and a random suffix),
 *   read newest first; TTL at the season's retention date (domain/retention.ts).
 * A club has a dozen people and a few hundred entries a season: one partition each is plenty.
 */
import { createHash, randomUUID } from "node:crypto";
import { environmentVariables } from "../config/settings";
import type { SessionTimes, TeamManager } from "../domain/board/session";
import { type BoardTeam, parseTeam, teamLabel } from "../domain/board/team";
import type { AwsCallScope } from "../plumbing/aws-call-scope";
import { isAwsError, settingsError } from "../plumbing/errors";
import { createDynamoDbTableClient, type Item } from "./dynamodb";

export const boardTable = {
  partitionKey: "pk",
  sortKey: "sk",
  /** Epoch seconds; DynamoDB's TTL deletes the item some time after this passes. */
  expiryAttribute: "expires_at",
} as const;

/** The table as DynamoDB's CreateTable takes it: what dynalite is given locally; infra/board-table.ts declares the same. */
export function boardTableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [boardTable.partitionKey, boardTable.sortKey].map((name) => ({ AttributeName: name, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: boardTable.partitionKey, KeyType: "HASH" },
      { AttributeName: boardTable.sortKey, KeyType: "RANGE" },
    ],
  };
}

export interface StoredSession extends SessionTimes {
  /** The person's number (E.164). */
  tel: string;
}

export interface AuditEntry {
  /** ISO 8601. */
  at: string;
  /** The person's name and masked number: `Sam Secretary (+44•••••••050)`. */
  who: string;
  action: string;
  registration_id?: string;
  count?: number;
  subject?: string;
}

export interface BoardStore {
  createSession(id: string, session: StoredSession, expiresAt: number): Promise<void>;
  findSession(id: string): Promise<StoredSession | undefined>;
  touchSession(id: string, lastSeen: number): Promise<void>;
  deleteSession(id: string): Promise<void>;
  listPeople(): Promise<TeamManager[]>;
  findPerson(tel: string): Promise<TeamManager | undefined>;
  putPerson(person: TeamManager): Promise<void>;
  /** False when nobody had that number. */
  deletePerson(tel: string): Promise<boolean>;
  addAudit(entry: AuditEntry, expiresAt: number): Promise<void>;
  /** Newest first, at most `limit`. */
  listAudit(limit: number): Promise<AuditEntry[]>;
}

const sessionKey = (id: string) => `session#${createHash("sha256").update(id).digest("base64url")}`;
const str = (item: Item | undefined, name: string) => {
  const value = item?.[name];
  return value && "S" in value ? value.S : undefined;
};
const num = (item: Item | undefined, name: string) => {
  const value = item?.[name];
  return value && "N" in value ? Number(value.N) : undefined;
};

function personOf(item: Item): TeamManager {
  const labels = JSON.parse(str(item, "teams") ?? "[]") as string[];
  return {
    name: str(item, "name") ?? "",
    tel: str(item, boardTable.sortKey) ?? "",
    teams: labels.map((label) => parseTeam(label)).filter((team): team is BoardTeam => team !== undefined),
  };
}

export function createBoardStore(env: NodeJS.ProcessEnv, awsCalls?: AwsCallScope): BoardStore {
  const { call, tableName } = createDynamoDbTableClient(
    env,
    environmentVariables.boardTable,
    (variable) => settingsError(`environment variable ${variable} is not set`),
    awsCalls,
  );
  const key = (pk: string, sk: string) => ({ [boardTable.partitionKey]: { S: pk }, [boardTable.sortKey]: { S: sk } });
  const query = async (pk: string, limit: number, newestFirst: boolean): Promise<Item[]> => {
    const items: Item[] = [];
    let start: unknown;
    do {
      const page = await call("Query", {
        TableName: tableName(),
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": boardTable.partitionKey },
        ExpressionAttributeValues: { ":pk": { S: pk } },
        ScanIndexForward: !newestFirst,
        ConsistentRead: true,
        Limit: limit - items.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items;
  };

  return {
    async createSession(id, { tel, created, lastSeen }, expiresAt) {
      await call("PutItem", {
        TableName: tableName(),
        Item: {
          ...key(sessionKey(id), "session"),
          tel: { S: tel },
          created: { N: String(created) },
          last_seen: { N: String(lastSeen) },
          [boardTable.expiryAttribute]: { N: String(expiresAt) },
        },
      });
    },
    async findSession(id) {
      const { Item } = await call("GetItem", { TableName: tableName(), Key: key(sessionKey(id), "session"), ConsistentRead: true });
      const item = Item as Item | undefined;
      const tel = str(item, "tel");
      const created = num(item, "created");
      const lastSeen = num(item, "last_seen");
      return tel && created !== undefined && lastSeen !== undefined ? { tel, created, lastSeen } : undefined;
    },
    async touchSession(id, lastSeen) {
      try {
        await call("UpdateItem", {
          TableName: tableName(),
          Key: key(sessionKey(id), "session"),
          UpdateExpression: "SET #last_seen = :last_seen",
          // Not brought back by a request that raced its sign-out.
          ConditionExpression: "attribute_exists(#pk)",
          ExpressionAttributeNames: { "#last_seen": "last_seen", "#pk": boardTable.partitionKey },
          ExpressionAttributeValues: { ":last_seen": { N: String(lastSeen) } },
        });
      } catch (error) {
        if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      }
    },
    async deleteSession(id) {
      await call("DeleteItem", { TableName: tableName(), Key: key(sessionKey(id), "session") });
    },
    listPeople: async () => (await query("people", 1000, false)).map(personOf),
    async findPerson(tel) {
      const { Item } = await call("GetItem", { TableName: tableName(), Key: key("people", tel), ConsistentRead: true });
      return Item ? personOf(Item as Item) : undefined;
    },
    async putPerson({ name, tel, teams }) {
      await call("PutItem", {
        TableName: tableName(),
        Item: { ...key("people", tel), name: { S: name }, teams: { S: JSON.stringify(teams.map(teamLabel)) } },
      });
    },
    async deletePerson(tel) {
      const { Attributes } = await call("DeleteItem", { TableName: tableName(), Key: key("people", tel), ReturnValues: "ALL_OLD" });
      return Attributes !== undefined;
    },
    async addAudit(entry, expiresAt) {
      const item: Item = {
        ...key("audit", `${entry.at}#${randomUUID()}`),
        at: { S: entry.at },
        who: { S: entry.who },
        action: { S: entry.action },
        [boardTable.expiryAttribute]: { N: String(expiresAt) },
      };
      if (entry.registration_id !== undefined) item.registration_id = { S: entry.registration_id };
      if (entry.count !== undefined) item.count = { N: String(entry.count) };
      if (entry.subject !== undefined) item.subject = { S: entry.subject };
      await call("PutItem", { TableName: tableName(), Item: item });
    },
    async listAudit(limit) {
      return (await query("audit", limit, true)).map((item) => {
        const entry: AuditEntry = { at: str(item, "at") ?? "", who: str(item, "who") ?? "", action: str(item, "action") ?? "" };
        const registrationId = str(item, "registration_id");
        const count = num(item, "count");
        const subject = str(item, "subject");
        if (registrationId !== undefined) entry.registration_id = registrationId;
        if (count !== undefined) entry.count = count;
        if (subject !== undefined) entry.subject = subject;
        return entry;
      });
    },
  };
}
