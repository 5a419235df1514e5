import { describe, expect, it } from "vitest";
import { paymentProblem } from "../../domain/board/payment";
import { feeStatuses, mandateStatuses } from "../../domain/payments";

describe("a payment's problem on the board", () => {
  it("is a failed fee only, as paymentNeedsClub says", () => {
    for (const fee_status of feeStatuses.filter((status) => status !== "failed"))
      for (const mandate_status of mandateStatuses) expect(paymentProblem({ fee_status, mandate_status }), fee_status).toBeUndefined();
    expect(paymentProblem({ fee_status: "failed", mandate_status: "active" })).toBe(
      "The signing-on fee was not paid: the bank payment failed, was cancelled, or was taken back by the bank.",
    );
  });

  it("says when the Direct Debit went wrong too", () => {
    expect(paymentProblem({ fee_status: "failed", mandate_status: "failed" })).toMatch(/ The Direct Debit could not be set up either\.$/);
    expect(paymentProblem({ fee_status: "failed", mandate_status: "expired" })).toMatch(/ The Direct Debit has expired too\.$/);
  });

  it("says nothing for a row without a payment, or with a status it does not know", () => {
    expect(paymentProblem({})).toBeUndefined();
    expect(paymentProblem({ fee_status: "refunded" })).toBeUndefined();
  });
});
