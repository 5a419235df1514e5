/**
 * The transactions proxy in front of dynalite, driven by the AWS SDK's own DynamoDB client, so
 * what the handlers meet locally is what DynamoDB answers: all or nothing, cancellation
 * reasons per action, the old item when asked for, and no half-done transaction visible.
 */
import type { AddressInfo } from "node:net";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTransactionsProxy, type TransactionsProxy } from "../../local/stand-ins/dynamodb-transactions";

const TableName = "transactions-test";
let server: ReturnType<typeof dynalite>;
let proxy: TransactionsProxy;
let client: DynamoDBClient;

const key = (pk: string) => ({ pk: { S: pk } });
const get = async (pk: string) => (await client.send(new GetItemCommand({ TableName, Key: key(pk), ConsistentRead: true }))).Item;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  proxy = await startTransactionsProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  client = new DynamoDBClient({
    endpoint: proxy.url,
    region: "eu-north-1",
    credentials: { accessKeyId: "fake-access-key-for-local-stand-ins", secretAccessKey: "fake-secret-key-for-local-stand-ins" },
  });
  await client.send(
    new CreateTableCommand({
      TableName,
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  await client.send(new PutItemCommand({ TableName, Item: { ...key("counter"), version: { N: "1" } } }));
});

afterAll(async () => {
  client?.destroy();
  await proxy?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe("TransactWriteItems over dynalite", () => {
  it("applies every action when every condition holds, and leaves no marker from a ConditionCheck", async () => {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName,
              Key: key("counter"),
              ConditionExpression: "version = :one",
              ExpressionAttributeValues: { ":one": { N: "1" } },
            },
          },
          { Put: { TableName, Item: { ...key("a"), value: { S: "first" } }, ConditionExpression: "attribute_not_exists(pk)" } },
          {
            Update: {
              TableName,
              Key: key("b"),
              UpdateExpression: "SET #v = :v",
              ExpressionAttributeNames: { "#v": "value" },
              ExpressionAttributeValues: { ":v": { S: "second" } },
            },
          },
        ],
      }),
    );
    expect(await get("a")).toEqual({ ...key("a"), value: { S: "first" } });
    expect(await get("b")).toEqual({ ...key("b"), value: { S: "second" } });
    expect(await get("counter")).toEqual({ ...key("counter"), version: { N: "1" } });
  });

  it("applies nothing when one condition fails, and says which with the old item", async () => {
    const attempt = client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: key("b"),
              UpdateExpression: "SET #v = :v",
              ExpressionAttributeNames: { "#v": "value" },
              ExpressionAttributeValues: { ":v": { S: "changed" } },
            },
          },
          { Delete: { TableName, Key: key("counter") } },
          {
            Put: {
              TableName,
              Item: { ...key("a"), value: { S: "again" } },
              ConditionExpression: "attribute_not_exists(pk)",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
        ],
      }),
    );
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
    expect(reasons.map((reason) => reason.Code)).toEqual(["None", "None", "ConditionalCheckFailed"]);
    expect(reasons[2].Item).toEqual({ ...key("a"), value: { S: "first" } });
    expect(await get("b")).toEqual({ ...key("b"), value: { S: "second" } });
    expect(await get("counter")).toEqual({ ...key("counter"), version: { N: "1" } });
  });

  it("refuses two actions on one item, as DynamoDB does", async () => {
    const error = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Delete: { TableName, Key: key("a") } }, { Put: { TableName, Item: { ...key("a") } } }],
        }),
      )
      .catch((caught: unknown) => caught);
    expect((error as Error).name).toBe("ValidationException");
    expect(await get("a")).toEqual({ ...key("a"), value: { S: "first" } });
  });

  it("lets one of two racing version-conditioned transactions win", async () => {
    const bump = (writer: string) =>
      client
        .send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Update: {
                  TableName,
                  Key: key("counter"),
                  UpdateExpression: "SET version = :two",
                  ConditionExpression: "version = :one",
                  ExpressionAttributeValues: { ":one": { N: "1" }, ":two": { N: "2" } },
                },
              },
              { Put: { TableName, Item: { ...key(`winner-${writer}`) } } },
            ],
          }),
        )
        .then(
          () => writer,
          (error: Error) => error.name,
        );
    const outcomes = await Promise.all([bump("x"), bump("y")]);
    expect(outcomes.filter((outcome) => outcome === "TransactionCanceledException")).toHaveLength(1);
    const winner = outcomes.find((outcome) => outcome !== "TransactionCanceledException");
    expect(await get(`winner-${winner}`)).toBeDefined();
    expect(await get(`winner-${winner === "x" ? "y" : "x"}`)).toBeUndefined();
  });
});

describe("what dynalite leaves out", () => {
  it("returns the old item with a single write's failed condition when asked", async () => {
    const error = await client
      .send(
        new PutItemCommand({
          TableName,
          Item: { ...key("a") },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).Item).toEqual({ ...key("a"), value: { S: "first" } });
  });

  it("reads several items consistently with TransactGetItems", async () => {
    const answer = await client.send(
      new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName, Key: key("a") } }, { Get: { TableName, Key: key("missing") } }] }),
    );
    expect(answer.Responses).toEqual([{ Item: { ...key("a"), value: { S: "first" } } }, {}]);
  });
});

describe("a retried transaction", () => {
  it("answers success and changes nothing when its ClientRequestToken already went through", async () => {
    const bump = (version: string, next: string) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: "token-for-one-step",
        TransactItems: [
          {
            Update: {
              TableName,
              Key: key("counter"),
              UpdateExpression: "SET version = :next",
              ConditionExpression: "version = :version",
              ExpressionAttributeValues: { ":version": { N: version }, ":next": { N: next } },
            },
          },
        ],
      });
    const before = (await get("counter"))?.version?.N ?? "";
    const next = String(Number(before) + 1);
    await client.send(bump(before, next));
    await client.send(bump(before, next));
    expect((await get("counter"))?.version).toEqual({ N: next });
    const mismatch = await client.send(bump(next, String(Number(next) + 1))).catch((caught: unknown) => caught);
    expect((mismatch as Error).name).toBe("IdempotentParameterMismatchException");
  });
});
