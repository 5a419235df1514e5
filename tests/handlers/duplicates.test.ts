/**
 * Duplicates: a repeated invite sends one WhatsApp message, an Idempotency-Key is honoured,
 * a repeated MessageSid gets one reply. The real handlers, Powertools Idempotency and our
 * DynamoDB layer against dynalite on loopback; the records are read back with the AWS SDK's
 * own DynamoDB client to check what DynamoDB holds.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { DynamoDBClient, GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyResult } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { duplicateWindowSeconds } from "../../aws/idempotency/invite-deduplicator";
import { messageWindowSeconds } from "../../aws/idempotency/message-deduplicator";
import type { TriggerHandler } from "../../handlers/trigger";
import type { WebhookHandler } from "../../handlers/webhook";
import { sendJson, serveOnLoopback } from "../../local/loopback";
import { validInvite } from "../../testkit/fixtures";
import { bodyOf, fastRetry, lambdaContext, standInsForFile, testTrigger, testWebhook } from "../../testkit/handler-under-test";
import { triggerEvent } from "../../testkit/trigger-event";
import { inboundMessage, signedEvent } from "../../testkit/twilio-webhook";

const { services, wiring, logLines } = standInsForFile();
let trigger: TriggerHandler;
let webhook: WebhookHandler;
let dynamoDb: DynamoDBClient;

beforeAll(() => {
  trigger = testTrigger(wiring(), { retry: fastRetry });
  webhook = testWebhook(wiring());
  const { env } = services();
  dynamoDb = new DynamoDBClient({
    endpoint: services().dynamoDb.url,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
});

afterAll(() => {
  dynamoDb?.destroy();
});

// Each test's invite is new to Twilio and to the duplicate check.
afterEach(() => services().reset());

describe("the same invite sent twice", () => {
  it("sends once, one after the other: the repeat is answered from the record, marked as a duplicate", async () => {
    const first = await trigger(triggerEvent(validInvite), lambdaContext);
    const repeat = await trigger(triggerEvent(validInvite), lambdaContext);
    expect(first.statusCode).toBe(200);
    expect(repeat.statusCode).toBe(200);
    expect(services().twilio.messages).toHaveLength(1);
    expect(bodyOf(first)).toMatchObject({ duplicate: false, message_sid: services().twilio.messages[0].sid });
    expect(bodyOf(repeat)).toMatchObject({
      status: "message_sent",
      duplicate: true,
      message_sid: services().twilio.messages[0].sid,
      first_request_id: bodyOf(first).request_id,
      player: "Alfie Testington",
    });
    expect(bodyOf(repeat).message).toMatch(/already sent .*not sent again/);
  });

  it("sends once when the repeat arrives while the first is still sending (a double click)", async () => {
    const answers = await Promise.all([
      trigger(triggerEvent(validInvite), lambdaContext),
      trigger(triggerEvent(validInvite), lambdaContext),
    ]);
    expect(services().twilio.messages).toHaveLength(1);
    const statuses = answers.map((answer) => answer.statusCode).sort();
    // The second either waited for nothing (409, ask again) or came after the first finished (200, duplicate).
    expect(statuses[0]).toBe(200);
    expect([200, 409]).toContain(statuses[1]);
    const inProgress = answers.find((answer) => answer.statusCode === 409);
    if (inProgress) {
      expect(bodyOf(inProgress)).toMatchObject({ error: "invite_in_progress", retry_after_seconds: 2 });
      expect(inProgress.headers?.["Retry-After"]).toBe("2");
    }
  });

  it("treats the same invite typed differently (spaces, number format) as the same invite", async () => {
    await trigger(triggerEvent(validInvite), lambdaContext);
    const retyped = await trigger(triggerEvent({ ...validInvite, parent_tel: "+44 7700 900123", team_name: "  Lions " }), lambdaContext);
    expect(bodyOf(retyped)).toMatchObject({ duplicate: true });
    expect(services().twilio.messages).toHaveLength(1);
  });

  it("sends both when they differ in anything the parent would see", async () => {
    await trigger(triggerEvent(validInvite), lambdaContext);
    const sibling = await trigger(triggerEvent({ ...validInvite, player_first_name: "Bella" }), lambdaContext);
    expect(bodyOf(sibling)).toMatchObject({ duplicate: false });
    expect(services().twilio.messages).toHaveLength(2);
  });

  it("keeps no record of an invite Twilio refused, so correcting the problem and sending again works", async () => {
    services().twilio.failNext({ status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
    const refused = await trigger(triggerEvent(validInvite), lambdaContext);
    expect(refused.statusCode).toBe(422);
    expect(await services().dynamoDb.items()).toEqual([]);
    const again = await trigger(triggerEvent(validInvite), lambdaContext);
    expect(bodyOf(again)).toMatchObject({ status: "message_sent", duplicate: false });
    expect(services().twilio.messages).toHaveLength(1);
  });

  it("sends nothing more when Twilio may have taken it but could not confirm: the repeat gets the same 504, a new key sends", async () => {
    const outage = { status: 503, code: 20503, message: "Service Unavailable" };
    services().twilio.failNext({ dropConnection: true, accepted: true });
    services().twilio.failNextLookup(outage, outage, outage, outage);
    const lost = await trigger(triggerEvent(validInvite), lambdaContext);
    services().twilio.clearFaults();
    expect(lost.statusCode).toBe(504);
    expect(lost.headers?.["Retry-After"]).toBeUndefined();
    const attempts = services().twilio.attempts;
    const repeat = await trigger(triggerEvent(validInvite), lambdaContext);
    expect(repeat.statusCode).toBe(504);
    expect(bodyOf(repeat)).toMatchObject({
      error: "twilio_unconfirmed",
      duplicate: true,
      message: expect.stringContaining(bodyOf(lost).request_id),
    });
    expect(services().twilio.attempts).toBe(attempts);
    const deliberate = await trigger(triggerEvent(validInvite, { "Idempotency-Key": "send-it-anyway" }), lambdaContext);
    expect(bodyOf(deliberate)).toMatchObject({ status: "message_sent", duplicate: false });
  });

  it("keeps a record DynamoDB holds as Powertools lays it out: hashed key, completed, no name or number, expiring after an hour", async () => {
    const before = Math.floor(Date.now() / 1000);
    await trigger(triggerEvent(validInvite), lambdaContext);
    const { Items = [] } = await dynamoDb.send(new ScanCommand({ TableName: services().dynamoDb.tableName }));
    expect(Items).toHaveLength(1);
    const [item] = Items;
    expect(item.id.S).toMatch(/^trigger\.invite#[A-Za-z0-9+/=]{44}$/);
    expect(item.status.S).toBe("COMPLETED");
    const expiry = Number(item.expiration.N);
    expect(expiry).toBeGreaterThanOrEqual(before + duplicateWindowSeconds.invite);
    expect(expiry).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + duplicateWindowSeconds.invite);
    expect(JSON.parse(item.data.S!)).toEqual({
      message_sid: services().twilio.messages[0].sid,
      twilio_status: "queued",
      request_id: expect.any(String),
      sent_at: expect.any(String),
    });
    const stored = JSON.stringify(item);
    for (const personal of ["Sarah", "Alfie", "Testington", "900123", "Lions"]) expect(stored).not.toContain(personal);
  });
});

describe("an Idempotency-Key header", () => {
  const withKey = (key: string, invite: object = validInvite) => triggerEvent(invite, { "Idempotency-Key": key });

  it("sends once per key, and answers a repeat of the key from the record", async () => {
    const first = await trigger(withKey("6f1c1f0e-1b7a-4b39-9a52-2c1f0d9e7a10"), lambdaContext);
    const repeat = await trigger(withKey("6f1c1f0e-1b7a-4b39-9a52-2c1f0d9e7a10"), lambdaContext);
    expect(bodyOf(first)).toMatchObject({ duplicate: false });
    expect(bodyOf(repeat)).toMatchObject({ duplicate: true, message_sid: bodyOf(first).message_sid });
    expect(services().twilio.messages).toHaveLength(1);
    const { Items = [] } = await dynamoDb.send(new ScanCommand({ TableName: services().dynamoDb.tableName }));
    expect(Items.map((item) => item.id.S)).toEqual([expect.stringMatching(/^trigger\.idempotency-key#/)]);
    expect(Number(Items[0].expiration.N)).toBeGreaterThan(Date.now() / 1000 + duplicateWindowSeconds.idempotencyKey - 60);
  });

  it("sends the same invite again under a new key: the caller decides what repeats", async () => {
    await trigger(withKey("resend-1"), lambdaContext);
    const resent = await trigger(withKey("resend-2"), lambdaContext);
    expect(bodyOf(resent)).toMatchObject({ duplicate: false });
    expect(services().twilio.messages).toHaveLength(2);
  });

  it("is found whatever case the header name arrives in", async () => {
    await trigger(triggerEvent(validInvite, { "idempotency-key": "case-test" }), lambdaContext);
    const repeat = await trigger(triggerEvent(validInvite, { "IDEMPOTENCY-KEY": "case-test" }), lambdaContext);
    expect(bodyOf(repeat)).toMatchObject({ duplicate: true });
    expect(services().twilio.messages).toHaveLength(1);
  });

  it("refuses a key reused for a different invite with 422, sending nothing", async () => {
    await trigger(withKey("reused"), lambdaContext);
    const other = await trigger(withKey("reused", { ...validInvite, player_first_name: "Bella" }), lambdaContext);
    expect(other.statusCode).toBe(422);
    expect(bodyOf(other)).toMatchObject({ error: "idempotency_key_reused", message: expect.stringContaining("different invite") });
    expect(services().twilio.messages).toHaveLength(1);
  });

  it("refuses a key that is empty, too long or not visible ASCII with 400 naming the header", async () => {
    for (const key of [" ", "x".repeat(256), "clé-unicode", "tab\there"]) {
      const response = await trigger(withKey(key), lambdaContext);
      expect(response.statusCode, JSON.stringify(key)).toBe(400);
      expect(bodyOf(response)).toMatchObject({ error: "invalid_idempotency_key", message: expect.stringContaining("Idempotency-Key") });
    }
    expect(services().twilio.attempts).toBe(0);
  });
});

describe("when the idempotency table is out of reach", () => {
  it("sends nothing and answers 503 with a retry hint, rather than risk a second invite", async () => {
    const unreachable = testTrigger({ ...wiring(), env: { ...services().env, AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" } });
    const response = await unreachable(triggerEvent(validInvite), lambdaContext);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.["Retry-After"]).toBe("30");
    expect(bodyOf(response)).toMatchObject({ error: "duplicate_check_unavailable", message: expect.stringContaining("sent nothing") });
    expect(services().twilio.attempts).toBe(0);
    const logged = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.event === "duplicate_check_stopped_send" && line.request_id === bodyOf(response).request_id);
    expect(logged?.error).toBe("IdempotencyPersistenceLayerError: ECONNREFUSED");
  });
});

describe("when the invite's record cannot be kept after the send", () => {
  it("answers 200, since the invite went, and logs that its record was not saved", async () => {
    // DynamoDB takes the in-progress record, then refuses the update that completes it.
    const forward = async (request: IncomingMessage, body: string, response: ServerResponse) => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name)),
      );
      const answer = await fetch(services().dynamoDb.url, { method: "POST", headers: headers as Record<string, string>, body });
      response.writeHead(answer.status, { "Content-Type": answer.headers.get("content-type") ?? "application/x-amz-json-1.0" });
      response.end(await answer.text());
    };
    const refusingUpdates = await serveOnLoopback((request, body, response) => {
      if (request.headers["x-amz-target"] === "DynamoDB_20120810.UpdateItem") {
        sendJson(response, 500, { __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: "" });
      } else {
        forward(request, body, response).catch(() => sendJson(response, 502, { message: "dynalite could not be reached" }));
      }
    });
    try {
      const handler = testTrigger({ ...wiring(), env: { ...services().env, AWS_ENDPOINT_URL_DYNAMODB: refusingUpdates.url } });
      const response = await handler(triggerEvent(validInvite), lambdaContext);
      expect(response.statusCode).toBe(200);
      expect(services().twilio.messages).toHaveLength(1);
      expect(bodyOf(response)).toMatchObject({ status: "message_sent", duplicate: false, message_sid: services().twilio.messages[0].sid });
      expect(logLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
        expect.objectContaining({
          level: "warn",
          event: "duplicate_record_not_saved",
          message_sid: services().twilio.messages[0].sid,
          error: "IdempotencyPersistenceLayerError: InternalServerError",
        }),
      );
    } finally {
      await refusingUpdates.close();
    }
  });
});

describe("a webhook delivered twice", () => {
  const acknowledged = (response: APIGatewayProxyResult) => response.body.includes("<Message>");

  it("is answered once: the repeat gets an empty TwiML response", async () => {
    const fields = inboundMessage();
    const first = await webhook(signedEvent(fields));
    const repeat = await webhook(signedEvent(fields));
    expect([first.statusCode, repeat.statusCode]).toEqual([200, 200]);
    expect(acknowledged(first)).toBe(true);
    expect(repeat.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it("is answered once when both deliveries arrive together", async () => {
    const fields = inboundMessage();
    const answers = await Promise.all([1, 2, 3].map(() => webhook(signedEvent(fields))));
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect(answers.filter(acknowledged)).toHaveLength(1);
  });

  it("keeps one record per MessageSid under the webhook's own prefix, for a day", async () => {
    const fields = inboundMessage();
    await webhook(signedEvent(fields));
    await webhook(signedEvent(inboundMessage()));
    const { Items = [] } = await dynamoDb.send(new ScanCommand({ TableName: services().dynamoDb.tableName }));
    expect(Items).toHaveLength(2);
    for (const item of Items) {
      expect(item.id.S).toMatch(/^webhook\.message-sid#/);
      expect(Number(item.expiration.N)).toBeGreaterThan(Date.now() / 1000 + messageWindowSeconds - 60);
      expect(JSON.stringify(item)).not.toContain(fields.MessageSid);
    }
    const record = await dynamoDb.send(new GetItemCommand({ TableName: services().dynamoDb.tableName, Key: { id: Items[0].id } }));
    expect(record.Item?.status.S).toBe("COMPLETED");
  });
});

describe("the logs of duplicates", () => {
  it("say a duplicate was not sent, with the message SID and no name or number", () => {
    const events = logLines.map((line) => JSON.parse(line) as { event: string });
    expect(events.some((line) => line.event === "duplicate_not_sent")).toBe(true);
    expect(events.some((line) => line.event === "duplicate_ignored")).toBe(true);
    const logs = logLines.join("\n");
    for (const personal of ["Sarah", "Alfie", "Testington", "900123"]) expect(logs).not.toContain(personal);
  });
});
