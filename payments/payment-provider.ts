/**
 * What signon asks of a payment provider (PAYMENTS.md): a link where the parent pays the signing-on
 * fee and sets up the monthly payments, what came of it, and the monthly payments themselves.
 * GoCardless (gocardless/) is the first; Stripe Checkout could be a second. Each call answers with
 * an outcome, never a throw, so a provider that cannot be reached never loses a registration.
 */

/** What a payment link is made for: one registration's fee and the monthly payments that follow. */
export interface PaymentLinkRequest {
  /** Ties the provider's records to the registration, and makes a retry return the same request. */
  registrationId: string;
  /** The signing-on fee, paid now, in pence. */
  feePence: number;
  /** What the parent sees on the provider's page and their statement: the club, the season and the player. */
  description: string;
  /** The parent, to save them typing their name on the provider's page. */
  payer: { givenName?: string; familyName?: string };
  /** Where the provider's page sends the parent when done. */
  redirectUrl: string;
}

export interface PaymentLink {
  /** The provider's request for the fee and the mandate (GoCardless: a billing request). */
  requestId: string;
  /** The page the link opens (GoCardless: a billing request flow); a fresh one can be made for the same request. */
  flowId: string;
  url: string;
  /** ISO: when the link stops working. */
  expiresAt: string;
}

/** The provider refused or could not be reached; its HTTP status and error code where it answered. */
export interface ProviderUnavailable {
  outcome: "unavailable";
  httpStatus?: number;
  code?: string;
}

export type PaymentLinkOutcome = { outcome: "created"; link: PaymentLink } | ProviderUnavailable;

/** What a request the parent completed brought: the fee's payment and the mandate for the monthly payments. */
export type FulfilledRequestOutcome =
  | { outcome: "fulfilled"; paymentId?: string; mandateId?: string }
  /** The request is not fulfilled (yet, or any more): its status as the provider names it. */
  | { outcome: "not_fulfilled"; status: string }
  | { outcome: "not_found" }
  | ProviderUnavailable;

export interface SubscriptionRequest {
  /** One subscription per registration: a second request for the same one returns the first. */
  registrationId: string;
  mandateId: string;
  /** Each monthly payment, in pence. */
  amountPence: number;
  /** How many monthly payments (signon:payments.subscriptionMonths). */
  months: number;
  /** What the parent sees for the payments: the club and the season. */
  name: string;
}

export type SubscriptionOutcome = { outcome: "created"; subscriptionId: string } | ProviderUnavailable;

export interface PaymentProvider {
  /** A request for the fee and the mandate, and a page for it; the same registration gets the same request. */
  createPaymentLink(request: PaymentLinkRequest): Promise<PaymentLinkOutcome>;
  /** A fresh page for a request whose link expired. */
  createFreshLink(requestId: string, request: PaymentLinkRequest): Promise<PaymentLinkOutcome>;
  /** What a request brought once the parent completed it. */
  readFulfilledRequest(requestId: string): Promise<FulfilledRequestOutcome>;
  /** The monthly payments on the mandate the request brought: exactly one per registration. */
  createSubscription(request: SubscriptionRequest): Promise<SubscriptionOutcome>;
}
