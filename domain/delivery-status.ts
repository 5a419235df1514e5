/**
 * What Twilio's status callbacks say of an invite, kept on its registration (POST /status).
 * One table ranks every status a callback may carry, and a status replaces only one of a lower
 * rank: callbacks arrive in any order and Twilio may repeat one, so a late `sent` after `read`,
 * or the same callback twice, changes nothing.
 */

/**
 * The order a message's statuses follow. `failed` (Twilio could not send it) and `undelivered`
 * (WhatsApp could not deliver it) are final, ranked with `read`: a late `sent` or `delivered`
 * never hides a failure from the secretary, and a failure and `read` never replace each other
 * (WhatsApp reports at most one of them for a message).
 */
export const deliveryStatusRanks = {
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  undelivered: 5,
  failed: 5,
} as const;

export type DeliveryStatus = keyof typeof deliveryStatusRanks;

export const isDeliveryStatus = (value: string): value is DeliveryStatus => Object.hasOwn(deliveryStatusRanks, value);

/** What a registration keeps of its current invite's delivery. */
export interface InviteDelivery {
  /** The invite's MessageSid: only callbacks for it count. */
  invite_message_sid?: string;
  invite_status?: DeliveryStatus;
  /** Twilio's ErrorCode with a failure (63016: outside WhatsApp's 24-hour window, and so on), as digits. */
  invite_error_code?: string;
  /** ISO: when signon recorded the status. */
  invite_status_at?: string;
}

export interface StatusCallback {
  messageSid: string;
  status: DeliveryStatus;
  errorCode?: string;
}

/**
 * The registration with the callback's status recorded, or undefined when the callback does not
 * move its invite forward (a repeat, a late status, another message's callback).
 */
export function advanceDelivery<R extends InviteDelivery & { version: number }>(
  registration: R,
  callback: StatusCallback,
  now: Date,
): R | undefined {
  if (registration.invite_message_sid !== callback.messageSid) return undefined;
  const current = registration.invite_status;
  if (current !== undefined && deliveryStatusRanks[callback.status] <= deliveryStatusRanks[current]) return undefined;
  return {
    ...registration,
    invite_status: callback.status,
    // Twilio sends an ErrorCode with a failure only.
    invite_error_code: callback.errorCode,
    invite_status_at: now.toISOString(),
    version: registration.version + 1,
  };
}

// Twilio's error codes a WhatsApp invite fails with most, in words a secretary can act on.
const deliveryErrorMeanings: Readonly<Record<string, string>> = {
  "63003": "not a WhatsApp number: check the number with the parent",
  "63016": "outside WhatsApp's 24-hour window: the message was not the approved template",
  "63018": "WhatsApp's sending rate for the club's number was exceeded: resend later",
  "63024": "WhatsApp refused the number as a recipient: check the number with the parent",
  "63049": "Meta chose not to deliver it (WhatsApp's limits on business messages): resend later",
  "30003": "the phone could not be reached (off, or out of signal): resend later",
  "30005": "the number does not exist: check it with the parent",
  "30006": "the number cannot receive messages (a landline, say): check it with the parent",
};

/** What Twilio's error code means for the secretary, or where to read it when signon has no words for it. */
export function deliveryErrorMeaning(code: string): string {
  return Object.hasOwn(deliveryErrorMeanings, code)
    ? deliveryErrorMeanings[code]
    : `Twilio error ${code}: https://www.twilio.com/docs/api/errors/${code}`;
}
