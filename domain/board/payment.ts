/**
 * A registration's payment as the board shows it (BOARD.md, PAYMENTS.md): why the club should look
 * at it, in words a secretary can act on. The export's row carries the statuses as text.
 */
import { type FeeStatus, feeStatuses, paymentNeedsClub } from "../payments";

export interface PaymentColumns {
  fee_status?: unknown;
  mandate_status?: unknown;
}

const isFeeStatus = (value: unknown): value is FeeStatus => (feeStatuses as readonly unknown[]).includes(value);

// What happened to the Direct Debit beside it, when that went wrong too.
const mandateEnds: Record<string, string> = {
  failed: " The Direct Debit could not be set up either.",
  cancelled: " The Direct Debit was cancelled too.",
  expired: " The Direct Debit has expired too.",
};

/** Why the registration's payment needs the club (paymentNeedsClub), or undefined when it does not. */
export function paymentProblem({ fee_status, mandate_status }: PaymentColumns): string | undefined {
  if (!isFeeStatus(fee_status) || !paymentNeedsClub({ fee_status, mandate_status: "none", subscription_status: "none" })) return undefined;
  return `The signing-on fee was not paid: the bank payment failed, was cancelled, or was taken back by the bank.${mandateEnds[String(mandate_status)] ?? ""}`;
}
