/**
 * What Twilio does after it accepts a message: it moves the message through its statuses
 * (sent, then delivered or a failure; read once the parent opens the chat) and posts each to
 * the message's StatusCallback, form-encoded and signed with the account's auth token, as it
 * posts a reply to the webhook. The chat on the simulator page shows each status as ticks.
 */
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import type { DeliveryStatus } from "../../../domain/delivery-status";
import type { TwilioCredentials } from "../../../twilio/messages-client";
import { telOf } from "../../../twilio/webhook-request";
import type { Conversations } from "../../simulator/conversations";

/** How a scripted delivery ends: `failed` before it leaves Twilio, `undelivered` once WhatsApp gives up. */
export interface DeliveryFailure {
  status: "failed" | "undelivered";
  /** Twilio's ErrorCode: 63016 outside the 24-hour window, 63024 an invalid recipient, ... */
  code: number;
}

export interface SentMessage {
  sid: string;
  from: string;
  to: string;
  statusCallback?: string;
}

export interface StatusCallbackOptions {
  account: TwilioCredentials;
  conversations: Conversations;
  /** Whether callbacks are posted at all: off for tests whose StatusCallback is a made-up AWS URL. */
  post: boolean;
  /** The time between a message's statuses; long enough for the sender to record the SID Twilio answered first. */
  stepMs: number;
}

export function createStatusCallbacks({ account, conversations, post, stepMs }: StatusCallbackOptions) {
  const sent = new Map<string, SentMessage>();
  const failures: DeliveryFailure[] = [];

  async function report(message: SentMessage, status: DeliveryStatus, errorCode?: number) {
    conversations.setStatus(telOf(message.to), message.sid, status, errorCode);
    if (!post || !message.statusCallback) return;
    const fields: Record<string, string> = {
      MessageSid: message.sid,
      SmsSid: message.sid,
      AccountSid: account.accountSid,
      From: message.from,
      To: message.to,
      MessageStatus: status,
      SmsStatus: status,
      ChannelPrefix: "whatsapp",
      ChannelToAddress: telOf(message.to),
      ApiVersion: "2010-04-01",
      ...(errorCode === undefined ? {} : { ErrorCode: String(errorCode) }),
    };
    try {
      await fetch(message.statusCallback, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "User-Agent": "TwilioProxy/1.1",
          "X-Twilio-Signature": getExpectedTwilioSignature(account.authToken, message.statusCallback, fields),
        },
        body: new URLSearchParams(fields).toString(),
      });
    } catch {
      // Twilio logs error 11200 and goes on; the message's status does not depend on the callback.
    }
  }

  const pause = () => new Promise((resolve) => setTimeout(resolve, stepMs));

  async function play(message: SentMessage, failure: DeliveryFailure | undefined) {
    await pause();
    if (failure?.status === "failed") return report(message, "failed", failure.code);
    await report(message, "sent");
    await pause();
    if (failure) return report(message, "undelivered", failure.code);
    await report(message, "delivered");
  }

  return {
    /** The next accepted messages end so, one each, before deliveries succeed again. */
    failDeliveryNext: (...next: DeliveryFailure[]) => void failures.push(...next),
    /** Plays an accepted message's delivery in the background. */
    deliver(message: SentMessage) {
      sent.set(message.sid, message);
      // report() catches the callback's own failures, so nothing here rejects.
      void play(message, failures.shift());
    },
    /** The parent at `phone` opens the chat: every delivered message to them is read. */
    async read(phone: string): Promise<number> {
      const delivered = (conversations.find(phone)?.messages ?? []).filter(
        (message) => message.direction === "to-parent" && message.status === "delivered" && sent.has(message.sid),
      );
      for (const message of delivered) await report(sent.get(message.sid)!, "read");
      return delivered.length;
    },
  };
}

export type StatusCallbacks = ReturnType<typeof createStatusCallbacks>;
