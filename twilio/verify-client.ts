/**
 * A client for Twilio Verify (v2): the board's sign-in codes over WhatsApp. Verify owns the code
 * (its length, its 10-minute life, its 5 checks, its send limits); signon only asks it to send one
 * and whether the one typed is right, and never sees or stores a code.
 */
import { jsonObject } from "../plumbing/json";
import { createRequestSender, type HttpResponse } from "../plumbing/outbound-http";
import type { TwilioCredentials } from "./messages-client";

export type VerificationOutcome =
  | { outcome: "sent" }
  /** The code typed is Verify's for that number. */
  | { outcome: "approved" }
  /** A wrong code, or none pending (expired, used or never sent: Verify's 404). */
  | { outcome: "not_approved" }
  /** Verify's limit on sends (60203) or checks (60202) is reached for now. */
  | { outcome: "too_many_tries"; retryAfterSeconds: number }
  /** Verify refused or could not be reached: nothing the person can fix by trying again at once. */
  | { outcome: "unavailable"; httpStatus?: number; code?: number };

export interface VerifyClient {
  /** Asks Verify to send a code to `to` (E.164) over WhatsApp. */
  start(credentials: TwilioCredentials, serviceSid: string, to: string): Promise<VerificationOutcome>;
  /** Asks Verify whether `code` is the one it sent to `to`. */
  check(credentials: TwilioCredentials, serviceSid: string, to: string, code: string): Promise<VerificationOutcome>;
}

export interface VerifyClientOptions {
  /** Verify lives here instead of https://verify.twilio.com (TWILIO_VERIFY_BASE_URL: the local stand-in). */
  baseUrl?: string;
  requestTimeoutMs?: number;
}

/**
 * How long until Verify lets the number try again: its limits are per verification, which lasts
 * 10 minutes, and its answer carries no time of its own.
 */
export const verifyRetryAfterSeconds = 600;

// Twilio's codes for "max check attempts reached" and "max send attempts reached".
const tooManyCodes: readonly number[] = [60202, 60203];

function outcomeOf({ status, body }: HttpResponse, approvedWhen: "created" | "approved"): VerificationOutcome {
  const answer = jsonObject(body);
  const code = typeof answer.code === "number" ? answer.code : undefined;
  if (status === 429 || (code !== undefined && tooManyCodes.includes(code))) {
    return { outcome: "too_many_tries", retryAfterSeconds: verifyRetryAfterSeconds };
  }
  if (status >= 200 && status < 300) {
    if (approvedWhen === "created") return { outcome: "sent" };
    return answer.status === "approved" ? { outcome: "approved" } : { outcome: "not_approved" };
  }
  // A check of a verification that expired, was approved already or never existed.
  if (status === 404 && approvedWhen === "approved") return { outcome: "not_approved" };
  return { outcome: "unavailable", httpStatus: status, code };
}

export function createVerifyClient({ baseUrl, requestTimeoutMs = 5_000 }: VerifyClientOptions = {}): VerifyClient {
  const send = createRequestSender();
  const base = (baseUrl || "https://verify.twilio.com").replace(/\/$/, "");

  const post = async ({ accountSid, authToken }: TwilioCredentials, serviceSid: string, resource: string, form: Record<string, string>) => {
    try {
      return await send({
        url: new URL(`${base}/v2/Services/${encodeURIComponent(serviceSid)}/${resource}`),
        method: "POST",
        headers: {
          Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
          Accept: "application/json",
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams(form).toString(),
        timeoutMs: requestTimeoutMs,
      });
    } catch {
      // A network fault: the person is asked to try again; nothing is retried behind their back, as a send might have gone.
      return undefined;
    }
  };

  return {
    async start(credentials, serviceSid, to) {
      const answer = await post(credentials, serviceSid, "Verifications", { To: to, Channel: "whatsapp" });
      return answer ? outcomeOf(answer, "created") : { outcome: "unavailable" };
    },
    async check(credentials, serviceSid, to, code) {
      const answer = await post(credentials, serviceSid, "VerificationCheck", { To: to, Code: code });
      return answer ? outcomeOf(answer, "approved") : { outcome: "unavailable" };
    },
  };
}
