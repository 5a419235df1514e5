/**
 * The payment reminders' pure rules (domain/reminders.ts, PAYMENTS.md "Not paid") and the link
 * they keep (domain/payment-link.ts): who gets a link or a reminder and when, which link goes,
 * and which channel WhatsApp allows.
 */
import { describe, expect, it } from "vitest";
import { awaitsPayment, paymentLinkRequest, paymentStanding, sentPaymentLink } from "../../domain/payment-link";
import { feeStatuses, noPayment, type RecordedPayment } from "../../domain/payments";
import {
  claimPaymentReminder,
  decidePaymentReminder,
  insideWhatsAppWindow,
  linkNeeded,
  type PaymentReminderRegistration,
  paymentReminderText,
  paymentTemplateVariables,
  type ReminderContact,
} from "../../domain/reminders";
import { alfie } from "./conversation-fixtures";

const rules = { afterDays: 3, season: "2025-26" };
// Submitted on Monday 2 June 2025 at 11:00 London time (BST, UTC+1).
const submittedAt = "2025-06-02T10:00:00.000Z";
const link = { requestId: "BRQ1", flowId: "BRF1", url: "https://pay.gocardless.example/flow/BRF1", expiresAt: "2025-06-09T10:00:00.000Z" };
const linkSent: RecordedPayment = sentPaymentLink({ ...noPayment }, link);
const submitted = (payment: RecordedPayment = linkSent): PaymentReminderRegistration => ({
  status: "submitted",
  season: "2025-26",
  submitted_at: submittedAt,
  payment,
});
const contact: ReminderContact = { opted_out: false };
const at = (iso: string) => new Date(iso);

describe("payment reminders over two weeks of hourly runs", () => {
  // Each run sees the registration as the runs before it left it.
  const runs: [string, string, "remind" | string][] = [
    ["day 1", "2025-06-03T10:00:00.000Z", "too_soon"],
    ["day 3", "2025-06-05T10:00:00.000Z", "remind"],
    ["day 3 again, later the same London day", "2025-06-05T18:00:00.000Z", "reminded_today"],
    ["day 6, 08:30 in London: quiet hours", "2025-06-08T07:30:00.000Z", "quiet_hours"],
    ["day 6", "2025-06-08T10:00:00.000Z", "remind"],
    ["day 9", "2025-06-11T10:00:00.000Z", "max_reached"],
    ["day 15", "2025-06-17T10:00:00.000Z", "max_reached"],
  ];

  it("reminds twice, on day 3 and day 6, never in quiet hours nor twice a day; then no more", () => {
    let registration = submitted();
    const seen = runs.map(([label, now]) => {
      const decision = decidePaymentReminder(registration, contact, at(now), rules);
      if (decision.remind) {
        expect(decision.first).toBe(false);
        registration = { ...registration, payment: claimPaymentReminder(registration.payment!, link, at(now), false) };
      }
      return [label, now, decision.remind ? "remind" : decision.reason];
    });
    expect(seen).toEqual(runs);
    expect(registration.payment).toMatchObject({ reminders_sent: 2, reminded_at: "2025-06-08T10:00:00.000Z", fee_status: "link_sent" });
  });

  it("counts from the parent's last message when it came after the submission", () => {
    const replied = { ...contact, last_message_at: "2025-06-04T10:00:00.000Z" };
    expect(decidePaymentReminder(submitted(), replied, at("2025-06-05T10:00:00.000Z"), rules)).toEqual({
      remind: false,
      reason: "too_soon",
    });
    expect(decidePaymentReminder(submitted(), replied, at("2025-06-07T10:00:00.000Z"), rules)).toEqual({ remind: true, first: false });
  });
});

describe("the link GoCardless could not give at submission", () => {
  const unpaid = submitted({ ...noPayment });

  it("goes at the first run after the submission's own reply had its chance, outside quiet hours, and is no reminder", () => {
    expect(decidePaymentReminder(unpaid, contact, at("2025-06-02T10:05:00.000Z"), rules)).toEqual({ remind: false, reason: "too_soon" });
    expect(decidePaymentReminder(unpaid, contact, at("2025-06-02T11:00:00.000Z"), rules)).toEqual({ remind: true, first: true });
    expect(decidePaymentReminder(unpaid, contact, at("2025-06-02T21:00:00.000Z"), rules)).toEqual({
      remind: false,
      reason: "quiet_hours",
    });
    const claimed = claimPaymentReminder(unpaid.payment!, link, at("2025-06-02T11:00:00.000Z"), true);
    expect(claimed).toEqual({
      ...noPayment,
      fee_status: "link_sent",
      request_id: "BRQ1",
      flow_id: "BRF1",
      link_url: link.url,
      link_expires_at: link.expiresAt,
      reminded_at: "2025-06-02T11:00:00.000Z",
      reminders_sent: 0,
    });
    // Then the two reminders, spaced from it.
    const after = { ...unpaid, payment: claimed };
    expect(decidePaymentReminder(after, contact, at("2025-06-04T11:00:00.000Z"), rules)).toEqual({ remind: false, reason: "too_soon" });
    expect(decidePaymentReminder(after, contact, at("2025-06-05T11:00:00.000Z"), rules)).toEqual({ remind: true, first: false });
  });
});

describe("who never gets a payment reminder", () => {
  const day3 = at("2025-06-05T10:00:00.000Z");
  it.each([
    ["paid", "paid"],
    ["pending", "pending"],
    ["failed", "needs_club"],
  ] as const)("a fee %s", (fee_status, reason) => {
    expect(decidePaymentReminder(submitted({ ...linkSent, fee_status }), contact, day3, rules)).toEqual({ remind: false, reason });
  });

  it("a number that sent STOP, another season, a registration not submitted, or submitted before the stack took payments", () => {
    expect(decidePaymentReminder(submitted(), { opted_out: true }, day3, rules)).toEqual({ remind: false, reason: "parent_opted_out" });
    expect(decidePaymentReminder({ ...submitted(), season: "2024-25" }, contact, day3, rules)).toEqual({
      remind: false,
      reason: "other_season",
    });
    expect(decidePaymentReminder({ ...submitted(), status: "needs_club" }, contact, day3, rules)).toEqual({
      remind: false,
      reason: "not_submitted",
    });
    expect(decidePaymentReminder({ ...submitted(), payment: undefined }, contact, day3, rules)).toEqual({
      remind: false,
      reason: "no_payment",
    });
  });

  it("awaits payment only while the fee is unpaid or its link sent", () => {
    expect(feeStatuses.filter((fee_status) => awaitsPayment({ ...noPayment, fee_status }))).toEqual(["unpaid", "link_sent"]);
  });
});

describe("which link goes, and how", () => {
  it("makes a new request without one, a fresh page when the kept one stops within a day, else sends the kept one again", () => {
    expect(linkNeeded({ ...noPayment }, at("2025-06-05T10:00:00.000Z"))).toBe("new");
    expect(linkNeeded(linkSent, at("2025-06-05T10:00:00.000Z"))).toBe("none");
    expect(linkNeeded(linkSent, at("2025-06-08T11:00:00.000Z"))).toBe("fresh");
    expect(linkNeeded(linkSent, at("2025-06-10T10:00:00.000Z"))).toBe("fresh");
  });

  it("is free-form only within WhatsApp's 24 hours of the parent's last message, with an hour to spare", () => {
    const wrote = { ...contact, last_message_at: "2025-06-05T10:00:00.000Z" };
    expect(insideWhatsAppWindow(wrote, at("2025-06-06T08:59:00.000Z"))).toBe(true);
    expect(insideWhatsAppWindow(wrote, at("2025-06-06T09:00:00.000Z"))).toBe(false);
    expect(insideWhatsAppWindow(contact, at("2025-06-05T10:00:00.000Z"))).toBe(false);
  });

  it("carries the link and both amounts in the message and in the template's variables", () => {
    const record = alfie({ membership_fee: "26.50", subscription_fee: "26" });
    const text = paymentReminderText(record, "Urmston Town", link.url, false);
    expect(text).toContain(`Pay the £26.50 signing-on fee and set up the £26 monthly Direct Debit here: ${link.url}`);
    expect(text).toContain("Reply STOP");
    expect(paymentReminderText(record, "Urmston Town", link.url, true)).toContain("here's the payment link I promised");
    expect(paymentTemplateVariables(record, "Urmston Town", link.url)).toEqual({
      "1": "Sarah",
      "2": "Urmston Town",
      "3": "Alfie",
      "4": "26.50",
      "5": "26",
      "6": link.url,
    });
  });
});

describe("the link's request and where the payment stands", () => {
  it("asks for the fee in pence, described by club, season and player, the parent's name prefilled", () => {
    const record = alfie({ membership_fee: "26.50", player_legal_name: "Alfie James Testington" });
    expect(paymentLinkRequest(record, { clubName: "Urmston Town", redirectUrl: "https://signon.example/payments/thanks" })).toEqual({
      registrationId: "alfie",
      feePence: 2650,
      description: "Urmston Town 2025-26: Alfie James Testington",
      payer: { givenName: "Sarah", familyName: "Testington" },
      redirectUrl: "https://signon.example/payments/thanks",
    });
    expect(paymentLinkRequest(alfie({ membership_fee: "forty" }), { clubName: "Urmston Town", redirectUrl: "https://x.example" })).toBe(
      undefined,
    );
  });

  it("gives the link while it works and the fee is unpaid, and never once paid", () => {
    expect(paymentStanding(linkSent, at("2025-06-05T10:00:00.000Z"))).toEqual({ kind: "link", url: link.url });
    expect(paymentStanding(linkSent, at("2025-06-09T10:00:00.000Z"))).toEqual({ kind: "no_link" });
    expect(paymentStanding({ ...noPayment }, at("2025-06-05T10:00:00.000Z"))).toEqual({ kind: "no_link" });
    expect(paymentStanding({ ...linkSent, fee_status: "paid" }, at("2025-06-05T10:00:00.000Z"))).toEqual({ kind: "paid" });
  });
});
