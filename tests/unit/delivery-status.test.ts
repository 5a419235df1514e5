import { describe, expect, it } from "vitest";
import {
  advanceDelivery,
  type DeliveryStatus,
  deliveryErrorMeaning,
  type InviteDelivery,
  isDeliveryStatus,
} from "../../domain/delivery-status";

const statuses: DeliveryStatus[] = ["queued", "sending", "sent", "delivered", "read", "undelivered", "failed"];
const sid = "SM0123456789abcdef0123456789abcdef";
const now = new Date("2025-06-01T10:00:05.000Z");

/** Written out, not derived from the ranks: which statuses each one (or none yet) gives way to. */
const movesOnTo: Record<DeliveryStatus | "none", DeliveryStatus[]> = {
  none: ["queued", "sending", "sent", "delivered", "read", "undelivered", "failed"],
  queued: ["sending", "sent", "delivered", "read", "undelivered", "failed"],
  sending: ["sent", "delivered", "read", "undelivered", "failed"],
  sent: ["delivered", "read", "undelivered", "failed"],
  delivered: ["read", "undelivered", "failed"],
  read: [],
  undelivered: [],
  failed: [],
};

const invite = (status?: DeliveryStatus): InviteDelivery & { version: number } => ({
  invite_message_sid: sid,
  invite_status: status,
  invite_status_at: status && "2025-06-01T10:00:00.000Z",
  version: 4,
});

describe("an invite's delivery status only moves forward", () => {
  const pairs = (Object.keys(movesOnTo) as (DeliveryStatus | "none")[]).flatMap((before) =>
    statuses.map((after) => [before, after, movesOnTo[before].includes(after)] as const),
  );

  it.each(pairs)("%s, then a callback saying %s: recorded %s", (before, after, recorded) => {
    const registration = invite(before === "none" ? undefined : before);
    const advanced = advanceDelivery(registration, { messageSid: sid, status: after }, now);
    if (recorded) {
      expect(advanced).toMatchObject({ invite_status: after, invite_status_at: now.toISOString(), version: 5 });
    } else {
      expect(advanced).toBeUndefined();
    }
  });

  it("a repeated callback changes nothing the second time", () => {
    const once = advanceDelivery(invite("sent"), { messageSid: sid, status: "delivered" }, now);
    expect(once?.invite_status).toBe("delivered");
    expect(advanceDelivery(once!, { messageSid: sid, status: "delivered" }, now)).toBeUndefined();
  });

  it("keeps Twilio's error code with a failure", () => {
    const failed = advanceDelivery(invite("sent"), { messageSid: sid, status: "undelivered", errorCode: "63016" }, now);
    expect(failed).toMatchObject({ invite_status: "undelivered", invite_error_code: "63016" });
  });

  it("ignores a callback for another message (an old invite, a reminder)", () => {
    expect(advanceDelivery(invite("sent"), { messageSid: "SMffffffffffffffffffffffffffffffff", status: "read" }, now)).toBeUndefined();
  });

  it.each([
    ["read", true],
    ["accepted", false],
    ["received", false],
    ["toString", false],
    ["__proto__", false],
  ])("knows %s as a delivery status: %s", (value, known) => {
    expect(isDeliveryStatus(value)).toBe(known);
  });
});

describe("a delivery error's meaning", () => {
  it.each([
    ["63016", "outside WhatsApp's 24-hour window: the message was not the approved template"],
    ["63003", "not a WhatsApp number: check the number with the parent"],
    ["21999", "Twilio error 21999: https://www.twilio.com/docs/api/errors/21999"],
    ["constructor", "Twilio error constructor: https://www.twilio.com/docs/api/errors/constructor"],
  ])("says what %s means, or where to read it", (code, meaning) => {
    expect(deliveryErrorMeaning(code)).toBe(meaning);
  });
});
