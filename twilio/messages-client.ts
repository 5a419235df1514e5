/**
 * A client for Twilio's Messages API: sends WhatsApp template messages, and free-form text
 * inside WhatsApp's 24-hour window after the parent's last message, retrying Twilio's rate
 * limits, outages and network faults, and reporting refusals with Twilio's own error code.
 *
 * A retry must never send an invite twice. A reset connection, a timeout or a 5xx can come
 * after Twilio created the message (only its answer was lost), so after one of those the
 * next attempt first asks Twilio's Messages list whether the message exists, and sends
 * again only when it does not.
 */
import { jsonObject } from "../plumbing/json";
import { maskPhone } from "../plumbing/log";
import { createRequestSender, type HttpRequest, type HttpResponse } from "../plumbing/outbound-http";
import { defaultRetryPolicy, type RetryPolicy, retryUntil } from "../plumbing/retry";

/** The account's credentials, as the club's Twilio secret holds them. */
export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export interface TemplateMessage {
  from: string;
  to: string;
  contentSid: string;
  /** A JSON string, not an object: Twilio's Content API insists. */
  contentVariables: string;
  /** Where Twilio posts the message's delivery statuses (the stack's POST /status); none asked for without it. */
  statusCallback?: string;
}

export type SendOutcome =
  | { outcome: "sent"; sid: string; status: string }
  /** Twilio said no for good (bad number, unapproved template, ...): retrying cannot help. */
  | { outcome: "refused"; httpStatus: number; code?: number; message: string; moreInfo?: string }
  /** Rate limit, outage or network fault, still so after the retries; Twilio holds no such message. */
  | { outcome: "unavailable"; httpStatus?: number; reason: string; attempts: number }
  /** Twilio may have created the message, and could not be asked whether it did. */
  | { outcome: "unconfirmed"; httpStatus?: number; reason: string; attempts: number };

/** A free-form WhatsApp message: only inside the 24-hour window after the parent last wrote (WhatsApp refuses it after). */
export interface TextMessage {
  from: string;
  to: string;
  body: string;
  statusCallback?: string;
}

/** A send that ended without a message, for good or for now. */
export type NotSentOutcome = Extract<SendOutcome, { outcome: "refused" | "unavailable" }>;

export interface MessagesClient {
  sendTemplate(credentials: TwilioCredentials, message: TemplateMessage, deadline?: number): Promise<SendOutcome>;
  sendText(credentials: TwilioCredentials, message: TextMessage, deadline?: number): Promise<SendOutcome>;
}

export interface MessagesClientOptions {
  /** Twilio's REST API lives here instead of https://api.twilio.com (a local stand-in). */
  apiBaseUrl?: string;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
}

/**
 * The network faults worth another attempt, by the socket error's code, and whether Twilio may
 * have created the message all the same: not when the request never left, perhaps when it may
 * have reached Twilio and only the answer was lost.
 */
const retryableNetworkFaults: Record<string, { mayHaveSent: boolean }> = {
  ECONNREFUSED: { mayHaveSent: false },
  EAI_AGAIN: { mayHaveSent: false },
  ECONNRESET: { mayHaveSent: true },
  ETIMEDOUT: { mayHaveSent: true },
  ECONNABORTED: { mayHaveSent: true },
  EPIPE: { mayHaveSent: true },
};
// No request is given less time than this, however close the deadline: less cannot reach Twilio and back.
const shortestRequestMs = 100;
// The lookup reads the newest messages to the parent; any sent since the first attempt are among these.
const lookupPageSize = 20;
// Twilio's clock may run behind the function's, and date_created has whole seconds only.
const clockSkewAllowanceMs = 1_000;

type Attempt =
  | Extract<SendOutcome, { outcome: "sent" | "refused" }>
  /** Worth another attempt; `mayHaveSent` when Twilio may have created the message all the same. */
  | { outcome: "retryable"; httpStatus?: number; reason: string; mayHaveSent: boolean };

// Twilio's messages quote the number they refuse: the caller gets it masked, like the logs.
const maskPhones = (text: string) => text.replace(/(?:whatsapp:)?\+?\d{7,15}/g, maskPhone);

function classifyAnswer({ status, body }: HttpResponse): Attempt {
  const answer = jsonObject(body);
  if (status >= 200 && status < 300) return { outcome: "sent", sid: String(answer.sid), status: String(answer.status) };
  if (status === 429 || status >= 500) {
    // A 429 is refused at Twilio's door; a 5xx may come from anywhere, after the message was made too.
    return { outcome: "retryable", httpStatus: status, reason: `Twilio answered HTTP ${status}`, mayHaveSent: status >= 500 };
  }
  return {
    outcome: "refused",
    httpStatus: status,
    code: typeof answer.code === "number" ? answer.code : undefined,
    message: typeof answer.message === "string" ? maskPhones(answer.message) : "Twilio refused the message",
    moreInfo: typeof answer.more_info === "string" ? answer.more_info : undefined,
  };
}

function classifyFailure(error: unknown): Attempt & { outcome: "retryable" } {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && Object.hasOwn(retryableNetworkFaults, code)) {
    return { outcome: "retryable", reason: `network error ${code}`, mayHaveSent: retryableNetworkFaults[code].mayHaveSent };
  }
  throw error;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/**
 * The message in a page of Twilio's Messages list, if one is there: sent through the API to
 * the same address from the same sender no earlier than `since` (epoch ms). Undefined when
 * there is none; a retryable result when the page cannot be read.
 */
function sentMessageIn({ status, body }: HttpResponse, message: TemplateMessage | TextMessage, since: number): Attempt | undefined {
  const { messages } = jsonObject(body);
  if (status !== 200 || !Array.isArray(messages)) {
    return { outcome: "retryable", httpStatus: status, reason: `the message lookup got HTTP ${status}`, mayHaveSent: true };
  }
  const found = messages.filter(isRecord).find(
    (item) =>
      item.to === message.to &&
      item.from === message.from &&
      // Not the bot's TwiML replies to that parent, which come from the club's number too.
      item.direction === "outbound-api" &&
      Date.parse(String(item.date_created)) >= since,
  );
  return found && { outcome: "sent", sid: String(found.sid), status: String(found.status) };
}

export function createMessagesClient({
  apiBaseUrl,
  retry = defaultRetryPolicy,
  requestTimeoutMs = 5_000,
}: MessagesClientOptions = {}): MessagesClient {
  const send = createRequestSender();
  const api = (apiBaseUrl || "https://api.twilio.com").replace(/\/$/, "");

  async function sendMessage(
    { accountSid, authToken }: TwilioCredentials,
    message: TemplateMessage | TextMessage,
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<SendOutcome> {
    // date_created is whole seconds, and Twilio's clock is not ours.
    const since = Math.floor((Date.now() - clockSkewAllowanceMs) / 1000) * 1000;
    const messagesUrl = `${api}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    const headers = {
      Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
      Accept: "application/json",
    };
    // A send leaves as long again for the lookup that may have to follow it.
    const timeoutMs = (share: number) => Math.max(shortestRequestMs, Math.min(requestTimeoutMs, (deadline - Date.now()) * share));

    const create = (): Promise<Attempt> => {
      const request: HttpRequest = {
        url: new URL(messagesUrl),
        method: "POST",
        headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          From: message.from,
          To: message.to,
          ...("body" in message ? { Body: message.body } : { ContentSid: message.contentSid, ContentVariables: message.contentVariables }),
          ...(message.statusCallback ? { StatusCallback: message.statusCallback } : {}),
        }).toString(),
        timeoutMs: timeoutMs(1 / 2),
      };
      return send(request).then(classifyAnswer, classifyFailure);
    };

    const lookUp = (): Promise<Attempt | undefined> => {
      const url = new URL(messagesUrl);
      url.search = new URLSearchParams({ To: message.to, From: message.from, PageSize: String(lookupPageSize) }).toString();
      return send({ url, method: "GET", headers, timeoutMs: timeoutMs(1) }).then(
        (answer) => sentMessageIn(answer, message, since),
        (error) => ({ ...classifyFailure(error), reason: `the message lookup met network error ${(error as { code: string }).code}` }),
      );
    };

    // Whether an earlier attempt may have created the message: then no send until a lookup says it did not.
    let unresolved = false;
    const attempt = async (): Promise<Attempt> => {
      if (unresolved) {
        const found = await lookUp();
        if (found) return found;
        unresolved = false;
      }
      const result = await create();
      unresolved = result.outcome === "retryable" && result.mayHaveSent;
      return result;
    };

    const { result, attempts } = await retryUntil(attempt, {
      isFinal: (outcome) => outcome.outcome !== "retryable",
      policy: retry,
      deadline,
    });
    if (result.outcome !== "retryable") return result;
    const { httpStatus, reason } = result;
    if (!unresolved) return { outcome: "unavailable", httpStatus, reason, attempts };
    const found = await lookUp();
    if (!found) return { outcome: "unavailable", httpStatus, reason, attempts };
    if (found.outcome !== "retryable") return found;
    return { outcome: "unconfirmed", httpStatus, reason: `${reason}, and ${found.reason}`, attempts };
  }

  return { sendTemplate: sendMessage, sendText: sendMessage };
}
