/**
 * DynamoDB's transactions in front of dynalite, which has none (and ignores
 * `ReturnValuesOnConditionCheckFailure`). Every request passes through this proxy, one at a
 * time; `TransactWriteItems` and `TransactGetItems` are carried out here as the single-item
 * calls dynalite knows, all or nothing:
 *
 * - each item is read first; each action is then applied with its own condition (a
 *   ConditionCheck as an update of a marker attribute, undone afterwards);
 * - if any condition fails, every applied action is undone from what was read, and the answer
 *   is DynamoDB's `TransactionCanceledException` with one `CancellationReasons` entry per
 *   action (`ConditionalCheckFailed` with the old item when asked for, or `None`);
 * - two actions on one item are refused as DynamoDB refuses them;
 * - a `ClientRequestToken` repeated after its transaction succeeded changes nothing and
 *   answers success, as DynamoDB does for ten minutes (this proxy, for its lifetime).
 *
 * Requests are serialized so no other call sees a transaction half done. DynamoDB's
 * isolation is finer than that, never weaker, so code that is right here is right there.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

type Item = Record<string, unknown>;
type Call = (action: string, input: Record<string, unknown>) => Promise<{ status: number; body: Record<string, unknown> }>;

interface DynamoDbAnswer {
  status: number;
  body: Record<string, unknown>;
}

const transactionMarker = "#__signon_transaction_check";

function errorAnswer(status: number, type: string, message: string, extra: Record<string, unknown> = {}): DynamoDbAnswer {
  return { status, body: { __type: type, message, ...extra } };
}

const isConditionFailure = (answer: DynamoDbAnswer) =>
  answer.status === 400 && String(answer.body.__type).endsWith("#ConditionalCheckFailedException");

/** Forwards one call to dynalite as the handlers sent it (dynalite checks no signature). */
function dynaliteCall(target: URL): Call {
  return (action, input) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(input);
      const request = http.request(
        target,
        {
          method: "POST",
          headers: {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": `DynamoDB_20120810.${action}`,
            // dynalite wants a signature's shape, not a valid one.
            Authorization:
              "AWS4-HMAC-SHA256 Credential=local/20260101/eu-north-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
            "X-Amz-Date": "20260101T000000Z",
            "Content-Length": Buffer.byteLength(body),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
}

interface Action {
  kind: "ConditionCheck" | "Put" | "Update" | "Delete";
  input: Record<string, unknown>;
  table: string;
  key: Item;
}

export function createTransactions(call: Call) {
  const keyNames = new Map<string, string[]>();
  const keyAttributes = async (table: string): Promise<string[]> => {
    const known = keyNames.get(table);
    if (known) return known;
    const answer = await call("DescribeTable", { TableName: table });
    const schema = ((answer.body.Table as Item | undefined)?.KeySchema ?? []) as { AttributeName: string }[];
    const names = schema.map((entry) => entry.AttributeName);
    keyNames.set(table, names);
    return names;
  };

  async function actionOf(entry: Record<string, Record<string, unknown>>): Promise<Action> {
    const kind = (["ConditionCheck", "Put", "Update", "Delete"] as const).find((name) => name in entry);
    if (!kind) throw new Error("unknown transaction action");
    const input = entry[kind];
    const table = String(input.TableName);
    if (kind !== "Put") return { kind, input, table, key: input.Key as Item };
    const names = await keyAttributes(table);
    const item = input.Item as Item;
    return { kind, input, table, key: Object.fromEntries(names.map((name) => [name, item[name]])) };
  }

  const read = async (action: Action) =>
    (await call("GetItem", { TableName: action.table, Key: action.key, ConsistentRead: true })).body.Item as Item | undefined;
  const restore = async (action: Action, before: Item | undefined) => {
    if (before) await call("PutItem", { TableName: action.table, Item: before });
    else await call("DeleteItem", { TableName: action.table, Key: action.key });
  };

  function apply(action: Action): Promise<DynamoDbAnswer> {
    const { ReturnValuesOnConditionCheckFailure: _ignored, ...input } = action.input;
    if (action.kind === "Put") return call("PutItem", input);
    if (action.kind === "Delete") return call("DeleteItem", input);
    if (action.kind === "Update") return call("UpdateItem", input);
    return call("UpdateItem", {
      ...input,
      UpdateExpression: `SET ${transactionMarker} = :__signon_transaction_check`,
      ExpressionAttributeNames: {
        ...(input.ExpressionAttributeNames as Item | undefined),
        [transactionMarker]: "signon_transaction_check",
      },
      ExpressionAttributeValues: {
        ...(input.ExpressionAttributeValues as Item | undefined),
        ":__signon_transaction_check": { BOOL: true },
      },
    });
  }

  // ClientRequestToken -> the transaction it went with: a repeat of a done transaction changes nothing.
  const doneTokens = new Map<string, string>();

  async function transactWrite(input: Record<string, unknown>): Promise<DynamoDbAnswer> {
    const token = typeof input.ClientRequestToken === "string" ? input.ClientRequestToken : undefined;
    const request = JSON.stringify(input.TransactItems);
    if (token !== undefined && doneTokens.has(token)) {
      if (doneTokens.get(token) === request) return { status: 200, body: {} };
      return errorAnswer(
        400,
        "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
        "ClientRequestToken was used with another transaction",
      );
    }
    const answer = await transactWriteOnce(input);
    if (token !== undefined && answer.status === 200) doneTokens.set(token, request);
    return answer;
  }

  async function transactWriteOnce(input: Record<string, unknown>): Promise<DynamoDbAnswer> {
    const entries = (input.TransactItems ?? []) as Record<string, Record<string, unknown>>[];
    if (entries.length === 0 || entries.length > 100) {
      return errorAnswer(400, "com.amazon.coral.validate#ValidationException", "TransactItems must have 1 to 100 actions");
    }
    const actions = await Promise.all(entries.map(actionOf));
    const identities = actions.map((action) => `${action.table}\u0000${JSON.stringify(action.key)}`);
    if (new Set(identities).size !== identities.length) {
      return errorAnswer(
        400,
        "com.amazon.coral.validate#ValidationException",
        "Transaction request cannot include multiple operations on one item",
      );
    }
    // The proxy serves one request at a time and the items are distinct, so the reads, the
    // writes and the undoing each go to dynalite together: a transaction then takes about as
    // long as two of its calls, as in DynamoDB, rather than growing with its items.
    const before = await Promise.all(actions.map(read));
    const answers = await Promise.all(actions.map(apply));
    const applied = answers.flatMap((answer, index) => (answer.status === 200 ? [index] : []));
    const undo = (indexes: number[]) => Promise.all(indexes.map((index) => restore(actions[index], before[index])));
    const failure = answers.find((answer) => answer.status !== 200 && !isConditionFailure(answer));
    if (failure) {
      await undo(applied);
      return failure;
    }
    const reasons = answers.map((answer, index) => {
      if (answer.status === 200) return { Code: "None" };
      const withItem = actions[index].input.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && before[index];
      return { Code: "ConditionalCheckFailed", Message: "The conditional request failed", ...(withItem ? { Item: before[index] } : {}) };
    });
    const cancelled = applied.length !== actions.length;
    // Undo the ConditionChecks' markers always, and everything when cancelled.
    await undo(applied.filter((index) => cancelled || actions[index].kind === "ConditionCheck"));
    if (!cancelled) return { status: 200, body: {} };
    return errorAnswer(
      400,
      "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(", ")}]`,
      { CancellationReasons: reasons },
    );
  }

  async function transactGet(input: Record<string, unknown>): Promise<DynamoDbAnswer> {
    const entries = (input.TransactItems ?? []) as { Get: Record<string, unknown> }[];
    const responses = [];
    for (const { Get } of entries) {
      const answer = await call("GetItem", { ...Get, ConsistentRead: true });
      if (answer.status !== 200) return answer;
      responses.push(answer.body.Item ? { Item: answer.body.Item } : {});
    }
    return { status: 200, body: { Responses: responses } };
  }

  /** A single-item write with `ReturnValuesOnConditionCheckFailure: ALL_OLD`: the old item joins the failure, as in DynamoDB. */
  async function singleWrite(action: string, input: Record<string, unknown>): Promise<DynamoDbAnswer> {
    const wantsOld = input.ReturnValuesOnConditionCheckFailure === "ALL_OLD";
    const table = String(input.TableName);
    const key =
      action === "PutItem"
        ? Object.fromEntries((await keyAttributes(table)).map((name) => [name, (input.Item as Item)[name]]))
        : (input.Key as Item);
    const old = wantsOld ? await read({ kind: "Put", input, table, key }) : undefined;
    const answer = await call(action, input);
    if (old && isConditionFailure(answer)) answer.body.Item = old;
    return answer;
  }

  return async (action: string, input: Record<string, unknown>): Promise<DynamoDbAnswer> => {
    if (action === "TransactWriteItems") return transactWrite(input);
    if (action === "TransactGetItems") return transactGet(input);
    if (action === "PutItem" || action === "UpdateItem" || action === "DeleteItem") return singleWrite(action, input);
    return call(action, input);
  };
}

export interface TransactionsProxy {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 and serves DynamoDB's JSON API, transactions included, over the dynalite at `dynaliteUrl`. */
export async function startTransactionsProxy(dynaliteUrl: string): Promise<TransactionsProxy> {
  const handle = createTransactions(dynaliteCall(new URL(dynaliteUrl)));
  // One request at a time: a transaction's steps are never interleaved with another call.
  let queue: Promise<unknown> = Promise.resolve();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const action =
        String(request.headers["x-amz-target"] ?? "")
          .split(".")
          .pop() ?? "";
      const answered = queue.then(async () => {
        let answer: DynamoDbAnswer;
        try {
          answer = await handle(action, JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>);
        } catch (error) {
          answer = errorAnswer(
            500,
            "com.amazonaws.dynamodb.v20120810#InternalServerError",
            error instanceof Error ? error.message : "internal error",
          );
        }
        response.writeHead(answer.status, { "Content-Type": "application/x-amz-json-1.0" });
        response.end(JSON.stringify(answer.body));
      });
      queue = answered.catch(() => undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
