/**
 * AWS's faults, scripted into a proxy in front of the SSM stand-in and dynalite, against the
 * real trigger and webhook handlers and their real signed HTTP calls: throttles, 5xx and
 * resets are retried as the AWS SDK's standard mode retries them, within the function's time,
 * each retry logged by name; anything else is not retried; and a write whose answer was lost
 * is not taken for a duplicate on its retry.
 */
import * as dynamoDb from "@aws-sdk/client-dynamodb";
import * as ssm from "@aws-sdk/client-ssm";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { isThrottlingError, isTransientError, MAXIMUM_RETRY_DELAY, Retry } from "@smithy/core/retry";
import type { APIGatewayProxyResult } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  dynamoDbRetryPolicy,
  parameterStoreRetryPolicy,
  retryKind,
  throttlingErrorNames,
  transientErrorNames,
  transientNetworkCodes,
} from "../../aws/aws-retry";
import { environmentVariables } from "../../config/settings";
import { type AwsFault, type AwsFaultProxy, startAwsFaultProxy } from "../../testkit/aws-fault-proxy";
import { validInvite } from "../../testkit/fixtures";
import { fastRetry, testTrigger, testWebhook } from "../../testkit/handler-under-test";
import { type LocalServices, startLocalServices } from "../../testkit/local-services";
import { capturing } from "../../testkit/log-capture";
import { triggerEvent } from "../../testkit/trigger-event";
import { inboundMessage, signedEvent } from "../../testkit/twilio-webhook";

let services: LocalServices;
let ssmFaults: AwsFaultProxy;
let dynamoDbFaults: AwsFaultProxy;
const logLines: string[] = [];

const triggerContext = { getRemainingTimeInMillis: () => 20_000 };
const webhookContext = { getRemainingTimeInMillis: () => 10_000 };
const bodyOf = (response: APIGatewayProxyResult) => JSON.parse(response.body) as Record<string, any>;
const writeLog = capturing((line) => logLines.push(line));
// A new handler per test: its settings are read afresh, not from an earlier test's cache.
// The stand-ins' environment with Parameter Store and DynamoDB reached through the fault proxies.
let env: Record<string, string>;
const newTrigger = () => testTrigger({ env, writeLog }, { retry: fastRetry });
const newWebhook = () => testWebhook({ env, writeLog });
const retriesLogged = () =>
  logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === "aws_call_retried");
const callsTo = (proxy: AwsFaultProxy, action: string) => proxy.calls.filter((call) => call === action).length;
/** The registrations table's items as the trigger wrote them. */
const registrations = async () =>
  (await services.dynamoDb.items(services.env[environmentVariables.registrationsTable])).map((item) => unmarshall(item as never));
const hasReply = (response: APIGatewayProxyResult) => response.body.includes("<Message>");
/** What the SDK's standard mode makes of a failure: a throttle, a transient fault, or final. */
function sdkRetryKind(failure: object): string | undefined {
  const error = failure as Parameters<typeof isTransientError>[0];
  return isThrottlingError(error) ? "throttling" : isTransientError(error) ? "transient" : undefined;
}

// As DynamoDB and Parameter Store answer them.
const dynamoDbError = (status: number, type: string): AwsFault => ({ status, type: `com.amazonaws.dynamodb.v20120810#${type}` });
const ssmError = (status: number, type: string): AwsFault => ({ status, type });
const internalError = dynamoDbError(500, "InternalServerError");

beforeAll(async () => {
  services = await startLocalServices();
  ssmFaults = await startAwsFaultProxy(services.ssm.url);
  dynamoDbFaults = await startAwsFaultProxy(services.dynamoDb.url);
  env = { ...services.env, AWS_ENDPOINT_URL: ssmFaults.url, AWS_ENDPOINT_URL_DYNAMODB: dynamoDbFaults.url };
});

beforeEach(() => {
  logLines.length = 0;
});

afterEach(async () => {
  for (const proxy of [ssmFaults, dynamoDbFaults]) {
    proxy.clearFaults();
    proxy.calls.length = 0;
  }
  await services.reset();
});

afterAll(async () => {
  await Promise.all([ssmFaults?.close(), dynamoDbFaults?.close()]);
  await services?.close();
});

describe("what is retried, and how long it waits, is what the AWS SDK does", () => {
  const sdkErrorClasses = [
    ...Object.values(dynamoDb).filter(
      (value) => typeof value === "function" && value.prototype instanceof dynamoDb.DynamoDBServiceException,
    ),
    ...Object.values(ssm).filter((value) => typeof value === "function" && value.prototype instanceof ssm.SSMServiceException),
  ] as (new (
    options: object,
  ) => Error & { $fault: "client" | "server" })[];

  it("for every error DynamoDB's and Parameter Store's APIs define, at the status it comes with", () => {
    expect(sdkErrorClasses.length).toBeGreaterThan(100);
    for (const ErrorClass of sdkErrorClasses) {
      const probe = new ErrorClass({ message: "", $metadata: {} });
      const status = probe.$fault === "server" ? 500 : 400;
      const sdkError = new ErrorClass({ message: "", $metadata: { httpStatusCode: status } });
      const ours = Object.assign(new Error(), { name: sdkError.name, status, answer: {} });
      expect([sdkError.name, retryKind(ours)]).toEqual([sdkError.name, sdkRetryKind(sdkError)]);
    }
  });

  it("for the error names and statuses of its standard mode, and any other status", () => {
    const names = [
      ...throttlingErrorNames,
      ...transientErrorNames,
      "ValidationException",
      "AccessDeniedException",
      "HTTP502",
      "ServiceUnavailable",
    ];
    for (const name of names) {
      for (const status of [400, 403, 413, 429, 500, 501, 502, 503, 504]) {
        const sdkError = Object.assign(new Error(), {
          name,
          $metadata: { httpStatusCode: status },
          ...(name === "ReplicatedWriteConflictException" ? { $retryable: {} } : {}),
        });
        expect([name, status, retryKind(Object.assign(new Error(), { name, status, answer: {} }))]).toEqual([
          name,
          status,
          sdkRetryKind(sdkError),
        ]);
      }
    }
  });

  it("for network faults, by Node's error code", () => {
    for (const code of [...transientNetworkCodes, "ECONNABORTED", "EACCES", "EPROTO", "ERR_INVALID_URL"]) {
      const failure = Object.assign(new Error("network"), { code });
      expect([code, retryKind(failure)]).toEqual([code, sdkRetryKind(failure)]);
    }
  });

  it("with the SDK clients' attempts and backoff bases for each service", async () => {
    const clients = [
      { policy: parameterStoreRetryPolicy, client: new ssm.SSMClient({ region: "eu-north-1" }) },
      { policy: dynamoDbRetryPolicy, client: new dynamoDb.DynamoDBClient({ region: "eu-north-1" }) },
    ];
    for (const { policy, client } of clients) {
      const strategy = (await client.config.retryStrategy()) as unknown as { baseDelay: number };
      expect(policy).toEqual({
        attempts: await client.config.maxAttempts(),
        baseDelayMs: strategy.baseDelay,
        throttlingBaseDelayMs: Retry.throttlingDelay(),
        maxDelayMs: MAXIMUM_RETRY_DELAY,
      });
      client.destroy();
    }
  });
});

describe("the trigger", () => {
  it("sends the invite after Parameter Store throttles it once, having waited a throttle's backoff, and logs what it retried", async () => {
    ssmFaults.failNext("GetParameters", ssmError(400, "ThrottlingException"));
    const response = await newTrigger()(triggerEvent(validInvite), triggerContext);

    expect(response.statusCode, response.body).toBe(200);
    expect(services.twilio.messages).toHaveLength(1);
    expect(callsTo(ssmFaults, "GetParameters")).toBe(2);
    const [retry, ...others] = retriesLogged();
    expect(others).toEqual([]);
    expect(retry).toMatchObject({
      level: "warn",
      request_id: bodyOf(response).request_id,
      route: "POST /trigger",
      aws_call: "ssm.GetParameters",
      error: "ThrottlingException",
      attempts: 1,
    });
    expect(retry.retry_in_ms).toBeLessThanOrEqual(parameterStoreRetryPolicy.throttlingBaseDelayMs);
  });

  const passingFaults: [string, AwsFault[]][] = [
    ["two internal errors", [internalError, internalError]],
    ["a 503", [dynamoDbError(503, "ServiceUnavailable")]],
    ["a throughput throttle", [dynamoDbError(400, "ProvisionedThroughputExceededException")]],
    ["a reset connection", [{ dropConnection: true }]],
  ];

  it.each(passingFaults)("sends the invite once after %s on the registration's transaction", async (_, faults) => {
    dynamoDbFaults.failNext("TransactWriteItems", ...faults);
    const response = await newTrigger()(triggerEvent(validInvite), triggerContext);

    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(response)).toMatchObject({ status: "message_sent", duplicate: false });
    expect(services.twilio.messages).toHaveLength(1);
    expect(callsTo(dynamoDbFaults, "TransactWriteItems")).toBe(faults.length + 1);
    expect(retriesLogged().map((line) => [line.aws_call, line.attempts])).toEqual(
      faults.map((_fault, index) => ["dynamodb.TransactWriteItems", index + 1]),
    );
  });

  it("sends the invite once, not as a duplicate, when DynamoDB made the registration but the answer was lost", async () => {
    dynamoDbFaults.failNext("TransactWriteItems", { dropConnection: true, accepted: true });
    const response = await newTrigger()(triggerEvent(validInvite), triggerContext);

    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(response)).toMatchObject({ status: "message_sent", duplicate: false });
    expect(services.twilio.messages).toHaveLength(1);
    expect(callsTo(dynamoDbFaults, "TransactWriteItems")).toBe(2);
    expect(await registrations()).toEqual([
      expect.objectContaining({ status: "invited", invite_message_sid: services.twilio.messages[0].sid, invites_sent: 1 }),
    ]);
    // Another request for the same invite is still a duplicate.
    const repeat = await newTrigger()(triggerEvent(validInvite), triggerContext);
    expect(bodyOf(repeat)).toMatchObject({ status: "message_sent", duplicate: true });
    expect(services.twilio.messages).toHaveLength(1);
  });

  it("keeps the record of the send when the registration's update loses its answer", async () => {
    dynamoDbFaults.failNext("PutItem", { dropConnection: true, accepted: true });
    const response = await newTrigger()(triggerEvent(validInvite), triggerContext);

    expect(response.statusCode).toBe(200);
    expect(callsTo(dynamoDbFaults, "PutItem")).toBe(2);
    // The retry found its own write, not a registration that moved on.
    expect(logLines.join("\n")).not.toMatch(/registration_moved_on|registration_not_updated/);
    expect(await registrations()).toEqual([expect.objectContaining({ invite_message_sid: services.twilio.messages[0].sid, version: 2 })]);
  });

  it("answers 200 when the send's record cannot be written, since the invite went, and logs it", async () => {
    dynamoDbFaults.failNext("PutItem", internalError, internalError, internalError, internalError);
    const response = await newTrigger()(triggerEvent(validInvite), triggerContext);

    expect(response.statusCode).toBe(200);
    expect(services.twilio.messages).toHaveLength(1);
    expect(logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: "warn", event: "registration_not_updated", error: "InternalServerError" }),
    );
  });

  it("does not retry a failed condition: a repeat is answered as a duplicate after one transaction and one read", async () => {
    const trigger = newTrigger();
    await trigger(triggerEvent(validInvite), triggerContext);
    dynamoDbFaults.calls.length = 0;
    const repeat = await trigger(triggerEvent(validInvite), triggerContext);

    expect(bodyOf(repeat)).toMatchObject({ duplicate: true });
    expect(dynamoDbFaults.calls).toEqual(["TransactWriteItems", "GetItem"]);
    expect(retriesLogged()).toEqual([]);
  });

  it("does not retry a validation error: 503 after one attempt, nothing sent", async () => {
    dynamoDbFaults.failNext("TransactWriteItems", dynamoDbError(400, "ValidationException"));
    const response = await newTrigger()(triggerEvent(validInvite), triggerContext);

    expect(response.statusCode).toBe(503);
    expect(bodyOf(response)).toMatchObject({ error: "duplicate_check_unavailable" });
    expect(callsTo(dynamoDbFaults, "TransactWriteItems")).toBe(1);
    expect(retriesLogged()).toEqual([]);
    expect(services.twilio.messages).toHaveLength(0);
  });

  it("stops at DynamoDB's 4 attempts: 503, nothing sent", async () => {
    dynamoDbFaults.failNext("TransactWriteItems", internalError, internalError, internalError, internalError, internalError);
    const response = await newTrigger()(triggerEvent(validInvite), triggerContext);

    expect(response.statusCode).toBe(503);
    expect(bodyOf(response)).toMatchObject({ error: "duplicate_check_unavailable" });
    expect(callsTo(dynamoDbFaults, "TransactWriteItems")).toBe(4);
    expect(retriesLogged().map((line) => [line.aws_call, line.error, line.attempts])).toEqual([
      ["dynamodb.TransactWriteItems", "InternalServerError", 1],
      ["dynamodb.TransactWriteItems", "InternalServerError", 2],
      ["dynamodb.TransactWriteItems", "InternalServerError", 3],
    ]);
    expect(services.twilio.messages).toHaveLength(0);
  });

  it("stops at Parameter Store's 3 attempts: nothing sent", async () => {
    const outage = ssmError(503, "ServiceUnavailable");
    ssmFaults.failNext("GetParameters", outage, outage, outage, outage);
    const response = await newTrigger()(triggerEvent(validInvite), triggerContext);

    expect(response.statusCode).toBe(500);
    expect(callsTo(ssmFaults, "GetParameters")).toBe(3);
    expect(retriesLogged().filter((line) => line.aws_call === "ssm.GetParameters")).toHaveLength(2);
    expect(services.twilio.messages).toHaveLength(0);
  });

  it("stops at the function's deadline: a DynamoDB that never answers gets 503 before the time is up", async () => {
    dynamoDbFaults.failNext("TransactWriteItems", ...Array.from({ length: 4 }, (): AwsFault => ({ stall: true })));
    const budgetMs = 2_500;
    const started = Date.now();
    const response = await newTrigger()(triggerEvent(validInvite), { getRemainingTimeInMillis: () => budgetMs - (Date.now() - started) });

    // Without the deadline, each attempt would wait out its 5 s timeout.
    expect(Date.now() - started).toBeLessThan(budgetMs);
    expect(response.statusCode).toBe(503);
    expect(callsTo(dynamoDbFaults, "TransactWriteItems")).toBe(1);
    expect(services.twilio.messages).toHaveLength(0);
  });
});

describe("the webhook", () => {
  const retriedFaults: [string, string, AwsFault][] = [
    ["PutItem", "a DynamoDB request limit", dynamoDbError(400, "RequestLimitExceeded")],
    ["PutItem", "a DynamoDB internal error", internalError],
    ["PutItem", "a reset keep-alive connection to DynamoDB", { dropConnection: true }],
    ["GetParameter", "a Parameter Store throttle on the secret", ssmError(400, "ThrottlingException")],
    ["GetParameters", "a reset connection to Parameter Store", { dropConnection: true }],
  ];

  it.each(retriedFaults)("replies after %s fails once with %s", async (action, _, fault) => {
    const proxy = action.startsWith("GetParameter") ? ssmFaults : dynamoDbFaults;
    proxy.failNext(action, fault);
    const response = await newWebhook()(signedEvent(inboundMessage()), webhookContext);

    expect(response.statusCode, response.body).toBe(200);
    expect(hasReply(response)).toBe(true);
    // A PutItem's: the message's mark twice, then the number's one reply of the day (handlers/webhook.ts).
    expect(callsTo(proxy, action)).toBe(action === "PutItem" ? 3 : 2);
    expect(retriesLogged()).toMatchObject([
      { route: "POST /webhook", aws_call: `${action.startsWith("Get") ? "ssm" : "dynamodb"}.${action}`, attempts: 1 },
    ]);
  });

  it("replies when DynamoDB marked the message but the answer was lost, and still answers Twilio's repeat with nothing", async () => {
    const webhook = newWebhook();
    const message = inboundMessage();
    dynamoDbFaults.failNext("PutItem", { dropConnection: true, accepted: true });
    const first = await webhook(signedEvent(message), webhookContext);
    const repeat = await webhook(signedEvent(message), webhookContext);

    expect(hasReply(first)).toBe(true);
    // The mark, its retry that finds its own write, the reply's daily slot; then the repeat's mark, refused.
    expect(callsTo(dynamoDbFaults, "PutItem")).toBe(4);
    expect(repeat.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(await services.dynamoDb.items()).toHaveLength(2);
  });

  it("does not retry a refusal: 500 after one attempt", async () => {
    dynamoDbFaults.failNext("PutItem", dynamoDbError(400, "AccessDeniedException"));
    const response = await newWebhook()(signedEvent(inboundMessage()), webhookContext);

    expect(response.statusCode).toBe(500);
    expect(callsTo(dynamoDbFaults, "PutItem")).toBe(1);
    expect(retriesLogged()).toEqual([]);
    expect(response.body).not.toMatch(/AccessDenied|\n\s+at /);
  });

  it("answers before its time is up when DynamoDB never answers", async () => {
    dynamoDbFaults.failNext("PutItem", ...Array.from({ length: 4 }, (): AwsFault => ({ stall: true })));
    const budgetMs = 2_000;
    const started = Date.now();
    const response = await newWebhook()(signedEvent(inboundMessage()), {
      getRemainingTimeInMillis: () => budgetMs - (Date.now() - started),
    });

    expect(Date.now() - started).toBeLessThan(budgetMs);
    expect(response.statusCode).toBe(500);
    expect(callsTo(dynamoDbFaults, "PutItem")).toBe(1);
  });
});
