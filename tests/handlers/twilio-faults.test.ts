/**
 * Twilio's faults, scripted into the stand-in, against the real trigger handler and its real
 * HTTP calls: rate limits, outages, resets and timeouts are retried with backoff within the
 * Lambda's budget; refusals are not retried; and no fault ever sends an invite twice, even
 * when Twilio created the message and only its answer was lost.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TriggerHandler } from "../../handlers/trigger";
import { type LoopbackServer, serveOnLoopback } from "../../local/loopback";
import { type Failure, type Fault, startTwilioStandIn, type TwilioStandIn } from "../../local/stand-ins/twilio/stand-in";
import { clubSettings, otherAuthToken, testCredentials, twilioSecretName, validInvite } from "../../testkit/fixtures";
import { bodyOf, fastRetry, lambdaContext, standInsForFile, testTrigger } from "../../testkit/handler-under-test";
import { withSsmContents } from "../../testkit/local-services";
import { triggerEvent } from "../../testkit/trigger-event";
import type { MessagesClientOptions } from "../../twilio/messages-client";

// Short, so a stalled Twilio costs the tests little; the timeout path is the same as at 5 s.
const requestTimeoutMs = 300;
const clubAddress = `whatsapp:${clubSettings.whatsappNumber}`;

const { services, wiring, logLines } = standInsForFile();
let handler: TriggerHandler;

const triggerWith = (client: MessagesClientOptions, env = services().env) =>
  testTrigger({ ...wiring(), env }, { retry: fastRetry, requestTimeoutMs, ...client });

// Each test invites its own parent, so what the stand-in holds for that parent is that test's doing alone.
let nextParent = 200;
function newParent() {
  const number = nextParent++;
  return { typed: `07700 900${number}`, address: `whatsapp:+447700900${number}`, lastDigits: `900${number}` };
}
const sentTo = (standIn: TwilioStandIn, address: string) => standIn.messages.filter((message) => message.To === address);

beforeAll(() => {
  handler = triggerWith({});
});

afterEach(() => {
  services().twilio.clearFaults();
  services().twilio.attempts = 0;
  services().twilio.lookups = 0;
});

afterAll(() => {
  // No full phone number of any parent, and no credential, in the whole file's logs.
  const logs = logLines.join("\n");
  for (let number = 200; number < nextParent; number++) expect(logs).not.toContain(`900${number}`);
  for (const secret of [testCredentials.authToken, testCredentials.accountSid]) expect(logs).not.toContain(secret);
});

interface FaultCase {
  faults: Fault[];
  lookupFailures?: Failure[];
  status: 200 | 503 | 504;
  /** Send requests that reached the stand-in, and list requests. */
  attempts: number;
  lookups: number;
  /** Messages the stand-in holds for the parent afterwards. */
  held: 0 | 1;
}

const rateLimit = { status: 429, code: 20429, message: "Too Many Requests" };
const outage = { status: 503, code: 20503, message: "Service Unavailable" };

// Every fault kind: what the trigger answers, and what Twilio (the stand-in) holds for the parent.
const faultCases: [string, FaultCase][] = [
  ["a rate limit, once", { faults: [rateLimit], status: 200, attempts: 2, lookups: 0, held: 1 }],
  ["an internal error, once", { faults: [{ status: 500, code: 20500 }], status: 200, attempts: 2, lookups: 1, held: 1 }],
  ["a bad gateway, once", { faults: [{ status: 502 }], status: 200, attempts: 2, lookups: 1, held: 1 }],
  ["an outage, once", { faults: [outage], status: 200, attempts: 2, lookups: 1, held: 1 }],
  ["a reset before Twilio took the message", { faults: [{ dropConnection: true }], status: 200, attempts: 2, lookups: 1, held: 1 }],
  ["a timeout before Twilio took the message", { faults: [{ stall: true }], status: 200, attempts: 2, lookups: 1, held: 1 }],
  [
    "a reset after Twilio took the message",
    { faults: [{ dropConnection: true, accepted: true }], status: 200, attempts: 1, lookups: 1, held: 1 },
  ],
  ["a timeout after Twilio took the message", { faults: [{ stall: true, accepted: true }], status: 200, attempts: 1, lookups: 1, held: 1 }],
  ["a 500 after Twilio took the message", { faults: [{ status: 500, accepted: true }], status: 200, attempts: 1, lookups: 1, held: 1 }],
  [
    "a reset after Twilio took the message, then a failed lookup",
    { faults: [{ dropConnection: true, accepted: true }], lookupFailures: [outage], status: 200, attempts: 1, lookups: 2, held: 1 },
  ],
  [
    "timeouts until the last attempt, which Twilio took",
    { faults: [{ stall: true }, { stall: true }, { stall: true, accepted: true }], status: 200, attempts: 3, lookups: 3, held: 1 },
  ],
  ["rate limits on every attempt", { faults: [rateLimit, rateLimit, rateLimit], status: 503, attempts: 3, lookups: 0, held: 0 }],
  ["an outage on every attempt", { faults: [outage, outage, outage], status: 503, attempts: 3, lookups: 3, held: 0 }],
  ["a mix of 5xx and rate limits", { faults: [outage, rateLimit, { status: 502 }], status: 503, attempts: 3, lookups: 2, held: 0 }],
  [
    "resets on every attempt",
    {
      faults: [{ dropConnection: true }, { dropConnection: true }, { dropConnection: true }],
      status: 503,
      attempts: 3,
      lookups: 3,
      held: 0,
    },
  ],
  [
    "timeouts on every attempt",
    { faults: [{ stall: true }, { stall: true }, { stall: true }], status: 503, attempts: 3, lookups: 3, held: 0 },
  ],
  [
    "a reset after Twilio took the message, and every lookup failing",
    {
      faults: [{ dropConnection: true, accepted: true }],
      lookupFailures: [outage, { dropConnection: true }, { stall: true }],
      status: 504,
      attempts: 1,
      lookups: 3,
      held: 1,
    },
  ],
  [
    "a timeout before Twilio took the message, and every lookup failing",
    { faults: [{ stall: true }], lookupFailures: [outage, outage, outage], status: 504, attempts: 1, lookups: 3, held: 0 },
  ],
];

describe("every fault kind", () => {
  it.each(faultCases)("%s: never two messages, and the answer agrees with what Twilio holds", async (_, fault) => {
    const parent = newParent();
    services().twilio.failNext(...fault.faults);
    services().twilio.failNextLookup(...(fault.lookupFailures ?? []));
    const response = await handler(triggerEvent({ ...validInvite, parent_tel: parent.typed }), lambdaContext);
    const held = sentTo(services().twilio, parent.address);

    expect(response.statusCode, response.body).toBe(fault.status);
    expect(held).toHaveLength(fault.held);
    expect({ attempts: services().twilio.attempts, lookups: services().twilio.lookups }).toEqual({
      attempts: fault.attempts,
      lookups: fault.lookups,
    });
    const body = bodyOf(response);
    if (response.statusCode === 200) {
      // Sent: exactly one message, the one the caller is told of.
      expect(held).toHaveLength(1);
      expect(body).toMatchObject({ status: "message_sent", message_sid: held[0].sid });
    } else if (response.statusCode === 503) {
      // Reported as not sent: nothing was, and the caller is told when to try again.
      expect(held).toHaveLength(0);
      expect(response.headers?.["Retry-After"]).toBe("30");
      expect(body).toMatchObject({ error: "twilio_unavailable", retry_after_seconds: 30 });
      expect(body.message).toContain("nothing was sent");
    } else {
      // Twilio could not be asked: the caller hears that it may have gone, and is not invited to retry.
      expect(response.headers?.["Retry-After"]).toBeUndefined();
      expect(body).toMatchObject({ error: "twilio_unconfirmed" });
      expect(body.message).toContain("may have sent the invite");
    }
    expect(response.body).not.toMatch(/\n\s+at |node_modules/);
  });
});

// Twilio's permanent refusals, with the HTTP status and message its API answers them with.
const refusals: [number, string, (address: string) => string][] = [
  [21211, "an invalid number", (address) => `The 'To' number ${address} is not a valid phone number.`],
  [21610, "a parent who replied STOP", () => "Attempt to send to unsubscribed recipient"],
  [
    63016,
    "a message outside WhatsApp's window",
    () =>
      "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.",
  ],
  [63003, "an address WhatsApp cannot find", () => "Channel could not find To address"],
];

describe("a permanent refusal", () => {
  it.each(refusals)("%i (%s) is tried once, not looked up, and reported with Twilio's code", async (code, _, twilioMessage) => {
    const parent = newParent();
    services().twilio.failNext({ status: 400, code, message: twilioMessage(parent.address) });
    const response = await handler(triggerEvent({ ...validInvite, parent_tel: parent.typed }), lambdaContext);

    expect(response.statusCode).toBe(422);
    const body = bodyOf(response);
    expect(body).toMatchObject({
      error: "twilio_rejected",
      twilio_code: code,
      twilio_status: 400,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
    });
    expect(body.message).toContain(`(error ${code})`);
    expect({ attempts: services().twilio.attempts, lookups: services().twilio.lookups }).toEqual({ attempts: 1, lookups: 0 });
    expect(sentTo(services().twilio, parent.address)).toHaveLength(0);
    // No stack trace, and not the parent's full number even where Twilio's message quotes it.
    expect(response.body).not.toMatch(/\n\s+at |RestException|node_modules/);
    expect(response.body).not.toContain(parent.lastDigits);
  });

  it("of the club's own credentials is 502, tried once", async () => {
    const parent = newParent();
    const wrongToken = { [twilioSecretName]: JSON.stringify({ ...testCredentials, authToken: otherAuthToken }) };
    await withSsmContents(services().env, { secrets: wrongToken }, async (env) => {
      const response = await triggerWith({}, env)(triggerEvent({ ...validInvite, parent_tel: parent.typed }), lambdaContext);
      expect(response.statusCode).toBe(502);
      expect(bodyOf(response)).toMatchObject({ error: "twilio_credentials_rejected", twilio_code: 20003 });
      expect(services().twilio.attempts).toBe(1);
    });
  });
});

describe("the Lambda's time budget", () => {
  it("bounds the retries of a Twilio that never answers: 503 before the function's time is up", async () => {
    const parent = newParent();
    // The default 5 s request timeout, far longer than the budget: the deadline must cut it short.
    const patient = testTrigger(wiring(), { retry: { attempts: 10, baseDelayMs: 50, maxDelayMs: 200 } });
    services().twilio.failNext(...Array.from({ length: 10 }, () => ({ stall: true as const })));
    const budgetMs = 2_500;
    const started = Date.now();
    const response = await patient(triggerEvent({ ...validInvite, parent_tel: parent.typed }), {
      getRemainingTimeInMillis: () => budgetMs - (Date.now() - started),
    });

    expect(Date.now() - started).toBeLessThan(budgetMs);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.["Retry-After"]).toBe("30");
    expect(sentTo(services().twilio, parent.address)).toHaveLength(0);
    // Every timed-out send was followed by a lookup before the next, and one after the last.
    expect(services().twilio.lookups).toBe(services().twilio.attempts);
  });

  it("does not start a wait that would end past the deadline", async () => {
    const parent = newParent();
    const slow = testTrigger(wiring(), { retry: { attempts: 10, baseDelayMs: 5_000, maxDelayMs: 5_000 } });
    // More than it can use, whatever its jitter: any attempt that starts meets a rate limit.
    services().twilio.failNext(...Array.from({ length: 10 }, () => rateLimit));
    const started = Date.now();
    const response = await slow(triggerEvent({ ...validInvite, parent_tel: parent.typed }), { getRemainingTimeInMillis: () => 2_000 });
    expect(response.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("the lookup after an ambiguous fault", () => {
  let standIn: TwilioStandIn;
  let webhook: LoopbackServer;
  let replying: TriggerHandler;
  // Twilio's clock against the function's.
  let twilioClockOffsetMs = 0;

  beforeAll(async () => {
    webhook = await serveOnLoopback((_request, _body, response) => {
      response.writeHead(200, { "Content-Type": "text/xml" });
      response.end('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks, we will be in touch</Message></Response>');
    });
    standIn = await startTwilioStandIn(testCredentials, {
      webhookUrl: `${webhook.url}/webhook`,
      clubAddress,
      now: () => new Date(Date.now() + twilioClockOffsetMs),
    });
    replying = triggerWith({ apiBaseUrl: standIn.url });
  });

  afterEach(() => {
    standIn.clearFaults();
    twilioClockOffsetMs = 0;
  });

  afterAll(async () => {
    await standIn?.close();
    await webhook?.close();
  });

  it("does not take the bot's reply to the parent, sent meanwhile, for the invite", async () => {
    const parent = newParent();
    standIn.failNext({ stall: true });
    const answer = replying(triggerEvent({ ...validInvite, parent_tel: parent.typed }), lambdaContext);
    // While the first send hangs, the parent writes and the bot answers: a message from the club to the parent.
    const reply = await standIn.replyAsParent(`+447700${parent.lastDigits}`, "Hello?");
    const response = await answer;

    expect(reply.replies).toHaveLength(1);
    expect(response.statusCode).toBe(200);
    const held = sentTo(standIn, parent.address);
    expect(held).toHaveLength(1);
    expect(bodyOf(response).message_sid).toBe(held[0].sid);
    expect(standIn.conversations.find(`+447700${parent.lastDigits}`)?.messages.map((message) => message.kind)).toEqual([
      "text",
      "reply",
      "template",
    ]);
  });

  it("does not take an earlier invite to the same parent for this one", async () => {
    const parent = newParent();
    twilioClockOffsetMs = -60_000;
    const first = await replying(triggerEvent({ ...validInvite, parent_tel: parent.typed }), lambdaContext);
    twilioClockOffsetMs = 0;
    standIn.failNext({ stall: true });
    // A brother, a minute later: another invite to the same parent from the same number.
    const second = await replying(triggerEvent({ ...validInvite, player_first_name: "Bertie", parent_tel: parent.typed }), lambdaContext);

    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const held = sentTo(standIn, parent.address);
    expect(held).toHaveLength(2);
    expect(held.map((message) => message.sid)).toEqual([bodyOf(first).message_sid, bodyOf(second).message_sid]);
  });

  it("finds a message Twilio stamped up to a second early by its own clock", async () => {
    const parent = newParent();
    twilioClockOffsetMs = -900;
    standIn.failNext({ dropConnection: true, accepted: true });
    const response = await replying(triggerEvent({ ...validInvite, parent_tel: parent.typed }), lambdaContext);

    expect(response.statusCode).toBe(200);
    const held = sentTo(standIn, parent.address);
    expect(held).toHaveLength(1);
    expect(bodyOf(response).message_sid).toBe(held[0].sid);
  });
});
