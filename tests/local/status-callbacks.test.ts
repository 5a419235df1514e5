/**
 * Delivery statuses under `npm start`: the Twilio stand-in posts each invite's statuses to the
 * local POST /status, signed, as Twilio posts them to the stack's; the export and the
 * simulator's chat show them, and opening the chat on the simulator page reads the invite.
 */
import { randomBytes } from "node:crypto";
import { validateRequest } from "twilio/lib/webhooks/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, serveOnLoopback } from "../../local/loopback";
import { madeUpTwilioAccount } from "../../local/stand-ins/twilio/ids";
import { startTwilioStandIn, type TwilioStandIn } from "../../local/stand-ins/twilio/stand-in";
import { validInvite } from "../../testkit/fixtures";
import { postInvite, type RunningSignon, startSignon } from "../../testkit/npm-start";
import { formBody, twilioSignature } from "../../testkit/twilio-webhook";
import { createMessagesClient } from "../../twilio/messages-client";
import { parseForm } from "../../twilio/webhook-request";

const apiKey = `test-local-api-key-${randomBytes(8).toString("hex")}`;
const exportApiKey = `test-local-export-key-${randomBytes(8).toString("hex")}`;
const account = madeUpTwilioAccount();
const credentials = { TWILIO_ACCOUNT_SID: account.accountSid, TWILIO_AUTH_TOKEN: account.authToken };

type Row = { parent_tel?: string; invite_status?: string; invite_error_code?: string };
type Chat = { phone: string; messages: { sid: string; kind: string; status?: string; error_code?: number }[] };

/** The export's row for the parent at `tel`, once it shows `status` (the callbacks arrive a step apart). */
async function rowOnceStatus(baseUrl: string, tel: string, status: string): Promise<Row | undefined> {
  let row: Row | undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await fetch(`${baseUrl}/registrations`, { headers: { "x-api-key": exportApiKey } });
    row = ((await response.json()) as { registrations: Row[] }).registrations.find((candidate) => candidate.parent_tel === tel);
    if (row?.invite_status === status) return row;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return row;
}

const chatOf = async (baseUrl: string, tel: string) =>
  ((await (await fetch(`${baseUrl}/simulator/api/state`)).json()) as { conversations: Chat[] }).conversations.find(
    (conversation) => conversation.phone === tel,
  );

describe("npm start's Twilio stand-in", () => {
  let signon: RunningSignon;

  beforeAll(async () => {
    signon = await startSignon({ SIGNON_API_KEY: apiKey, SIGNON_EXPORT_API_KEY: exportApiKey, ...credentials });
  });
  afterAll(() => signon?.stop());

  it("prints the status URL it serves", () => {
    expect(signon.lines.join("\n")).toContain(
      `Status      POST ${signon.url}/status   Twilio's delivery statuses, signed for ${signon.url}/status`,
    );
  });

  it("posts sent and delivered to POST /status, and read once the parent opens the chat", async () => {
    const tel = "+447700900401";
    const response = await postInvite(signon.url, { ...validInvite, parent_tel: tel }, { "x-api-key": apiKey });
    expect(response.status).toBe(200);
    expect(await rowOnceStatus(signon.url, tel, "delivered")).toMatchObject({ invite_status: "delivered" });
    expect((await chatOf(signon.url, tel))?.messages[0]).toMatchObject({ kind: "template", status: "delivered" });

    const opened = await fetch(`${signon.url}/simulator/api/read`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ to: tel }),
    });
    expect(await opened.json()).toEqual({ read: 1 });
    expect(await rowOnceStatus(signon.url, tel, "read")).toMatchObject({ invite_status: "read" });
    expect((await chatOf(signon.url, tel))?.messages[0].status).toBe("read");
    const recorded = signon
      .logs()
      .filter((line) => line.event === "status_recorded")
      .map((line) => line.detail);
    expect(recorded).toEqual(expect.arrayContaining(["delivered", "read"]));
  });

  it("refuses a callback not signed with the stack's auth token for its /status URL with 403", async () => {
    const fields = { MessageSid: `SM${"0".repeat(32)}`, MessageStatus: "read", To: "whatsapp:+447700900401" };
    for (const signature of [undefined, twilioSignature(fields, { url: `${signon.url}/webhook`, token: account.authToken })]) {
      const response = await fetch(`${signon.url}/status`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...(signature ? { "X-Twilio-Signature": signature } : {}) },
        body: formBody(fields),
      });
      expect(response.status).toBe(403);
    }
  });

  it("says which numbers the simulator can open: a chat request without a number is a 400 naming it", async () => {
    const response = await fetch(`${signon.url}/simulator/api/read`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ to: "Sarah" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: expect.stringContaining("to must be the parent's number in E.164 form") });
  });
});

describe("npm start with a Twilio stand-in whose delivery fails", () => {
  let elsewhere: TwilioStandIn;
  let signon: RunningSignon;

  beforeAll(async () => {
    elsewhere = await startTwilioStandIn(account, { postStatusCallbacks: true, deliveryStepMs: 50 });
    signon = await startSignon({
      SIGNON_API_KEY: apiKey,
      SIGNON_EXPORT_API_KEY: exportApiKey,
      TWILIO_API_BASE_URL: elsewhere.url,
      ...credentials,
    });
  });
  afterAll(async () => {
    await signon?.stop();
    await elsewhere?.close();
  });

  it("records undelivered with Twilio's error code, which the export and the chat show", async () => {
    const tel = "+447700900402";
    elsewhere.failDeliveryNext({ status: "undelivered", code: 63016 });
    const response = await postInvite(signon.url, { ...validInvite, parent_tel: tel }, { "x-api-key": apiKey });
    expect(response.status).toBe(200);
    expect(elsewhere.messages.at(-1)?.StatusCallback).toBe(`${signon.url}/status`);
    expect(await rowOnceStatus(signon.url, tel, "undelivered")).toMatchObject({ invite_status: "undelivered", invite_error_code: "63016" });
    expect(elsewhere.conversations.find(tel)?.messages[0]).toMatchObject({ status: "undelivered", error_code: 63016 });
  });
});

describe("the Twilio stand-in's status callbacks", () => {
  let callbacks: LoopbackServer;
  let standIn: TwilioStandIn;
  const received: { signature: string; fields: Record<string, string | string[]> }[] = [];
  const callbackUrl = () => `${callbacks.url}/status`;

  beforeAll(async () => {
    callbacks = await serveOnLoopback((request, body, response) => {
      received.push({ signature: String(request.headers["x-twilio-signature"]), fields: parseForm(body) });
      response.writeHead(200);
      response.end();
    });
    standIn = await startTwilioStandIn(account, { postStatusCallbacks: true, deliveryStepMs: 10 });
  });
  afterAll(async () => {
    await standIn?.close();
    await callbacks?.close();
  });

  /** Sends a template to `to` asking for callbacks, and waits for `count` of them. */
  async function statusesOf(to: string, count: number) {
    const client = createMessagesClient({ apiBaseUrl: standIn.url });
    const outcome = await client.sendTemplate(account, {
      from: "whatsapp:+447700900000",
      to: `whatsapp:${to}`,
      contentSid: "HX7d785aa7b15519a858cfc7f0d485ff2c",
      contentVariables: JSON.stringify({ 1: "Sarah" }),
      statusCallback: callbackUrl(),
    });
    expect(outcome.outcome).toBe("sent");
    const sid = outcome.outcome === "sent" ? outcome.sid : "";
    const mine = () => received.filter((callback) => callback.fields.MessageSid === sid);
    for (let attempt = 0; attempt < 100 && mine().length < count; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const { signature, fields } of mine()) expect(validateRequest(account.authToken, signature, callbackUrl(), fields)).toBe(true);
    return mine().map(({ fields }) => [fields.MessageStatus, fields.ErrorCode, fields.To]);
  }

  it("posts sent, then delivered, each signed for the message's StatusCallback", async () => {
    expect(await statusesOf("+447700900403", 2)).toEqual([
      ["sent", undefined, "whatsapp:+447700900403"],
      ["delivered", undefined, "whatsapp:+447700900403"],
    ]);
  });

  it("posts a scripted failure with its error code: failed at once, undelivered after sent", async () => {
    standIn.failDeliveryNext({ status: "failed", code: 63024 }, { status: "undelivered", code: 63016 });
    expect(await statusesOf("+447700900404", 1)).toEqual([["failed", "63024", "whatsapp:+447700900404"]]);
    expect(await statusesOf("+447700900405", 2)).toEqual([
      ["sent", undefined, "whatsapp:+447700900405"],
      ["undelivered", "63016", "whatsapp:+447700900405"],
    ]);
  });
});
