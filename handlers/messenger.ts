/**
 * Sends WhatsApp template messages through Twilio's Messages API, retrying Twilio's rate
 * limits and outages, and reporting refusals with Twilio's own error code.
 */
import { jsonObject } from "./json";
import { createRequestSender, type HttpResponse } from "./request";
import { defaultRetryPolicy, retryUntil, type RetryPolicy } from "./retry";
import type { TwilioCredentials } from "./settings";

export interface TemplateMessage {
  from: string;
  to: string;
  contentSid: string;
  /** A JSON string, not an object: Twilio's Content API insists. */
  contentVariables: string;
}

export type SendOutcome =
  | { outcome: "sent"; sid: string; status: string }
  /** Twilio said no for good (bad number, unapproved template, ...): retrying cannot help. */
  | { outcome: "refused"; httpStatus: number; code?: number; message: string; moreInfo?: string }
  /** Rate limit, outage or network fault, still so after the retries. */
  | { outcome: "unavailable"; httpStatus?: number; reason: string; attempts: number };

export interface Messenger {
  sendTemplate(credentials: TwilioCredentials, message: TemplateMessage, deadline?: number): Promise<SendOutcome>;
}

export interface MessengerOptions {
  /** Twilio's REST API lives here instead of https://api.twilio.com (a local stand-in). */
  apiBaseUrl?: string;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
}

// Failures before Twilio answered, where another attempt is the right response.
const transientNetworkCodes = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "ECONNABORTED", "EPIPE", "EAI_AGAIN", "ERR_NETWORK"]);

type AttemptOutcome = SendOutcome | { outcome: "retryable"; httpStatus?: number; reason: string };

function classifyAnswer({ status, body }: HttpResponse): AttemptOutcome {
  const answer = jsonObject(body);
  if (status >= 200 && status < 300) return { outcome: "sent", sid: String(answer.sid), status: String(answer.status) };
  if (status === 429 || status >= 500) return { outcome: "retryable", httpStatus: status, reason: `Twilio answered HTTP ${status}` };
  return {
    outcome: "refused",
    httpStatus: status,
    code: typeof answer.code === "number" ? answer.code : undefined,
    message: typeof answer.message === "string" ? answer.message : "Twilio refused the message",
    moreInfo: typeof answer.more_info === "string" ? answer.more_info : undefined,
  };
}

function classifyFailure(error: unknown): AttemptOutcome {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && transientNetworkCodes.has(code)) return { outcome: "retryable", reason: `network error ${code}` };
  throw error;
}

export function createMessenger({
  apiBaseUrl = process.env.TWILIO_API_BASE_URL,
  retry = defaultRetryPolicy,
  requestTimeoutMs = 5_000,
}: MessengerOptions = {}): Messenger {
  const send = createRequestSender();
  const api = (apiBaseUrl || "https://api.twilio.com").replace(/\/$/, "");

  return {
    async sendTemplate({ accountSid, authToken }, message, deadline) {
      const request = {
        url: new URL(`${api}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`),
        method: "POST" as const,
        headers: {
          Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body: new URLSearchParams({
          From: message.from,
          To: message.to,
          ContentSid: message.contentSid,
          ContentVariables: message.contentVariables,
        }).toString(),
        timeoutMs: requestTimeoutMs,
      };
      const { result, attempts } = await retryUntil<AttemptOutcome>(
        () => send(request).then(classifyAnswer, classifyFailure),
        (outcome) => outcome.outcome !== "retryable",
        retry,
        deadline,
      );
      return result.outcome === "retryable" ? { ...result, outcome: "unavailable", attempts } : result;
    },
  };
}
