/**
 * Load on the local runtime: 2,000 triggers, each a different invite, from 50 concurrent
 * clients against `npm start` (the usage plan's throttle, the real trigger handler, dynalite),
 * sending through a Twilio stand-in this test holds. Every request is either sent exactly once
 * (200, one message at Twilio) or refused by the throttle (429, nothing at Twilio).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { madeUpTwilioAccount } from "../../local/stand-ins/twilio/ids";
import { startTwilioStandIn, type TwilioStandIn } from "../../local/stand-ins/twilio/stand-in";
import { validInvite } from "../../testkit/fixtures";
import { postInvite, type RunningSignon, startSignonSendingTo } from "../../testkit/npm-start";

const requests = 2_000;
const clients = 50;
const apiKey = "load-test-api-key-not-secret";
const account = madeUpTwilioAccount();

let twilio: TwilioStandIn;
let signon: RunningSignon;
const outcomes: { player: string; status: number; messageSid?: string }[] = [];
let elapsedMs = 0;

/** The i-th invite: its own player, and one of the drama range's thousand numbers for the parent. */
const inviteFor = (index: number) => ({
  ...validInvite,
  player_first_name: `Player${index}`,
  parent_tel: `07700 900${String(index % 1000).padStart(3, "0")}`,
});

beforeAll(async () => {
  twilio = await startTwilioStandIn(account);
  signon = await startSignonSendingTo(twilio, account, apiKey);

  let next = 0;
  const client = async () => {
    while (next < requests) {
      const index = next++;
      const response = await postInvite(signon.url, inviteFor(index), { "x-api-key": apiKey });
      const body = (await response.json()) as { message_sid?: string };
      outcomes.push({ player: `Player${index}`, status: response.status, messageSid: body.message_sid });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  elapsedMs = performance.now() - started;
}, 120_000);

afterAll(async () => {
  await signon?.stop();
  await twilio?.close();
});

describe(`${requests} triggers from ${clients} concurrent clients`, () => {
  it("each get 200 or the throttle's 429, and the two add up to every request", () => {
    const count = (status: number) => outcomes.filter((outcome) => outcome.status === status).length;
    expect([...new Set(outcomes.map((outcome) => outcome.status))].sort()).toEqual([200, 429]);
    expect(count(200) + count(429)).toBe(requests);
    // At least the burst gets through; the rest are refused at the gateway.
    expect(count(200)).toBeGreaterThanOrEqual(50);
    const figures = {
      requests,
      clients,
      sent: count(200),
      throttled: count(429),
      elapsedMs: Math.round(elapsedMs),
      requestsPerSecond: Math.round((requests / elapsedMs) * 1000),
    };
    fs.mkdirSync(path.join(__dirname, "../../test-output"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "../../test-output/load.json"), `${JSON.stringify(figures, null, 2)}\n`);
  });

  it("sent every 200 exactly once, and nothing for a 429", () => {
    const messagesByPlayer = new Map<string, { sid: string }[]>();
    for (const message of twilio.messages) {
      const player = (JSON.parse(message.ContentVariables) as Record<string, string>)["2"].split(" ")[0];
      messagesByPlayer.set(player, [...(messagesByPlayer.get(player) ?? []), message]);
    }
    const sent = outcomes.filter((outcome) => outcome.status === 200);
    expect(twilio.messages).toHaveLength(sent.length);
    for (const outcome of sent)
      expect(
        messagesByPlayer.get(outcome.player)?.map((message) => message.sid),
        outcome.player,
      ).toEqual([outcome.messageSid]);
    for (const outcome of outcomes.filter((o) => o.status === 429))
      expect(messagesByPlayer.has(outcome.player), outcome.player).toBe(false);
  });

  it("reached the handler only for the requests the throttle let through", () => {
    const events = signon.logs().map((line) => line.event);
    const sent = outcomes.filter((outcome) => outcome.status === 200).length;
    expect(events.filter((event) => event === "invite_sent")).toHaveLength(sent);
    expect(events.filter((event) => event === "request_done")).toHaveLength(sent);
    expect(events.filter((event) => event === "gateway_refused")).toHaveLength(requests - sent);
  });
});
