/**
 * Sends WhatsApp template messages through the twilio package, retrying Twilio's
 * rate limits and outages, and reporting refusals with Twilio's own error code.
 */
import twilio from "twilio";
import RequestClient from "twilio/lib/base/RequestClient";
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

function classify(error: unknown): AttemptOutcome {
  const failure = (error ?? {}) as { status?: unknown; code?: unknown; message?: unknown; moreInfo?: unknown };
  if (typeof failure.status === "number") {
    if (failure.status === 429 || failure.status >= 500) {
      return { outcome: "retryable", httpStatus: failure.status, reason: `Twilio answered HTTP ${failure.status}` };
    }
    return {
      outcome: "refused",
      httpStatus: failure.status,
      code: typeof failure.code === "number" ? failure.code : undefined,
      message: typeof failure.message === "string" ? failure.message : "Twilio refused the message",
      moreInfo: typeof failure.moreInfo === "string" ? failure.moreInfo : undefined,
    };
  }
  if (typeof failure.code === "string" && transientNetworkCodes.has(failure.code)) {
    return { outcome: "retryable", reason: `network error ${failure.code}` };
  }
  throw error;
}

/** The twilio client's HTTP layer, with every request sent to `baseUrl` instead of Twilio. */
function redirectedHttpClient(baseUrl: string, timeout: number): RequestClient {
  const inner = new RequestClient({ timeout, keepAlive: true });
  const base = new URL(baseUrl);
  const request: RequestClient["request"] = (options) => {
    const target = new URL(options.uri);
    return inner.request({ ...options, uri: `${base.origin}${base.pathname.replace(/\/$/, "")}${target.pathname}${target.search}` });
  };
  return Object.assign(Object.create(inner) as RequestClient, { request });
}

export function createMessenger({
  apiBaseUrl = process.env.TWILIO_API_BASE_URL,
  retry = defaultRetryPolicy,
  requestTimeoutMs = 5_000,
}: MessengerOptions = {}): Messenger {
  // One client per credential pair, kept for the container's life (and its keep-alive sockets).
  const clients = new Map<string, twilio.Twilio>();
  const clientFor = ({ accountSid, authToken }: TwilioCredentials) => {
    const key = `${accountSid}:${authToken}`;
    let client = clients.get(key);
    if (!client) {
      const httpClient = apiBaseUrl ? redirectedHttpClient(apiBaseUrl, requestTimeoutMs) : undefined;
      client = twilio(accountSid, authToken, { httpClient, timeout: requestTimeoutMs, keepAlive: true });
      clients.clear();
      clients.set(key, client);
    }
    return client;
  };

  return {
    async sendTemplate(credentials, message, deadline) {
      const client = clientFor(credentials);
      const { result, attempts } = await retryUntil<AttemptOutcome>(
        async () => {
          try {
            const sent = await client.messages.create(message);
            return { outcome: "sent", sid: sent.sid, status: sent.status };
          } catch (error) {
            return classify(error);
          }
        },
        (outcome) => outcome.outcome !== "retryable",
        retry,
        deadline,
      );
      return result.outcome === "retryable" ? { ...result, outcome: "unavailable", attempts } : result;
    },
  };
}
