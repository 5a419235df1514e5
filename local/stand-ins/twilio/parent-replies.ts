/**
 * A parent's reply as Twilio handles it: the message joins the parent's chat and the account's
 * messages, goes to the webhook form-encoded and signed with the account's auth token, and each
 * message of the webhook's TwiML answer goes back to the parent.
 */
import { randomUUID } from "node:crypto";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import type { TwilioCredentials } from "../../../twilio/messages-client";
import { twimlMessages } from "../../../twilio/twiml";
import type { Conversations } from "../../simulator/conversations";
import type { AccountMessages } from "./account-messages";
import { twilioSid } from "./ids";

export interface ParentReply {
  /** The webhook's HTTP status, or undefined when it could not be reached. */
  webhookStatus?: number;
  /** The messages the webhook's TwiML sent back to the parent. */
  replies: string[];
}

export interface ParentReplyOptions {
  account: TwilioCredentials;
  conversations: Conversations;
  accountMessages: AccountMessages;
  /** Where a parent's replies are posted, and the URL their signature covers. */
  webhookUrl?: string;
  /** The club's sender, for a parent who writes before any invite. */
  clubAddress?: string;
}

/** The fields Twilio posts for an inbound WhatsApp text, in its order. */
function inboundFields(
  account: TwilioCredentials,
  sid: string,
  phone: string,
  text: string,
  clubAddress: string,
  profileName: string,
): Record<string, string> {
  return {
    SmsMessageSid: sid,
    NumMedia: "0",
    ProfileName: profileName,
    MessageType: "text",
    SmsSid: sid,
    WaId: phone.replace(/^\+/, ""),
    SmsStatus: "received",
    Body: text,
    To: clubAddress,
    NumSegments: "1",
    ReferralNumMedia: "0",
    MessageSid: sid,
    AccountSid: account.accountSid,
    From: `whatsapp:${phone}`,
    ApiVersion: "2010-04-01",
  };
}

/** The parent at `phone` (E.164) sends `text`. */
export function createParentReplies({
  account,
  conversations,
  accountMessages,
  webhookUrl,
  clubAddress: defaultClubAddress,
}: ParentReplyOptions) {
  return async (phone: string, text: string): Promise<ParentReply> => {
    if (!webhookUrl) throw new Error("the stand-in has no webhook URL to post replies to");
    const clubAddress = conversations.find(phone)?.clubAddress ?? defaultClubAddress ?? "";
    const sid = twilioSid("SM");
    const notice = (body: string) =>
      conversations.add(phone, { sid: twilioSid("NO"), direction: "notice", kind: "notice", body, at: new Date().toISOString() });
    conversations.add(
      phone,
      { sid, direction: "from-parent", kind: "text", body: text, at: new Date().toISOString(), status: "received" },
      { clubAddress },
    );
    accountMessages.record({ sid, from: `whatsapp:${phone}`, to: clubAddress, body: text, direction: "inbound" });

    const fields = inboundFields(account, sid, phone, text, clubAddress, conversations.find(phone)?.name ?? "Parent");
    let response: Response;
    try {
      response = await fetch(webhookUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "User-Agent": "TwilioProxy/1.1",
          "X-Twilio-Signature": getExpectedTwilioSignature(account.authToken, webhookUrl, fields),
          "I-Twilio-Idempotency-Token": randomUUID(),
        },
        body: new URLSearchParams(fields).toString(),
      });
    } catch {
      notice("Twilio could not reach the webhook (error 11200): the parent hears nothing back.");
      return { replies: [] };
    }
    const answer = await response.text();
    if (!response.ok) {
      notice(`The webhook answered HTTP ${response.status} (Twilio logs error 11200): the parent hears nothing back.`);
      return { webhookStatus: response.status, replies: [] };
    }
    const replies = twimlMessages(answer);
    for (const reply of replies) {
      const { sid: replySid } = accountMessages.record({
        sid: twilioSid("SM"),
        from: clubAddress,
        to: `whatsapp:${phone}`,
        body: reply,
        direction: "outbound-reply",
      });
      conversations.add(phone, {
        sid: replySid,
        direction: "to-parent",
        kind: "reply",
        body: reply,
        at: new Date().toISOString(),
        status: "delivered",
      });
    }
    return { webhookStatus: response.status, replies };
  };
}
