/**
 * A registration's payment link (PAYMENTS.md, "The flow" 1 and "Not paid"): what the provider is
 * asked for, what the record keeps of the answer, and whether the link it keeps still works. Pure:
 * the webhook and the reminders run call the provider and write the record.
 */
import type { PaymentLink, PaymentLinkRequest } from "../payments/payment-provider";
import type { PaymentStanding } from "./conversation/replies";
import { penceOf } from "./money";
import { type RecordedPayment, recordLinkSent } from "./payments";
import type { RegistrationRecord } from "./registration";

/** What the provider is asked for one registration; undefined when the invite's fee is not an amount (the trigger checks it is). */
export function paymentLinkRequest(
  record: RegistrationRecord,
  { clubName, redirectUrl }: { clubName: string; redirectUrl: string },
): PaymentLinkRequest | undefined {
  const feePence = penceOf(record.membership_fee);
  if (feePence === undefined) return undefined;
  const player = record.player_legal_name ?? [record.player_first_name, record.player_last_name].filter(Boolean).join(" ");
  return {
    registrationId: record.registration_id,
    feePence,
    description: `${clubName} ${record.season}: ${player}`,
    payer: { givenName: record.parent_first_name, familyName: record.parent_last_name },
    redirectUrl,
  };
}

/** The record's payment with the provider's link kept (its request, page, URL and expiry), not yet marked sent. */
export function withPaymentLink(payment: RecordedPayment, link: PaymentLink): RecordedPayment {
  return { ...payment, request_id: link.requestId, flow_id: link.flowId, link_url: link.url, link_expires_at: link.expiresAt };
}

/** The link went to the parent with this message: kept and marked sent. */
export const sentPaymentLink = (payment: RecordedPayment, link: PaymentLink): RecordedPayment => ({
  ...withPaymentLink(payment, link),
  fee_status: recordLinkSent(payment).fee_status,
});

/** Whether the kept link still opens its page at `at`: the provider's expiry is compared as an instant, whatever its offset. */
export const linkWorksAt = (payment: RecordedPayment, at: Date): boolean =>
  payment.link_url !== undefined && payment.link_expires_at !== undefined && Date.parse(payment.link_expires_at) > at.getTime();

/** A fee the parent is still to pay through a link: not paid, not on its way, not failed (the club's to look at). */
export const awaitsPayment = (payment: RecordedPayment): boolean => payment.fee_status === "unpaid" || payment.fee_status === "link_sent";

/** What a "where is my registration" reply says of the payment. */
export function paymentStanding(payment: RecordedPayment, now: Date): PaymentStanding {
  if (payment.fee_status === "paid" || payment.fee_status === "pending" || payment.fee_status === "failed") {
    return { kind: payment.fee_status };
  }
  return linkWorksAt(payment, now) ? { kind: "link", url: payment.link_url! } : { kind: "no_link" };
}
