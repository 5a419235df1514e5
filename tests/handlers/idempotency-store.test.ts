/**
 * The duplicate check's store on the path only real DynamoDB takes. With
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD`, DynamoDB answers a failed conditional PutItem
 * with the existing item in the error's body, and the store hands it to Powertools, which then
 * needs no GetItem. dynalite leaves `Item` out (architect/dynalite#182), so here a loopback
 * server in front of dynalite answers as DynamoDB does: dynalite's own 400, plus the item it
 * holds. The AWS SDK's DynamoDB client reads `Item` from that very answer, which checks its shape.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from "@aws-lambda-powertools/idempotency";
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createIdempotencyTableClient } from "../../aws/dynamodb";
import { createRunOnce, type IdempotencyRule } from "../../aws/idempotency/run-once";
import { idempotencyTable } from "../../aws/idempotency/table-layout";
import { type DynamoDbStandIn, startDynamoDbStandIn } from "../../local/stand-ins/dynamodb-stand-in";

const conditionFailedType = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException";

interface RealDynamoDb {
  url: string;
  /** The X-Amz-Target action of each request, in order. */
  actions: string[];
  /** dynalite's own answers to failed conditions, before the item was added. */
  dynaliteConditionAnswers: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Forwards every request to dynalite; adds the existing item to a failed PutItem's answer when asked for ALL_OLD. */
async function startRealDynamoDbAnswers(dynalite: DynamoDbStandIn): Promise<RealDynamoDb> {
  const { call } = createIdempotencyTableClient(dynalite.env);
  const actions: string[] = [];
  const dynaliteConditionAnswers: Record<string, unknown>[] = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const action = String(request.headers["x-amz-target"]).split(".")[1];
    actions.push(action);
    const forwarded = await fetch(`${dynalite.url}/`, {
      method: "POST",
      headers: Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => name !== "host" && name !== "content-length"),
      ) as Record<string, string>,
      body,
    });
    const answer = (await forwarded.json()) as Record<string, unknown>;
    const input = JSON.parse(body) as { TableName: string; Item?: Record<string, unknown>; ReturnValuesOnConditionCheckFailure?: string };
    if (action === "PutItem" && answer.__type === conditionFailedType && input.ReturnValuesOnConditionCheckFailure === "ALL_OLD") {
      dynaliteConditionAnswers.push({ ...answer });
      const key = { [idempotencyTable.keyAttribute]: input.Item![idempotencyTable.keyAttribute] };
      answer.Item = (await call("GetItem", { TableName: input.TableName, Key: key, ConsistentRead: true })).Item;
    }
    response.writeHead(forwarded.status, { "Content-Type": "application/x-amz-json-1.0" }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    actions,
    dynaliteConditionAnswers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Invite {
  inviteKey: string;
  invite: string;
}

const rule: IdempotencyRule = { keyField: "inviteKey", sameField: "invite", expiresAfterSeconds: 3600, keyPrefix: "trigger.test" };
const lambdaContext = { getRemainingTimeInMillis: () => 10_000 };

let dynalite: DynamoDbStandIn;
let realDynamoDb: RealDynamoDb;
/** A function's store as a new container builds it: nothing cached from another run. */
let newContainer: () => ReturnType<typeof createRunOnce<Invite, { messageSid: string }>>;

beforeAll(async () => {
  dynalite = await startDynamoDbStandIn();
  realDynamoDb = await startRealDynamoDbAnswers(dynalite);
  newContainer = () =>
    createRunOnce<Invite, { messageSid: string }>(rule, { ...dynalite.env, AWS_ENDPOINT_URL_DYNAMODB: realDynamoDb.url });
});

afterAll(async () => {
  await realDynamoDb?.close();
  await dynalite?.close();
});

afterEach(async () => {
  realDynamoDb.actions.length = 0;
  realDynamoDb.dynaliteConditionAnswers.length = 0;
  await dynalite.clear();
});

describe("the loopback answers as DynamoDB does", () => {
  it("where dynalite leaves the item out, and the AWS SDK's own client reads it from the answer", async () => {
    const client = new DynamoDBClient({
      endpoint: realDynamoDb.url,
      region: dynalite.env.AWS_REGION,
      credentials: { accessKeyId: dynalite.env.AWS_ACCESS_KEY_ID, secretAccessKey: dynalite.env.AWS_SECRET_ACCESS_KEY },
      maxAttempts: 1,
    });
    const item = { [idempotencyTable.keyAttribute]: { S: "trigger.test#sdk" }, [idempotencyTable.statusAttribute]: { S: "COMPLETED" } };
    const put = (returnValues?: "ALL_OLD") =>
      client.send(
        new PutItemCommand({
          TableName: dynalite.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(id)",
          ReturnValuesOnConditionCheckFailure: returnValues,
        }),
      );
    try {
      await put();
      const refused = await put("ALL_OLD").catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
      expect((refused as ConditionalCheckFailedException).Item).toEqual(item);
      expect(realDynamoDb.dynaliteConditionAnswers).toEqual([{ __type: conditionFailedType, message: "The conditional request failed" }]);
    } finally {
      client.destroy();
    }
  });
});

describe("a repeat whose record comes back with the failed condition", () => {
  it("is answered from a completed record, with no GetItem and without running the work again", async () => {
    const invite = { inviteKey: "alfie-lions", invite: "Alfie, Lions, u11s" };
    const first = await newContainer()(invite, lambdaContext, async () => ({ messageSid: "SM0123456789abcdef0123456789abcdef" }));
    realDynamoDb.actions.length = 0;
    let ranAgain = false;
    const repeat = await newContainer()(invite, lambdaContext, async () => {
      ranAgain = true;
      return { messageSid: "SMffffffffffffffffffffffffffffffff" };
    });
    expect(first).toEqual({ result: { messageSid: "SM0123456789abcdef0123456789abcdef" }, replayed: false });
    expect(repeat).toEqual({ result: { messageSid: "SM0123456789abcdef0123456789abcdef" }, replayed: true });
    expect(ranAgain).toBe(false);
    expect(realDynamoDb.actions).toEqual(["PutItem"]);
  });

  it("is refused as in progress while the first still runs, from the record's status and in-progress expiry", async () => {
    const invite = { inviteKey: "maya-tigers", invite: "Maya, Tigers, u9s" };
    let finishFirst!: () => void;
    const firstRunning = new Promise<void>((resolve) => (finishFirst = resolve));
    const first = newContainer()(invite, lambdaContext, async () => {
      await firstRunning;
      return { messageSid: "SM11111111111111111111111111111111" };
    });
    await expect.poll(() => realDynamoDb.actions).toEqual(["PutItem"]);
    const repeat = newContainer()(invite, lambdaContext, async () => ({ messageSid: "SM22222222222222222222222222222222" }));
    await expect(repeat).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    expect(realDynamoDb.actions).toEqual(["PutItem", "PutItem"]);
    finishFirst();
    await expect(first).resolves.toMatchObject({ replayed: false });
  });

  it("is refused when the same key came with another invite, from the record's validation hash", async () => {
    await newContainer()({ inviteKey: "key-1", invite: "Alfie, Lions, u11s" }, lambdaContext, async () => ({
      messageSid: "SM33333333333333333333333333333333",
    }));
    realDynamoDb.actions.length = 0;
    const reused = newContainer()({ inviteKey: "key-1", invite: "Maya, Tigers, u9s" }, lambdaContext, async () => ({
      messageSid: "SM44444444444444444444444444444444",
    }));
    await expect(reused).rejects.toBeInstanceOf(IdempotencyValidationError);
    expect(realDynamoDb.actions).toEqual(["PutItem"]);
  });
});
