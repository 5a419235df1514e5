/**
 * Generated invites and repeats (fast-check): players invited again with and without
 * Idempotency-Keys, resends, concurrent pairs. Whatever the order, a player gets one message per
 * send the trigger answered as sent, never a second one unless a resend asked for it, and every
 * player answered for has exactly one registration, which counts every message. The real
 * trigger, the Twilio stand-in and dynalite on loopback.
 */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { APIGatewayProxyResult } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { environmentVariables } from "../../config/settings";
import { validInvite } from "../../testkit/fixtures";
import { bodyOf, fastRetry, handlerUnderTest, lambdaContext, testTrigger } from "../../testkit/handler-under-test";
import { triggerEvent } from "../../testkit/trigger-event";

// Thousands of real requests against the stand-ins: about 10 to 20 s on a quiet 2-CPU machine, several
// times that when the machine is busy. A generous bound, so load makes the run slower, not red.
vi.setConfig({ testTimeout: 300_000 });

const { handler: trigger, services } = handlerUnderTest((wiring) => testTrigger(wiring, { retry: fastRetry }));

// Two players share a parent (siblings), one has another parent.
const players = [
  { player_first_name: "Alfie", parent_tel: "07700 900123" },
  { player_first_name: "Bella", parent_tel: "07700 900123" },
  { player_first_name: "Cody", parent_tel: "07700 900124" },
];

const request = fc.record({
  player: fc.integer({ min: 0, max: players.length - 1 }),
  key: fc.option(fc.constantFrom("key-1", "key-2", "key-3"), { nil: undefined }),
  resend: fc.boolean(),
});
/** One request, or two at once (a double click, an automation retrying while the first runs). */
const step = fc.array(request, { minLength: 1, maxLength: 2 });

type Request = { player: number; key?: string; resend: boolean };

function send({ player, key, resend }: Request): Promise<APIGatewayProxyResult> {
  const invite = { ...validInvite, ...players[player], ...(resend ? { resend: true } : {}) };
  return trigger(triggerEvent(invite, key ? { "Idempotency-Key": key } : {}), lambdaContext);
}

async function registrations() {
  const items = await services().dynamoDb.items(services().env[environmentVariables.registrationsTable]);
  return items.map((item) => unmarshall(item as never)).filter((item) => String(item.sk).startsWith("registration#"));
}

describe("invites and their repeats, generated", () => {
  it("never send a player two messages unless a resend asked, and never lose a registration", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        await services().reset();
        const answered: { request: Request; response: APIGatewayProxyResult }[] = [];
        for (const together of steps) {
          const responses = await Promise.all(together.map(send));
          answered.push(...together.map((request, index) => ({ request, response: responses[index] })));
        }
        const stored = await registrations();
        for (const [index, player] of players.entries()) {
          const mine = answered.filter(({ request }) => request.player === index);
          // Each answer is a send, a duplicate, "being sent, ask again", or a key reused for another player.
          for (const { response } of mine) {
            expect([200, 409, 422], response.body).toContain(response.statusCode);
            if (response.statusCode !== 200) expect(["invite_in_progress", "idempotency_key_reused"]).toContain(bodyOf(response).error);
          }
          const sentNow = mine.filter(({ response }) => response.statusCode === 200 && bodyOf(response).duplicate === false);
          const messages = services().twilio.messages.filter(
            (message) => JSON.parse(message.ContentVariables)["2"] === player.player_first_name,
          );
          expect(messages).toHaveLength(sentNow.length);
          // Only a resend makes a second message.
          expect(sentNow.filter(({ request }) => !request.resend).length).toBeLessThanOrEqual(1);
          if (!mine.some(({ request }) => request.resend)) expect(messages.length).toBeLessThanOrEqual(1);
          const registration = stored.filter((item) => item.player_first_name === player.player_first_name);
          if (sentNow.length === 0) continue;
          // One registration per player, counting every message, named in every answer about it.
          expect(registration).toHaveLength(1);
          expect(registration[0]).toMatchObject({ invites_sent: messages.length, status: "invited" });
          expect(registration[0].sending).toBeUndefined();
          for (const { response } of mine.filter(({ response }) => response.statusCode === 200)) {
            expect(bodyOf(response).registration_id).toBe(registration[0].registration_id);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
