/**
 * The payment's statuses (domain/payments.ts): each event moves a status only forward, a late
 * failure changes nothing once paid, a charge-back is the one way back, and events in any order,
 * delivered more than once and between signon's own steps, never ask for a second subscription.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyPaymentEvent,
  type FeeStatus,
  type MandateStatus,
  noPayment,
  type PaymentEvent,
  type PaymentState,
  paymentNeedsClub,
  recordLinkSent,
  recordSubscription,
  type SubscriptionStatus,
} from "../../domain/payments";

const now = new Date("2025-09-02T09:00:00.000Z");
const at = "2025-09-01T10:00:00.000Z";
const event = (resource: PaymentEvent["resource"], action: string, when = at): PaymentEvent => ({ resource, action, at: when });
const apply = (state: PaymentState, ...events: PaymentEvent[]) =>
  events.reduce((current, next) => applyPaymentEvent(current, next, now).state, state);

describe("a payment's statuses", () => {
  it("starts unpaid, with no mandate or subscription, and the link sent moves only an unpaid fee", () => {
    expect(noPayment).toEqual({ fee_status: "unpaid", mandate_status: "none", subscription_status: "none" });
    expect(recordLinkSent(noPayment).fee_status).toBe("link_sent");
    const paid = apply(noPayment, event("payments", "confirmed"));
    expect(recordLinkSent(paid)).toBe(paid);
  });

  it.each([
    [["created"], "pending"],
    [["confirmed"], "paid"],
    [["failed"], "failed"],
    [["cancelled"], "failed"],
    [["failed", "confirmed"], "paid"],
    [["paid_out", "failed"], "paid"],
    [["confirmed", "cancelled"], "paid"],
    [["paid_out", "submitted"], "paid"],
    [["confirmed", "charged_back"], "failed"],
    [["charged_back", "confirmed", "paid_out"], "failed"],
    [["late_failure_settled"], "unpaid"],
  ] as [string[], FeeStatus][])("payment events %j leave the fee %s", (actions, expected) => {
    expect(apply(noPayment, ...actions.map((action) => event("payments", action))).fee_status).toBe(expected);
  });

  it("keeps when the fee was first paid, and takes it away with a charge-back, which needs the club", () => {
    const paid = apply(
      noPayment,
      event("payments", "paid_out", "2025-09-04T10:00:00.000Z"),
      event("payments", "confirmed", "2025-09-02T10:00:00.000Z"),
    );
    expect(paid.fee_paid_at).toBe("2025-09-02T10:00:00.000Z");
    expect(paymentNeedsClub(paid)).toBe(false);
    const chargedBack = apply(paid, event("payments", "charged_back", "2025-10-01T10:00:00.000Z"));
    expect(chargedBack).toMatchObject({ fee_status: "failed", fee_charged_back_at: "2025-10-01T10:00:00.000Z" });
    expect(chargedBack.fee_paid_at).toBeUndefined();
    expect(paymentNeedsClub(chargedBack)).toBe(true);
  });

  it.each([
    [["created", "active"], "active"],
    [["active", "submitted"], "active"],
    [["active", "cancelled"], "cancelled"],
    [["cancelled", "active"], "cancelled"],
    [["failed"], "failed"],
    [["expired", "created"], "expired"],
  ] as [string[], MandateStatus][])("mandate events %j leave it %s", (actions, expected) => {
    expect(apply(noPayment, ...actions.map((action) => event("mandates", action))).mandate_status).toBe(expected);
  });

  it.each([
    [["created"], "active"],
    [["created", "cancelled"], "cancelled"],
    [["finished", "created"], "finished"],
  ] as [string[], SubscriptionStatus][])("subscription events %j leave it %s", (actions, expected) => {
    expect(apply(noPayment, ...actions.map((action) => event("subscriptions", action))).subscription_status).toBe(expected);
  });

  it("asks for the subscription when the request is fulfilled, and not again once one is recorded", () => {
    const fulfilled = applyPaymentEvent(recordLinkSent(noPayment), event("billing_requests", "fulfilled"), now);
    expect(fulfilled.effects).toEqual([{ kind: "create_subscription" }]);
    expect(fulfilled.state.fee_status).toBe("pending");
    const recorded = recordSubscription(fulfilled.state, "SB0001");
    expect(recorded).toMatchObject({ subscription_id: "SB0001", subscription_status: "active" });
    expect(recordSubscription(recorded, "SB0002").subscription_id).toBe("SB0001");
    expect(applyPaymentEvent(recorded, event("billing_requests", "fulfilled"), now)).toEqual({
      state: recorded,
      effects: [],
      changed: false,
    });
  });

  it("thanks the parent once, when the fee is paid and the mandate active, whichever comes last", () => {
    const paid = applyPaymentEvent(noPayment, event("payments", "confirmed"), now);
    expect(paid.effects).toEqual([]);
    const active = applyPaymentEvent(paid.state, event("mandates", "active"), now);
    expect(active.effects).toEqual([{ kind: "thank_parent" }]);
    expect(active.state.parent_thanked_at).toBe(now.toISOString());
    expect(applyPaymentEvent(active.state, event("payments", "paid_out"), now).effects).toEqual([]);
  });
});

describe("events in any order, duplicated, between signon's own steps", () => {
  const actions: Record<PaymentEvent["resource"], string[]> = {
    billing_requests: ["created", "flow_created", "fulfilled"],
    payments: [
      "created",
      "customer_approval_granted",
      "submitted",
      "confirmed",
      "paid_out",
      "failed",
      "cancelled",
      "charged_back",
      "late_failure_settled",
    ],
    mandates: ["created", "submitted", "active", "failed", "cancelled", "expired", "reinstated"],
    subscriptions: ["created", "cancelled", "finished"],
  };
  const anyEvent = fc.constantFrom(...(Object.keys(actions) as PaymentEvent["resource"][])).chain((resource) =>
    fc.record({
      resource: fc.constant(resource),
      action: fc.constantFrom(...actions[resource]),
      at: fc.integer({ min: 1, max: 28 }).map((day) => `2025-09-${String(day).padStart(2, "0")}T10:00:00.000Z`),
    }),
  );
  type Step = { event: PaymentEvent } | { linkSent: true };
  /** The events GoCardless made, and their delivery: every one at least once, in any order, some again, with the link sent between. */
  const deliveries = fc.array(anyEvent, { minLength: 1, maxLength: 14 }).chain((made) =>
    fc
      .tuple(
        fc.shuffledSubarray(made, { minLength: made.length, maxLength: made.length }),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.oneof(
              fc.nat().map((index) => ({ event: made[index % made.length] }) as Step),
              fc.constant<Step>({ linkSent: true }),
            ),
          ),
        ),
      )
      .map(([order, extras]) => {
        const steps: Step[] = order.map((one) => ({ event: one }));
        for (const [position, step] of extras) steps.splice(position % (steps.length + 1), 0, step);
        return { made, steps };
      }),
  );

  /** The handler as the domain asks it to act: each subscription asked for is made (a provider without idempotency) and recorded. */
  function run(steps: Step[], check: (before: PaymentState, after: PaymentState, step: Step) => void = () => undefined) {
    let state = noPayment;
    let subscriptionsMade = 0;
    let thanks = 0;
    for (const step of steps) {
      const before = state;
      if ("linkSent" in step) state = recordLinkSent(state);
      else {
        const outcome = applyPaymentEvent(state, step.event, now);
        state = outcome.state;
        for (const effect of outcome.effects) {
          if (effect.kind === "thank_parent") thanks += 1;
          else state = recordSubscription(state, `SB${++subscriptionsMade}`);
        }
      }
      check(before, state, step);
    }
    return { state, subscriptionsMade, thanks };
  }

  const feeRank = (state: PaymentState) =>
    state.fee_charged_back_at !== undefined ? 5 : ["unpaid", "link_sent", "pending", "failed", "paid"].indexOf(state.fee_status);
  const mandateRank = (state: PaymentState) =>
    ["none", "pending", "active", "failed", "cancelled", "expired"].indexOf(state.mandate_status);
  const subscriptionRank = (state: PaymentState) => ["none", "active", "cancelled", "finished"].indexOf(state.subscription_status);

  it("never move a status back, nor a paid fee but by a charge-back, and ask for one subscription at most", () => {
    fc.assert(
      fc.property(deliveries, ({ made, steps }) => {
        const { subscriptionsMade, thanks } = run(steps, (before, after, step) => {
          expect(feeRank(after)).toBeGreaterThanOrEqual(feeRank(before));
          expect(mandateRank(after)).toBeGreaterThanOrEqual(mandateRank(before));
          expect(subscriptionRank(after)).toBeGreaterThanOrEqual(subscriptionRank(before));
          if (before.fee_status === "paid" && after.fee_status !== "paid") {
            expect(step).toEqual({ event: expect.objectContaining({ resource: "payments", action: "charged_back" }) });
          }
          if (before.fee_charged_back_at !== undefined) expect(after.fee_status).toBe("failed");
          if (before.subscription_id !== undefined) expect(after.subscription_id).toBe(before.subscription_id);
        });
        const fulfilled = made.some(({ resource, action }) => resource === "billing_requests" && action === "fulfilled");
        expect(subscriptionsMade).toBe(fulfilled ? 1 : 0);
        expect(thanks).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("end the same however they arrive: as if each came once, in the order made", () => {
    fc.assert(
      fc.property(deliveries, ({ made, steps }) => {
        const linkSent = steps.some((step) => "linkSent" in step);
        const inOrder = run([...(linkSent ? [{ linkSent: true } as Step] : []), ...made.map((one) => ({ event: one }))]).state;
        const { parent_thanked_at: _thankedWhenDelivered, ...delivered } = run(steps).state;
        const { parent_thanked_at: _thankedInOrder, ...expected } = inOrder;
        expect(delivered).toEqual(expected);
      }),
    );
  });
});
