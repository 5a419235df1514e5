/**
 * Duplicates: a player invited again gets one WhatsApp message whatever the Idempotency-Keys,
 * `"resend": true` sends again, a repeated MessageSid gets one reply. The real handlers and the
 * registration store against dynalite on loopback; the records are read back with the AWS SDK's
 * own DynamoDB client to check what DynamoDB holds.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { DynamoDBClient, GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { APIGatewayProxyResult } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { messageWindowSeconds } from "../../aws/idempotency/message-deduplicator";
import { createRegistrationStore, idempotencyKeySeconds } from "../../aws/registration-store";
import type { StoredRegistration } from "../../aws/stored-registration";
import { environmentVariables } from "../../config/settings";
import { retainUntil } from "../../domain/retention";
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

/** The registrations table's items, as DynamoDB holds them. */
async function registrationItems() {
  const { Items = [] } = await dynamoDb.send(new ScanCommand({ TableName: services().env[environmentVariables.registrationsTable] }));
  return Items.map((item) => unmarshall(item));
}
const registrationsOnly = async () => (await registrationItems()).filter((item) => item.sk.startsWith("registration#"));
const store = () => createRegistrationStore(services().env);
const resend = { ...validInvite, resend: true };

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

  it("treats the age group however the club writes it (U11, u11s, Under 11s, under-11, U-11) as one age group", async () => {
    const answers = [];
    for (const age_group of ["U11", "u11s", "Under 11s", "under-11", "Under-11", "U-11"]) {
      answers.push(bodyOf(await trigger(triggerEvent({ ...validInvite, age_group }), lambdaContext)));
    }
    expect(answers.map((answer) => answer.duplicate)).toEqual([false, true, true, true, true, true]);
    expect(new Set(answers.map((answer) => answer.registration_id)).size).toBe(1);
    expect(services().twilio.messages).toHaveLength(1);
    expect((await registrationsOnly()).map((item) => item.age_group)).toEqual(["U11"]);
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
    expect(await registrationItems()).toEqual([]);
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
    // A new key is no way round it: the registration, not the key, says whether the player was invited.
    const newKey = await trigger(triggerEvent(validInvite, { "Idempotency-Key": "send-it-anyway" }), lambdaContext);
    expect(newKey.statusCode).toBe(504);
    expect(services().twilio.attempts).toBe(attempts);
    const deliberate = await trigger(triggerEvent(resend), lambdaContext);
    expect(bodyOf(deliberate)).toMatchObject({ status: "message_sent", duplicate: false });
    expect(await registrationsOnly()).toEqual([
      expect.objectContaining({ invites_sent: 2, invite_message_sid: bodyOf(deliberate).message_sid }),
    ]);
  });

  it("keeps the registration under the parent's number and the invite's natural key: invited, the send recorded, kept until the season's retention date", async () => {
    const response = await trigger(triggerEvent(validInvite), lambdaContext);
    const items = await registrationItems();
    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item.pk).toBe("parent#+447700900123");
    expect(item.sk).toMatch(/^registration#[A-Za-z0-9_-]{43}$/);
    expect(item).toMatchObject({
      registration_id: bodyOf(response).registration_id,
      status: "invited",
      season: "2025-26",
      team_name: "Lions",
      age_group: "U11",
      player_first_name: "Alfie",
      parent_tel: "+447700900123",
      team_manager_tel: "07700 900456",
      membership_fee: "40",
      conversation: { step: "start", editing: false, unusable_answers: 0 },
      version: 2,
      invites_sent: 1,
      invite_message_sid: services().twilio.messages[0].sid,
      invite_request_id: bodyOf(response).request_id,
      retain_until: retainUntil("2025-26", 1, new Date()),
    });
    expect(item.registration_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The send is over: nothing says it is still going, and no answer is there yet.
    expect(item.sending).toBeUndefined();
    expect(item.date_of_birth).toBeUndefined();
    expect(bodyOf(response)).toMatchObject({ registration_status: "invited", duplicate: false });
  });

  it("keeps the stack's season when the invite writes it another way: one registration, until that season's retention date", async () => {
    for (const written of ["2025/26", "2025-2026", " 2025 / 2026 "]) {
      const answer = await trigger(triggerEvent({ ...validInvite, current_registration_season: written }), lambdaContext);
      expect(answer.statusCode, written).toBe(200);
    }
    expect(await registrationsOnly()).toEqual([
      expect.objectContaining({ season: "2025-26", retain_until: retainUntil("2025-26", 1, new Date()) }),
    ]);
    expect(services().twilio.messages).toHaveLength(1);
  });
});

describe("a player invited again", () => {
  it("sends one message with and without an Idempotency-Key, in either order", async () => {
    for (const keys of [
      ["key-first", undefined],
      [undefined, "key-second"],
      ["key-a", "key-b"],
    ]) {
      await services().reset();
      const answers = [];
      for (const key of keys) answers.push(await trigger(triggerEvent(validInvite, key ? { "Idempotency-Key": key } : {}), lambdaContext));
      expect(
        answers.map((answer) => [answer.statusCode, bodyOf(answer).duplicate]),
        String(keys),
      ).toEqual([
        [200, false],
        [200, true],
      ]);
      expect(services().twilio.messages).toHaveLength(1);
      expect(bodyOf(answers[1])).toMatchObject({
        registration_id: bodyOf(answers[0]).registration_id,
        registration_status: "invited",
        message_sid: services().twilio.messages[0].sid,
      });
    }
  });

  it('is sent again with "resend": true, and the registration counts both sends', async () => {
    const first = await trigger(triggerEvent(validInvite), lambdaContext);
    const again = await trigger(triggerEvent(resend), lambdaContext);
    expect(bodyOf(again)).toMatchObject({ duplicate: false, registration_id: bodyOf(first).registration_id });
    expect(services().twilio.messages).toHaveLength(2);
    expect(bodyOf(again).message_sid).toBe(services().twilio.messages[1].sid);
    expect(await registrationsOnly()).toEqual([expect.objectContaining({ invites_sent: 2, version: 4, status: "invited" })]);
    // A repeat of the resend under its key is the same request: not a third message.
    const keyed = triggerEvent(resend, { "Idempotency-Key": "resend-once" });
    await trigger(keyed, lambdaContext);
    const retried = await trigger(keyed, lambdaContext);
    expect(bodyOf(retried)).toMatchObject({ duplicate: true });
    expect(services().twilio.messages).toHaveLength(3);
  });

  it('sends a first invite for "resend": true when there was none', async () => {
    const response = await trigger(triggerEvent(resend), lambdaContext);
    expect(bodyOf(response)).toMatchObject({ duplicate: false, registration_status: "invited" });
    expect(services().twilio.messages).toHaveLength(1);
  });

  it("is not re-sent once the registration is submitted: 409 naming why, nothing sent", async () => {
    await trigger(triggerEvent(validInvite), lambdaContext);
    const [registration] = (await registrationsOnly()) as StoredRegistration[];
    const {
      pk: _pk,
      sk: _sk,
      season_order: _order,
      write_id: _write,
      ...stored
    } = registration as StoredRegistration & Record<string, string>;
    expect(await store().replace(stored, { ...stored, status: "submitted", version: stored.version + 1 })).toBe(true);
    const response = await trigger(triggerEvent(resend), lambdaContext);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({
      error: "registration_closed",
      registration_status: "submitted",
      message: expect.stringContaining("submitted"),
    });
    expect(services().twilio.messages).toHaveLength(1);
  });

  it("keeps a resend Twilio refused from changing the registration, so a corrected retry sends", async () => {
    await trigger(triggerEvent(validInvite), lambdaContext);
    services().twilio.failNext({ status: 400, code: 63016, message: "Outside the allowed window" });
    const refused = await trigger(triggerEvent(resend), lambdaContext);
    expect(refused.statusCode).toBe(422);
    const [registration] = await registrationsOnly();
    expect(registration).toMatchObject({ invites_sent: 1, invite_message_sid: services().twilio.messages[0].sid });
    expect(registration.sending).toBeUndefined();
    const again = await trigger(triggerEvent(resend), lambdaContext);
    expect(bodyOf(again)).toMatchObject({ status: "message_sent", duplicate: false });
    expect(services().twilio.messages).toHaveLength(2);
  });
});

describe("a parent who opted out (STOP)", () => {
  const optOut = () =>
    store().writeConversation({
      tel: "+447700900123",
      contact: {
        after: { parent_tel: "+447700900123", version: 1, recent_messages: [], opted_out: true, opted_out_at: new Date().toISOString() },
      },
      registrations: [],
    });

  it("is refused a new invite with 409 parent_opted_out, and nothing is kept or sent", async () => {
    expect(await optOut()).toBe(true);
    const response = await trigger(triggerEvent(validInvite), lambdaContext);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: "parent_opted_out", message: expect.stringContaining("STOP") });
    expect(await registrationsOnly()).toEqual([]);
    expect(services().twilio.attempts).toBe(0);
  });

  it("is not re-sent an invite made before the opt-out", async () => {
    await trigger(triggerEvent(validInvite), lambdaContext);
    expect(await optOut()).toBe(true);
    const response = await trigger(triggerEvent(resend), lambdaContext);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: "parent_opted_out" });
    expect(services().twilio.messages).toHaveLength(1);
  });
});

describe("an Idempotency-Key header", () => {
  const withKey = (key: string, invite: object = validInvite) => triggerEvent(invite, { "Idempotency-Key": key });

  it("sends once per key, and keeps the key a day as a digest, with no name or number", async () => {
    const first = await trigger(withKey("6f1c1f0e-1b7a-4b39-9a52-2c1f0d9e7a10"), lambdaContext);
    const repeat = await trigger(withKey("6f1c1f0e-1b7a-4b39-9a52-2c1f0d9e7a10"), lambdaContext);
    expect(bodyOf(first)).toMatchObject({ duplicate: false });
    expect(bodyOf(repeat)).toMatchObject({ duplicate: true, message_sid: bodyOf(first).message_sid });
    expect(services().twilio.messages).toHaveLength(1);
    const keys = (await registrationItems()).filter((item) => item.pk.startsWith("idempotency-key#"));
    expect(keys).toHaveLength(1);
    expect(keys[0].retain_until).toBeGreaterThan(Date.now() / 1000 + idempotencyKeySeconds - 60);
    const stored = JSON.stringify(keys[0]);
    for (const personal of ["6f1c1f0e", "Sarah", "Alfie", "Testington", "900123", "Lions"]) expect(stored).not.toContain(personal);
  });

  it("sends after a refusal when retried under the same key", async () => {
    services().twilio.failNext({ status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
    expect((await trigger(withKey("retry-after-refusal"), lambdaContext)).statusCode).toBe(422);
    const retried = await trigger(withKey("retry-after-refusal"), lambdaContext);
    expect(bodyOf(retried)).toMatchObject({ status: "message_sent", duplicate: false });
    expect(services().twilio.messages).toHaveLength(1);
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

describe("when the registrations table is out of reach", () => {
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
    expect(logged?.error).toContain("ECONNREFUSED");
  });
});

describe("when the send cannot be recorded on the registration", () => {
  it("answers 200, since the invite went, and logs that the registration was not updated", async () => {
    // DynamoDB takes the registration, then refuses the update that records the send.
    const forward = async (request: IncomingMessage, body: string, response: ServerResponse) => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name)),
      );
      const answer = await fetch(services().dynamoDb.url, { method: "POST", headers: headers as Record<string, string>, body });
      response.writeHead(answer.status, { "Content-Type": answer.headers.get("content-type") ?? "application/x-amz-json-1.0" });
      response.end(await answer.text());
    };
    const refusingUpdates = await serveOnLoopback((request, body, response) => {
      if (request.headers["x-amz-target"] === "DynamoDB_20120810.PutItem") {
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
          event: "registration_not_updated",
          registration_id: bodyOf(response).registration_id,
          error: "InternalServerError",
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
    const { Items: everything = [] } = await dynamoDb.send(new ScanCommand({ TableName: services().dynamoDb.tableName }));
    const Items = everything.filter((item) => item.id.S?.startsWith("webhook.message-sid#"));
    expect(Items).toHaveLength(2);
    // Beside them, the number's one reply for the day (tests/handlers/conversation.test.ts).
    expect(everything.filter((item) => item.id.S?.startsWith("webhook.reply-limit#"))).toHaveLength(1);
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
