/**
 * The Twilio stand-in refuses what Twilio would refuse, judged by Twilio's published OpenAPI
 * description (twilio_api_v2010.json from @twilio-alpha/mcp), and accepts what the twilio
 * package's own client sends. Its replies to the webhook are signed as Twilio signs them.
 */
import twilio from "twilio";
import RequestClient from "twilio/lib/base/RequestClient";
import { validateRequest } from "twilio/lib/webhooks/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, serveOnLoopback } from "../../local/loopback";
import { twilioSid } from "../../local/stand-ins/twilio/ids";
import { inviteTemplateText } from "../../local/stand-ins/twilio/invite-template";
import { loadMessagesContract } from "../../local/stand-ins/twilio/openapi-contract";
import { startTwilioStandIn, type TwilioStandIn } from "../../local/stand-ins/twilio/stand-in";
import { clubSettings, otherAuthToken, testCredentials, validInviteVariables } from "../../testkit/fixtures";
import { parseForm } from "../../twilio/webhook-request";

const templateSid = clubSettings.templateSid;
const parent = "whatsapp:+447700900123";
const club = "whatsapp:+447700900000";

/** The twilio package's client, its every request sent to `baseUrl` instead of api.twilio.com. */
function twilioClientAt(baseUrl: string, credentials = testCredentials) {
  const inner = new RequestClient();
  const httpClient = Object.assign(Object.create(inner) as RequestClient, {
    request: (options: Parameters<RequestClient["request"]>[0]) => {
      const target = new URL(options.uri);
      return inner.request({ ...options, uri: `${baseUrl}${target.pathname}${target.search}` });
    },
  });
  return twilio(credentials.accountSid, credentials.authToken, { httpClient });
}

describe("the Twilio stand-in", () => {
  let standIn: TwilioStandIn;
  let webhook: LoopbackServer;
  const webhookRequests: { signature: string | undefined; fields: Record<string, string | string[]> }[] = [];

  beforeAll(async () => {
    webhook = await serveOnLoopback((request, body, response) => {
      webhookRequests.push({ signature: request.headers["x-twilio-signature"] as string | undefined, fields: parseForm(body) });
      response.writeHead(200, { "Content-Type": "text/xml" });
      response.end('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Got it &amp; thanks &lt;3</Message></Response>');
    });
    standIn = await startTwilioStandIn(testCredentials, {
      templates: { [templateSid]: inviteTemplateText({ clubName: "Urmston Town", assistantName: "Omega" }) },
      webhookUrl: `${webhook.url}/webhook`,
      clubAddress: club,
    });
  });
  afterAll(async () => {
    await standIn?.close();
    await webhook?.close();
  });

  const messagesUrl = () => `${standIn.url}/2010-04-01/Accounts/${testCredentials.accountSid}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${testCredentials.accountSid}:${testCredentials.authToken}`).toString("base64")}`;
  const validForm = { To: parent, From: club, ContentSid: templateSid, ContentVariables: JSON.stringify(validInviteVariables) };

  /** The valid form with some fields changed, and those set to undefined left out. */
  const formWith = (change: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries({ ...validForm, ...change }).filter(([, value]) => value !== undefined)) as Record<string, string>;

  async function post(fields: Record<string, string>, auth = authorization) {
    const response = await fetch(messagesUrl(), {
      method: "POST",
      headers: { Authorization: auth, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("accepts a template message from the twilio package's own client, answering as Twilio's contract describes", async () => {
    const sent = await twilioClientAt(standIn.url).messages.create({
      to: parent,
      from: club,
      contentSid: templateSid,
      contentVariables: JSON.stringify(validInviteVariables),
    });
    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent.status).toBe("queued");
    expect(sent.to).toBe(parent);
    expect(sent.body).toContain("Hi Sarah 👋,\nOmega here, the Urmston Town Registration Assistant.");
    expect(sent.dateCreated).toBeInstanceOf(Date);
    expect(standIn.messages.at(-1)).toMatchObject({ sid: sent.sid, To: parent, From: club, ContentSid: templateSid });
  });

  it("answers with a Message resource that Twilio's own schema for a 201 accepts", async () => {
    const { status, body } = await post(validForm);
    expect(status).toBe(201);
    expect(loadMessagesContract().checkMessageResource(body)).toEqual([]);
  });

  it.each([
    ["To missing", { To: undefined }, 21604, "'To' is required"],
    ["To not a number", { To: "whatsapp:parent" }, 21211, "'To' must match format \"phone-number\""],
    ["MaxPrice not a number", { MaxPrice: "cheap" }, 21627, "'MaxPrice' must be number"],
    ["StatusCallback not a URL", { StatusCallback: "not a url" }, 21609, "'StatusCallback' must match format \"uri\""],
    ["ContentSid not a Content SID", { ContentSid: "HX123" }, 21655, "'ContentSid' must match pattern"],
    ["Attempt not an integer", { Attempt: "1.5" }, 20001, "'Attempt' must be integer"],
    ["ProvideFeedback not a boolean", { ProvideFeedback: "perhaps" }, 20001, "'ProvideFeedback' must be boolean"],
    [
      "ContentRetention outside its enum",
      { ContentRetention: "forever" },
      20001,
      "'ContentRetention' must be equal to one of the allowed values",
    ],
    ["ApplicationSid of the wrong kind", { ApplicationSid: twilioSid("MG") }, 20001, "'ApplicationSid' must match pattern"],
    ["SendAt not a date-time", { SendAt: "next Tuesday" }, 20001, "'SendAt' must match format \"date-time\""],
  ])("refuses a request Twilio's OpenAPI contract refuses: %s", async (_, change, code, message) => {
    const fields = formWith(change);
    const before = standIn.messages.length;
    const { status, body } = await post(fields);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code, status: 400, more_info: `https://www.twilio.com/docs/errors/${code}` });
    expect(body.message).toContain(message);
    expect(standIn.messages.length).toBe(before);
  });

  it.each([
    ["a From that is not a WhatsApp sender", { From: "+447700900000" }, 63007],
    ["ContentVariables that are not JSON", { ContentVariables: "{1: Sarah}" }, 21656],
    ["a variable with a newline", { ContentVariables: JSON.stringify({ ...validInviteVariables, "1": "Sarah\nSmith" }) }, 21656],
    ["a variable with five spaces in a row", { ContentVariables: JSON.stringify({ ...validInviteVariables, "3": "Lions     FC" }) }, 21656],
    ["an empty variable", { ContentVariables: JSON.stringify({ ...validInviteVariables, "8": " " }) }, 21656],
    ["a template variable left out", { ContentVariables: JSON.stringify({ ...validInviteVariables, "9": undefined }) }, 21656],
    ["a template the account does not have", { ContentSid: `HX${"ab".repeat(16)}` }, 21655],
    ["neither a template nor a body", { ContentSid: undefined, ContentVariables: undefined }, 21619],
  ])("refuses what WhatsApp adds to the contract: %s", async (_, change, code) => {
    const fields = formWith(change);
    const { status, body } = await post(fields);
    expect(status).toBe(400);
    expect(body.code).toBe(code);
  });

  it("refuses another account's credentials with 401 and error 20003", async () => {
    const wrong = `Basic ${Buffer.from(`${testCredentials.accountSid}:${otherAuthToken}`).toString("base64")}`;
    expect(await post(validForm, wrong)).toMatchObject({ status: 401, body: { code: 20003 } });
  });

  it("plays scripted faults once each, then serves normally", async () => {
    standIn.failNext({ status: 503 }, { status: 400, code: 63016, message: "Outside the 24-hour window" });
    expect((await post(validForm)).status).toBe(503);
    expect(await post(validForm)).toMatchObject({ status: 400, body: { code: 63016 } });
    expect((await post(validForm)).status).toBe(201);
  });

  it("plays a fault after taking the message, as when its answer is lost, and can leave a request unanswered", async () => {
    const to = "whatsapp:+447700900811";
    standIn.failNext({ status: 500, accepted: true }, { stall: true });
    expect((await post({ ...validForm, To: to })).status).toBe(500);
    const stalled = fetch(messagesUrl(), {
      method: "POST",
      headers: { Authorization: authorization, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...validForm, To: to }).toString(),
      signal: AbortSignal.timeout(200),
    });
    await expect(stalled).rejects.toThrow(/timeout/i);
    expect(standIn.messages.filter((message) => message.To === to)).toHaveLength(1);
  });

  describe("its Messages list", () => {
    async function list(query: Record<string, string>, auth = authorization) {
      const response = await fetch(`${messagesUrl()}?${new URLSearchParams(query)}`, { headers: { Authorization: auth } });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    }

    it("reads as the twilio package's own client reads it: filtered by To and From, newest first", async () => {
      const parent = "whatsapp:+447700900801";
      const first = await post({ ...validForm, To: parent });
      await post({ ...validForm, To: "whatsapp:+447700900802" });
      const second = await post({ ...validForm, To: parent });
      const listed = await twilioClientAt(standIn.url).messages.list({ to: parent, from: club });
      expect(listed.map((message) => message.sid)).toEqual([second.body.sid, first.body.sid]);
      expect(listed[0]).toMatchObject({ to: parent, from: club, direction: "outbound-api", status: "delivered" });
      expect(listed[0].dateCreated).toBeInstanceOf(Date);
      expect(await twilioClientAt(standIn.url).messages.list({ to: parent, from: "whatsapp:+447700900999" })).toEqual([]);
    });

    it("answers pages that Twilio's own schema for a 200 accepts, each linked to the next", async () => {
      const parent = "whatsapp:+447700900803";
      for (let sent = 0; sent < 3; sent++) await post({ ...validForm, To: parent });
      const first = await list({ To: parent, PageSize: "2" });
      expect(first.status).toBe(200);
      expect(loadMessagesContract().checkMessagePage(first.body)).toEqual([]);
      expect(first.body).toMatchObject({ page: 0, page_size: 2, start: 0, end: 1, previous_page_uri: null });
      expect(first.body.messages).toHaveLength(2);
      const next = (await (
        await fetch(`${standIn.url}${first.body.next_page_uri}`, { headers: { Authorization: authorization } })
      ).json()) as Record<string, any>;
      expect(loadMessagesContract().checkMessagePage(next)).toEqual([]);
      expect(next).toMatchObject({ page: 1, start: 2, end: 2, next_page_uri: null, messages: [expect.objectContaining({ to: parent })] });
    });

    it("filters by DateSent as Twilio does: a GMT day, on or before, on or after", async () => {
      const parent = "whatsapp:+447700900804";
      const sent = await post({ ...validForm, To: parent });
      const day = new Date(String(sent.body.date_created)).toISOString().slice(0, 10);
      const dayBefore = new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10);
      const count = async (query: Record<string, string>) => (await list({ To: parent, ...query })).body.messages.length;
      expect([
        await count({ DateSent: day }),
        await count({ "DateSent>": day }),
        await count({ "DateSent<": dayBefore }),
        await count({ DateSent: dayBefore }),
      ]).toEqual([1, 1, 0, 0]);
      const client = twilioClientAt(standIn.url);
      const aMinuteAgo = new Date(Date.now() - 60_000);
      expect(await client.messages.list({ to: parent, dateSentAfter: aMinuteAgo })).toHaveLength(1);
      expect(await client.messages.list({ to: parent, dateSentBefore: aMinuteAgo })).toHaveLength(0);
    });

    it("holds a parent's message and the bot's reply in their directions", async () => {
      const phone = "+447700900812";
      await post({ ...validForm, To: `whatsapp:${phone}` });
      await standIn.replyAsParent(phone, "Ready");
      const toParent = (await list({ To: `whatsapp:${phone}` })).body.messages as Record<string, string>[];
      expect(toParent.map((message) => message.direction)).toEqual(["outbound-reply", "outbound-api"]);
      expect((await list({ From: `whatsapp:${phone}` })).body.messages).toEqual([
        expect.objectContaining({ direction: "inbound", status: "received", to: club, body: "Ready" }),
      ]);
    });

    it("refuses what Twilio's contract refuses, and another account's credentials", async () => {
      expect(await list({ PageSize: "0" })).toMatchObject({
        status: 400,
        body: { code: 20001, message: expect.stringContaining("'PageSize' must be >= 1") },
      });
      expect(await list({ To: "the parent" })).toMatchObject({
        status: 400,
        body: { message: expect.stringContaining("'To' must match format") },
      });
      const wrong = `Basic ${Buffer.from(`${testCredentials.accountSid}:${otherAuthToken}`).toString("base64")}`;
      expect(await list({}, wrong)).toMatchObject({ status: 401, body: { code: 20003 } });
    });

    it("plays scripted lookup faults once each, apart from the send's", async () => {
      standIn.failNextLookup({ status: 503, code: 20503 });
      expect((await post(validForm)).status).toBe(201);
      expect(await list({})).toMatchObject({ status: 503, body: { code: 20503 } });
      expect((await list({})).status).toBe(200);
    });
  });

  it("keeps the conversation and posts the parent's reply to the webhook, signed with the account's token", async () => {
    await post({ ...validForm, To: "whatsapp:+447700900777" });
    const answer = await standIn.replyAsParent("+447700900777", "Ready when you are");

    expect(answer).toEqual({ webhookStatus: 200, replies: ["Got it & thanks <3"] });
    const { signature, fields } = webhookRequests.at(-1)!;
    expect(fields).toMatchObject({
      From: "whatsapp:+447700900777",
      To: club,
      Body: "Ready when you are",
      AccountSid: testCredentials.accountSid,
      WaId: "447700900777",
    });
    expect(validateRequest(testCredentials.authToken, signature!, `${webhook.url}/webhook`, fields)).toBe(true);
    const chat = standIn.conversations.find("+447700900777");
    expect(chat?.name).toBe("Sarah");
    expect(chat?.messages.map((message) => message.kind)).toEqual(["template", "text", "reply"]);
  });
});
