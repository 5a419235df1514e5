/**
 * The conversation in a stack with a payment provider (domain/conversation/engine.ts, PAYMENTS.md
 * "The flow" 1), pure: a submission starts the record's payment and leaves a slot for the link,
 * which packReplies fills; "where is my registration" says where the payment stands.
 */
import { describe, expect, it } from "vitest";
import { converse, packReplies } from "../../domain/conversation/engine";
import { buildScript } from "../../domain/conversation/script";
import { noPayment } from "../../domain/payments";
import { alfieAt, alfieSubmitted, mia, now, season, settings } from "./conversation-fixtures";

const script = buildScript({ ...settings, takesPayments: true });
const says = (text: string, registrations: Parameters<typeof converse>[0]["registrations"], at = now) =>
  converse({ parent: undefined, registrations, message: { text, numMedia: 0 }, now: at, script, season });
const link = "https://pay.gocardless.example/flow/BRF1";

describe("a submission with a payment provider", () => {
  it("starts the payment, sends no paymentUrl, and leaves the link's slot between the thanks and the warning", () => {
    const turn = says("YES", [alfieAt("summary")]);
    expect(turn.registrations).toEqual([expect.objectContaining({ status: "submitted", payment: noPayment })]);
    expect(turn.replies.join("\n")).not.toContain(settings.paymentUrl);
    expect(turn.replies.join("\n")).toContain("I'll send you its link here shortly.");
    expect(turn.replyParts).toEqual([
      "Thank you! Alfie's registration for Lions u11s (2025-26) is submitted.",
      { paymentLinkFor: "alfie" },
      expect.stringContaining("only pay on that page"),
      expect.stringContaining("What happens next"),
    ]);
    const filled = packReplies(turn.replyParts!, (id) => `${id}: ${link}`);
    expect(filled).toEqual([expect.stringContaining(`is submitted.\n\nalfie: ${link}\n\nUrmston Town will never ask`)]);
  });

  it("starts the next sibling after the slot, in the same message", () => {
    const turn = says("YES", [alfieAt("summary"), mia()]);
    expect(turn.replyParts?.filter((part) => typeof part !== "string")).toEqual([{ paymentLinkFor: "alfie" }]);
    expect(packReplies(turn.replyParts!, () => link)[0]).toMatch(/flow\/BRF1[\s\S]*Next, let's register Mia/);
  });

  it("keeps a paid payment through a RESTART and a new submission, with no slot for a link", () => {
    const paid = { ...noPayment, fee_status: "paid" as const };
    const turn = says("YES", [alfieAt("summary", { payment: paid })]);
    expect(turn.registrations[0]).toMatchObject({ status: "submitted", payment: paid });
    expect(turn.replyParts).toBeUndefined();
    expect(turn.replies.join("\n")).not.toContain("pay");
  });

  it("without a provider, sends the club's paymentUrl and starts no payment, as before", () => {
    const turn = converse({
      parent: undefined,
      registrations: [alfieAt("summary")],
      message: { text: "YES", numMedia: 0 },
      now,
      script: buildScript(settings),
      season,
    });
    expect(turn.registrations[0].status === "submitted" && turn.registrations[0].payment).toBe(undefined);
    expect(turn.replies.join("\n")).toContain(settings.paymentUrl);
    expect(turn.replyParts).toBeUndefined();
  });
});

describe("where is my registration, with a payment provider", () => {
  const sent = { ...noPayment, fee_status: "link_sent" as const, link_url: link, link_expires_at: "2025-07-05T12:00:00.000Z" };

  it("gives the link while it works, and not once it has expired or the fee is paid", () => {
    expect(says("hello", [alfieSubmitted({ payment: sent })]).replies.join("\n")).toContain(`Direct Debit here: ${link}`);
    const expired = says("hello", [alfieSubmitted({ payment: sent })], new Date("2025-07-06T12:00:00.000Z")).replies.join("\n");
    expect(expired).not.toContain(link);
    const paid = says("hello", [alfieSubmitted({ payment: { ...sent, fee_status: "paid" } })]).replies.join("\n");
    expect(paid).toContain("Urmston Town has your payment.");
    expect(paid).not.toContain(link);
  });

  it("leaves a slot for a fresh link once the kept one has expired, so the parent asking need not wait for a reminder", () => {
    const turn = says("hello", [alfieSubmitted({ payment: sent })], new Date("2025-07-06T12:00:00.000Z"));
    expect(turn.replyParts).toEqual([
      "Alfie's registration for Lions u11s is submitted, and its fee is still to pay.",
      { paymentLinkFor: "alfie" },
      expect.stringContaining("To change an answer, please contact"),
    ]);
    // The webhook fills the slot with the provider's fresh link, or says one follows.
    expect(packReplies(turn.replyParts!, () => `here: ${link}`)[0]).toContain(`still to pay.\n\nhere: ${link}`);
    expect(turn.replies.join("\n")).toContain("I'll send you its link here shortly.");
  });
});
