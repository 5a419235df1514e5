/**
 * A registration's payment as PAYMENTS.md records it: the signing-on fee, the Direct Debit mandate
 * and the monthly subscription, moved by the provider's events. Events come in any order, more than
 * once, and late; each status only moves forward, so the outcome does not depend on their order. The
 * one way back is a charge-back, which takes a paid fee to `failed` for good.
 */

export const feeStatuses = ["unpaid", "link_sent", "pending", "paid", "failed"] as const;
export type FeeStatus = (typeof feeStatuses)[number];
export const mandateStatuses = ["none", "pending", "active", "failed", "cancelled", "expired"] as const;
export type MandateStatus = (typeof mandateStatuses)[number];
export const subscriptionStatuses = ["none", "active", "cancelled", "finished"] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

export interface PaymentState {
  fee_status: FeeStatus;
  mandate_status: MandateStatus;
  subscription_status: SubscriptionStatus;
  /** ISO: when the fee was first paid (the event's time). */
  fee_paid_at?: string;
  /** ISO: the bank took a paid fee back; the fee stays `failed` whatever comes after. */
  fee_charged_back_at?: string;
  /** The monthly subscription made on the mandate: once set, no other is asked for. */
  subscription_id?: string;
  /** ISO: when the parent was told the fee is paid and the Direct Debit set up (once). */
  parent_thanked_at?: string;
}

/**
 * A registration's payment as its record keeps it (`payment` on the record, once submitted in a
 * stack with a provider): the statuses, and the provider's ids that find the registration again.
 */
export interface RecordedPayment extends PaymentState {
  /** The provider's request for the fee and the mandate (GoCardless: a billing request). */
  request_id?: string;
  /** The page the last link opens (GoCardless: a billing request flow), its link, and when it stops working (ISO). */
  flow_id?: string;
  link_url?: string;
  link_expires_at?: string;
  /** What the fulfilled request brought: the fee's payment and the mandate. */
  payment_id?: string;
  mandate_id?: string;
  /** Reminders to pay sent so far, and when the last went (ISO). */
  reminders_sent?: number;
  reminded_at?: string;
  /** The ids of the provider's events already applied, the latest few: each is applied once. */
  applied_event_ids?: string[];
}

export const noPayment: PaymentState = { fee_status: "unpaid", mandate_status: "none", subscription_status: "none" };

/** One of the provider's events about this registration's resources, in GoCardless's words. */
export interface PaymentEvent {
  resource: "billing_requests" | "payments" | "mandates" | "subscriptions";
  action: string;
  /** ISO: when the provider says it happened. */
  at: string;
}

/** What the handler must do after an event: the domain decides, the handler calls the provider and WhatsApp. */
export type PaymentEffect =
  /** Read the fulfilled request's mandate and create the monthly subscription on it, then `recordSubscription`. */
  | { kind: "create_subscription" }
  /** Tell the parent the fee is paid and the Direct Debit set up (inside WhatsApp's 24-hour window only). */
  | { kind: "thank_parent" };

export interface PaymentOutcome {
  state: PaymentState;
  effects: PaymentEffect[];
  /** Whether the state differs from the one given: nothing to write otherwise. */
  changed: boolean;
}

/**
 * Each status's place: a status moves only to a later one. A fee that failed can still be paid (a
 * payment retried, or a fresh link paid), so `failed` comes before `paid`; the ends of a mandate or
 * subscription come after its active state, in an order that makes the last word the same however
 * the events arrive.
 */
const feeRank: Record<FeeStatus, number> = { unpaid: 0, link_sent: 1, pending: 2, failed: 3, paid: 4 };
const mandateRank: Record<MandateStatus, number> = { none: 0, pending: 1, active: 2, failed: 3, cancelled: 4, expired: 5 };
const subscriptionRank: Record<SubscriptionStatus, number> = { none: 0, active: 1, cancelled: 2, finished: 3 };

/** The fee's status each payment action means; actions not here change nothing. */
const paymentActions: Record<string, FeeStatus> = {
  created: "pending",
  customer_approval_granted: "pending",
  submitted: "pending",
  confirmed: "paid",
  paid_out: "paid",
  failed: "failed",
  cancelled: "failed",
};
const mandateActions: Record<string, MandateStatus> = {
  created: "pending",
  customer_approval_granted: "pending",
  submitted: "pending",
  active: "active",
  failed: "failed",
  cancelled: "cancelled",
  expired: "expired",
};
const subscriptionActions: Record<string, SubscriptionStatus> = { created: "active", cancelled: "cancelled", finished: "finished" };

const later = <Status extends string>(rank: Record<Status, number>, current: Status, next: Status | undefined): Status =>
  next !== undefined && rank[next] > rank[current] ? next : current;

/** ISO times of the same form compare as text. */
const earlier = (first: string | undefined, second: string) => (first !== undefined && first <= second ? first : second);

function withFee(state: PaymentState, next: FeeStatus | undefined, at: string): PaymentState {
  if (state.fee_charged_back_at !== undefined) return state;
  const fee_status = later(feeRank, state.fee_status, next);
  // Paid when the provider first said so, whichever of confirmed and paid_out arrives first.
  const fee_paid_at = next === "paid" ? earlier(state.fee_paid_at, at) : state.fee_paid_at;
  if (fee_status === state.fee_status && fee_paid_at === state.fee_paid_at) return state;
  return { ...state, fee_status, ...(fee_paid_at === undefined ? {} : { fee_paid_at }) };
}

function afterEvent(state: PaymentState, { resource, action, at }: PaymentEvent): PaymentState {
  switch (resource) {
    case "payments":
      if (action === "charged_back") {
        const fee_charged_back_at = earlier(state.fee_charged_back_at, at);
        if (fee_charged_back_at === state.fee_charged_back_at) return state;
        // The money went back: the fee is not paid, whatever said so before or says so later.
        const { fee_paid_at: _takenBack, ...rest } = state;
        return { ...rest, fee_status: "failed", fee_charged_back_at };
      }
      return withFee(state, paymentActions[action], at);
    case "billing_requests":
      // Fulfilled: the parent completed the page, so the fee's payment exists.
      return action === "fulfilled" ? withFee(state, "pending", at) : state;
    case "mandates": {
      const mandate_status = later(mandateRank, state.mandate_status, mandateActions[action]);
      return mandate_status === state.mandate_status ? state : { ...state, mandate_status };
    }
    case "subscriptions": {
      const subscription_status = later(subscriptionRank, state.subscription_status, subscriptionActions[action]);
      return subscription_status === state.subscription_status ? state : { ...state, subscription_status };
    }
  }
}

/** Applies one event: the state it leaves, and what the handler must do because of it. */
export function applyPaymentEvent(state: PaymentState, event: PaymentEvent, now: Date): PaymentOutcome {
  let next = afterEvent(state, event);
  const effects: PaymentEffect[] = [];
  if (event.resource === "billing_requests" && event.action === "fulfilled" && next.subscription_id === undefined) {
    effects.push({ kind: "create_subscription" });
  }
  if (next.fee_status === "paid" && next.mandate_status === "active" && next.parent_thanked_at === undefined) {
    next = { ...next, parent_thanked_at: now.toISOString() };
    effects.push({ kind: "thank_parent" });
  }
  return { state: next, effects, changed: next !== state };
}

/** The subscription the handler created: recorded once; a second id for the same registration is not taken. */
export function recordSubscription(state: PaymentState, subscriptionId: string): PaymentState {
  if (state.subscription_id !== undefined) return state;
  return { ...state, subscription_id: subscriptionId, subscription_status: later(subscriptionRank, state.subscription_status, "active") };
}

/** The link went to the parent: an unpaid fee is now `link_sent`; a fee further on stays where it is. */
export function recordLinkSent(state: PaymentState): PaymentState {
  const fee_status = later(feeRank, state.fee_status, "link_sent");
  return fee_status === state.fee_status ? state : { ...state, fee_status };
}

/** Whether the club should look at the registration's payment (the board's Needs attention). */
export const paymentNeedsClub = (state: PaymentState): boolean => state.fee_status === "failed";
