/**
 * Property-based: a paid registration's GoCardless events delivered in random batches, in any
 * order, repeated, some at once, interleaved with the parent's messages to the real webhook, all
 * against dynalite and the stand-ins. Whatever the schedule, no status moves back, no second
 * subscription is made, every answer is 204 or 200, and once all has come the registration is
 * paid, its mandate active and its one subscription recorded.
 */
import fc from "fast-check";
import type { Event } from "gocardless-nodejs";
import { describe, expect, it, vi } from "vitest";
import { feeStatuses, mandateStatuses, subscriptionStatuses } from "../../domain/payments";
import { lambdaContext, standInsForFile, testPayments, testWebhook } from "../../testkit/handler-under-test";
import {
  goCardlessEvent,
  goCardlessForFile,
  paymentsEnv,
  paymentsSsmContents,
  storedRegistration,
  submittedRegistration,
  webhookEvent,
} from "../../testkit/payment-events";
import { inboundMessage, signedEvent } from "../../testkit/twilio-webhook";

// Some hundred real requests a run: a generous bound, so a busy machine makes the run slower, not red.
vi.setConfig({ testTimeout: 300_000 });

const { services, wiring } = standInsForFile(paymentsSsmContents);
const goCardless = goCardlessForFile();
const env = () => paymentsEnv(services().env, goCardless());

/** A step of the schedule: a batch of the events by their index, or a message from the parent; `together` with the next one. */
type Step = { kind: "events"; indexes: number[]; together: boolean } | { kind: "parent"; text: string; together: boolean };

const step = (events: number): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("events" as const),
        indexes: fc.array(fc.nat({ max: events - 1 }), { minLength: 1, maxLength: 4 }),
        together: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("parent" as const),
        text: fc.constantFrom("Hello", "Where is my registration?", "HELP"),
        together: fc.boolean(),
      }),
    },
  );

const rank =
  <S extends string>(order: readonly S[]) =>
  (status: S) =>
    order.indexOf(status);
const feeRank = (status: (typeof feeStatuses)[number]) => (status === "paid" ? 4 : status === "failed" ? 3 : rank(feeStatuses)(status));

let runs = 0;

describe("GoCardless's events in any order, repeated, between the parent's messages", () => {
  it("never move a status back nor make a second subscription, and end paid, active and subscribed", async () => {
    // The stand-in's events for a paid flow (fulfilled, confirmed, active), and a later paid_out of the payment.
    const eventCount = 4;
    await fc.assert(
      fc.asyncProperty(fc.array(step(eventCount), { minLength: 1, maxLength: 8 }), async (schedule) => {
        const tel = `+447700900${String(500 + (runs++ % 400)).padStart(3, "0")}`;
        const submitted = await submittedRegistration(env(), goCardless(), { parent_tel: tel });
        const paid = await goCardless().pay(submitted.flowId);
        const events: Event[] = [...paid, goCardlessEvent("payments", "paid_out", { payment: paid[1].links!.payment! })];
        // Everything comes at the end at the latest, as GoCardless retries until it has a 2xx.
        const all: Step[] = [...schedule, { kind: "events", indexes: events.map((_, index) => index), together: false }];
        const payments = testPayments({ ...wiring(), env: env() });
        const webhook = testWebhook(wiring());
        const run = (current: Step) =>
          current.kind === "events"
            ? payments(webhookEvent(current.indexes.map((index) => events[index])), lambdaContext)
            : webhook(signedEvent(inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1), Body: current.text })));

        let before = (await storedRegistration(env(), tel)).payment!;
        for (let index = 0; index < all.length; index++) {
          const group = [all[index]];
          while (group.at(-1)!.together && index + 1 < all.length) group.push(all[++index]);
          const answers = await Promise.all(group.map(run));
          for (const answer of answers) expect([200, 204], answer.body).toContain(answer.statusCode);
          const now = (await storedRegistration(env(), tel)).payment!;
          expect(feeRank(now.fee_status)).toBeGreaterThanOrEqual(feeRank(before.fee_status));
          expect(rank(mandateStatuses)(now.mandate_status)).toBeGreaterThanOrEqual(rank(mandateStatuses)(before.mandate_status));
          expect(rank(subscriptionStatuses)(now.subscription_status)).toBeGreaterThanOrEqual(
            rank(subscriptionStatuses)(before.subscription_status),
          );
          if (before.subscription_id !== undefined) expect(now.subscription_id).toBe(before.subscription_id);
          before = now;
        }
        const subscriptions = [...goCardless().subscriptions.values()].filter(
          (subscription) => subscription.metadata?.registration_id === submitted.registration.registration_id,
        );
        expect(subscriptions).toHaveLength(1);
        expect(before).toMatchObject({
          fee_status: "paid",
          mandate_status: "active",
          subscription_status: "active",
          subscription_id: subscriptions[0].id,
          fee_paid_at: paid[1].created_at,
        });
        expect(new Set(before.applied_event_ids)).toEqual(new Set(events.map((event) => event.id)));
      }),
      { numRuns: 25 },
    );
  });
});
