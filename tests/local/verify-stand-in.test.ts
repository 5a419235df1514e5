/**
 * The stand-in's Twilio Verify takes what the twilio package's own client sends, refuses what
 * Verify's published contract (twilio_verify_v2.json) refuses, answers with resources of that
 * contract's shape, and keeps Verify's rules: a 6-digit code for 10 minutes, 5 checks, 5 sends in
 * 10 minutes. signon's Verify client (twilio/verify-client.ts) reads each answer as it should.
 */
import twilio from "twilio";
import RequestClient from "twilio/lib/base/RequestClient";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { twilioSid } from "../../local/stand-ins/twilio/ids";
import { loadVerifyContract } from "../../local/stand-ins/twilio/openapi-contract";
import { startTwilioStandIn, type TwilioStandIn } from "../../local/stand-ins/twilio/stand-in";
import { otherAuthToken, testCredentials } from "../../testkit/fixtures";
import { createVerifyClient, verifyRetryAfterSeconds } from "../../twilio/verify-client";

const serviceSid = "VA0123456789abcdef0123456789abcdef";
const contract = loadVerifyContract();

/** The twilio package's client, its every request sent to `baseUrl` instead of verify.twilio.com. */
function twilioClientAt(baseUrl: string) {
  const inner = new RequestClient();
  const httpClient = Object.assign(Object.create(inner) as RequestClient, {
    request: (options: Parameters<RequestClient["request"]>[0]) => {
      const target = new URL(options.uri);
      return inner.request({ ...options, uri: `${baseUrl}${target.pathname}${target.search}` });
    },
  });
  return twilio(testCredentials.accountSid, testCredentials.authToken, { httpClient });
}

describe("the stand-in's Twilio Verify", () => {
  let standIn: TwilioStandIn;
  let clock = new Date("2025-09-01T10:00:00Z");
  // Each test a number of its own: the send limit counts per number.
  let next = 0;
  let tel = "";
  beforeAll(async () => {
    standIn = await startTwilioStandIn(testCredentials, {
      now: () => clock,
      verifyService: { sid: serviceSid, name: "Urmston Town" },
      clubAddress: "whatsapp:+447700900000",
    });
  });
  afterAll(async () => {
    await standIn?.close();
  });
  beforeEach(() => {
    clock = new Date("2025-09-01T10:00:00Z");
    tel = `+4477009000${String(50 + next++).padStart(2, "0")}`;
  });

  const verify = () => createVerifyClient({ baseUrl: standIn.url });
  const post = (resource: string, form: Record<string, string>, token = testCredentials.authToken, sid = serviceSid) =>
    fetch(`${standIn.url}/v2/Services/${sid}/${resource}`, {
      method: "POST",
      headers: {
        Authorization: `Basic ${Buffer.from(`${testCredentials.accountSid}:${token}`).toString("base64")}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(form),
    });

  it("takes the twilio package's requests, answers with the contract's resources, and shows the code in the person's chat", async () => {
    const client = twilioClientAt(standIn.url);
    const started = await client.verify.v2.services(serviceSid).verifications.create({ to: tel, channel: "whatsapp" });
    expect(started.status).toBe("pending");
    const code = standIn.verify.codeSentTo(tel)!;
    expect(code).toMatch(/^\d{6}$/);
    expect(standIn.conversations.find(tel)?.messages.at(-1)?.body).toBe(`Your Urmston Town verification code is: ${code}`);
    const checked = await client.verify.v2.services(serviceSid).verificationChecks.create({ to: tel, code });
    expect(checked.status).toBe("approved");
  });

  it("answers resources that Verify's contract describes", async () => {
    const started = await post("Verifications", { To: tel, Channel: "whatsapp" });
    expect(started.status).toBe(201);
    expect(contract.checkVerificationResource(await started.json())).toEqual([]);
    const wrong = await post("VerificationCheck", { To: tel, Code: "000000" === standIn.verify.codeSentTo(tel) ? "111111" : "000000" });
    expect(wrong.status).toBe(200);
    const body = await wrong.json();
    expect(contract.checkVerificationCheckResource(body)).toEqual([]);
    expect(body.status).toBe("pending");
  });

  it.each([
    ["without To", { Channel: "whatsapp" }, 400, 60200],
    ["without Channel", { To: "+447700900099" }, 400, 60200],
    ["with a To that is not E.164", { To: "07700 900099", Channel: "whatsapp" }, 400, 60200],
  ])("refuses a start %s, as Verify would", async (_what, form, status, code) => {
    const answer = await post("Verifications", form);
    expect(answer.status).toBe(status);
    expect((await answer.json()).code).toBe(code);
    expect(standIn.verify.codeSentTo("+447700900099")).toBeUndefined();
  });

  it("refuses another account's token (401) and a service that is not the club's (404)", async () => {
    expect((await post("Verifications", { To: tel, Channel: "whatsapp" }, otherAuthToken)).status).toBe(401);
    expect((await post("Verifications", { To: tel, Channel: "whatsapp" }, testCredentials.authToken, twilioSid("VA"))).status).toBe(404);
    expect((await post("Verifications", { To: tel, Channel: "whatsapp" }, testCredentials.authToken, "VA123")).status).toBe(404);
    expect(standIn.verify.codeSentTo(tel)).toBeUndefined();
  });

  it("approves a code once: checking it again finds no verification (404), which the client reads as not approved", async () => {
    expect(await verify().start(testCredentials, serviceSid, tel)).toEqual({ outcome: "sent" });
    const code = standIn.verify.codeSentTo(tel)!;
    expect(await verify().check(testCredentials, serviceSid, tel, code)).toEqual({ outcome: "approved" });
    expect((await post("VerificationCheck", { To: tel, Code: code })).status).toBe(404);
    expect(await verify().check(testCredentials, serviceSid, tel, code)).toEqual({ outcome: "not_approved" });
  });

  it("sends the same code again while it lives, and lets it expire after 10 minutes", async () => {
    await verify().start(testCredentials, serviceSid, tel);
    const code = standIn.verify.codeSentTo(tel)!;
    clock = new Date(clock.getTime() + 9 * 60_000);
    await verify().start(testCredentials, serviceSid, tel);
    expect(standIn.verify.codeSentTo(tel)).toBe(code);
    clock = new Date(clock.getTime() + 60_000);
    expect(await verify().check(testCredentials, serviceSid, tel, code)).toEqual({ outcome: "not_approved" });
  });

  it("allows 5 checks of a code: the sixth is 429 with 60202, which the client reads as too many tries", async () => {
    await verify().start(testCredentials, serviceSid, tel);
    const code = standIn.verify.codeSentTo(tel)!;
    const wrong = code === "123456" ? "654321" : "123456";
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await verify().check(testCredentials, serviceSid, tel, wrong)).toEqual({ outcome: "not_approved" });
    }
    const sixth = await post("VerificationCheck", { To: tel, Code: code });
    expect(sixth.status).toBe(429);
    expect((await sixth.json()).code).toBe(60202);
    expect(await verify().check(testCredentials, serviceSid, tel, code)).toEqual({
      outcome: "too_many_tries",
      retryAfterSeconds: verifyRetryAfterSeconds,
    });
  });

  it("allows 5 sends to a number in 10 minutes: the sixth is 429 with 60203, and sends are allowed again after", async () => {
    for (let send = 0; send < 5; send++) expect(await verify().start(testCredentials, serviceSid, tel)).toEqual({ outcome: "sent" });
    const sixth = await post("Verifications", { To: tel, Channel: "whatsapp" });
    expect(sixth.status).toBe(429);
    expect((await sixth.json()).code).toBe(60203);
    expect(await verify().start(testCredentials, serviceSid, tel)).toEqual({
      outcome: "too_many_tries",
      retryAfterSeconds: verifyRetryAfterSeconds,
    });
    clock = new Date(clock.getTime() + 10 * 60_000);
    expect(await verify().start(testCredentials, serviceSid, tel)).toEqual({ outcome: "sent" });
  });

  it("is unavailable to the client when Verify cannot be reached or refuses the service", async () => {
    const unreachable = createVerifyClient({ baseUrl: "http://127.0.0.1:1", requestTimeoutMs: 1_000 });
    expect(await unreachable.start(testCredentials, serviceSid, tel)).toEqual({ outcome: "unavailable" });
    expect(await verify().start(testCredentials, twilioSid("VA"), tel)).toEqual({ outcome: "unavailable", httpStatus: 404, code: 20404 });
  });
});
