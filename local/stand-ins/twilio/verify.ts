/**
 * The stand-in's Twilio Verify (v2): starting a verification over WhatsApp and checking its code,
 * each request held to Verify's published contract (openapi-contract.ts, twilio_verify_v2.json) and
 * refused as Verify would, each answer a resource of the contract's shape. As Verify does, it makes
 * a 6-digit code that lives 10 minutes and may be checked 5 times, and it limits sends to a number
 * (5 in 10 minutes, then 429 with code 60203). The code arrives as a WhatsApp message from the club
 * in that person's chat, where the simulator shows it.
 */
import { randomInt } from "node:crypto";
import type { Conversations } from "../../simulator/conversations";
import { type TwilioError, twilioError } from "./errors";
import { twilioSid } from "./ids";
import { loadVerifyContract } from "./openapi-contract";

export interface VerifyStandInOptions {
  accountSid: string;
  conversations: Conversations;
  /** Verify's clock; the caller's by default. */
  now: () => Date;
  /** The only service that exists; any well-formed SID does without it. */
  serviceSid?: string;
  /** The service's friendly name, which Verify puts in the message: `Your Urmston Town verification code is: ...`. */
  serviceName?: string;
  /** The club's WhatsApp sender, whose chat with the person shows the code. */
  clubAddress?: string;
}

interface Verification {
  sid: string;
  serviceSid: string;
  to: string;
  code: string;
  created: Date;
  checks: number;
  sends: number;
}

export interface VerifyStandIn {
  /** Every start and check request, answered or refused: a test asserts none went for a number that may not sign in. */
  requests: { kind: "start" | "check"; to: string | null }[];
  /** The code last sent to `to` (E.164) and still pending, as the person reads it in WhatsApp. */
  codeSentTo(to: string): string | undefined;
  /** Forgets every verification, send and request: a test's sign-ins start afresh. */
  forget(): void;
  /** Answers a Verify request at `path` (the URL's path), or undefined when the path is not Verify's. */
  answer(
    method: string,
    path: string,
    authenticated: boolean,
    form: URLSearchParams,
  ): TwilioError | { status: number; body: object } | undefined;
}

const verifyPath = /^\/v2\/Services\/([^/]+)\/(Verifications|VerificationCheck)$/;
const lifeMs = 10 * 60_000;
const maxChecks = 5;
const maxSends = 5;
const sendWindowMs = 10 * 60_000;
const e164 = /^\+[1-9]\d{6,14}$/;

export function createVerifyStandIn(options: VerifyStandInOptions): VerifyStandIn {
  const contract = loadVerifyContract();
  const pending = new Map<string, Verification>();
  const sendTimes = new Map<string, number[]>();
  const requests: VerifyStandIn["requests"] = [];
  const keyOf = (serviceSid: string, to: string) => `${serviceSid} ${to}`;

  const resource = (verification: Verification, status: string, kind: "verification" | "check") => {
    const base = {
      sid: verification.sid,
      service_sid: verification.serviceSid,
      account_sid: options.accountSid,
      to: verification.to,
      channel: "whatsapp",
      status,
      valid: status === "approved",
      amount: null,
      payee: null,
      date_created: verification.created.toISOString(),
      date_updated: options.now().toISOString(),
    };
    if (kind === "check") return { ...base, sna_attempts_error_codes: [] };
    return {
      ...base,
      lookup: { carrier: null },
      send_code_attempts: [{ time: verification.created.toISOString(), channel: "whatsapp", attempt_sid: twilioSid("VL") }],
      sna: null,
      url: `https://verify.twilio.com/v2/Services/${verification.serviceSid}/Verifications/${verification.sid}`,
    };
  };

  /** The verification pending for the number, if one is and it has not expired. */
  function pendingFor(serviceSid: string, to: string): Verification | undefined {
    const found = pending.get(keyOf(serviceSid, to));
    if (found && options.now().getTime() - found.created.getTime() < lifeMs) return found;
    pending.delete(keyOf(serviceSid, to));
    return undefined;
  }

  function start(serviceSid: string, form: URLSearchParams) {
    const problems = contract.checkStartRequest(form);
    if (problems.length > 0) return twilioError(400, 60200, `Invalid parameter: ${problems.map((problem) => problem.message).join("; ")}`);
    const to = form.get("To")!;
    // Verify takes sms, call and email too; the board asks for WhatsApp only, the one channel the simulator shows.
    if (form.get("Channel") !== "whatsapp")
      return twilioError(400, 60200, "Invalid parameter: Channel (the stand-in sends over whatsapp only)");
    if (!e164.test(to)) return twilioError(400, 60200, "Invalid parameter `To`");
    const now = options.now().getTime();
    const recent = (sendTimes.get(to) ?? []).filter((at) => now - at < sendWindowMs);
    if (recent.length >= maxSends) return twilioError(429, 60203, "Max send attempts reached");
    sendTimes.set(to, [...recent, now]);
    // A pending verification is sent again with its own code, as Verify does.
    const verification = pendingFor(serviceSid, to) ?? {
      sid: twilioSid("VE"),
      serviceSid,
      to,
      code: String(randomInt(0, 1_000_000)).padStart(6, "0"),
      created: options.now(),
      checks: 0,
      sends: 0,
    };
    verification.sends += 1;
    pending.set(keyOf(serviceSid, to), verification);
    options.conversations.add(
      to,
      {
        sid: twilioSid("SM"),
        direction: "to-parent",
        kind: "text",
        body: `Your ${options.serviceName ?? "signon"} verification code is: ${verification.code}`,
        at: options.now().toISOString(),
        status: "delivered",
      },
      { clubAddress: options.clubAddress },
    );
    return { status: 201, body: resource(verification, "pending", "verification") };
  }

  function check(serviceSid: string, form: URLSearchParams) {
    const problems = contract.checkCheckRequest(form);
    if (problems.length > 0) return twilioError(400, 60200, `Invalid parameter: ${problems.map((problem) => problem.message).join("; ")}`);
    const bySid = form.get("VerificationSid");
    const to = form.get("To") ?? [...pending.values()].find((candidate) => candidate.sid === bySid)?.to;
    const verification = to ? pendingFor(serviceSid, to) : undefined;
    if (!verification) return twilioError(404, 20404, "The requested resource was not found");
    if (verification.checks >= maxChecks) return twilioError(429, 60202, "Max check attempts reached");
    verification.checks += 1;
    if (form.get("Code") !== verification.code) return { status: 200, body: resource(verification, "pending", "check") };
    // Approved once: a second check of it finds nothing, as Verify's does.
    pending.delete(keyOf(serviceSid, verification.to));
    return { status: 200, body: resource(verification, "approved", "check") };
  }

  return {
    requests,
    forget() {
      pending.clear();
      sendTimes.clear();
      requests.length = 0;
    },
    codeSentTo: (to) =>
      [...pending.values()].find((verification) => verification.to === to && pendingFor(verification.serviceSid, to))?.code,
    answer(method, path, authenticated, form) {
      const route = verifyPath.exec(path);
      if (!route) return undefined;
      const [, serviceSid, resourceName] = route;
      if (method !== "POST") return twilioError(405, 20004, "Method not allowed");
      requests.push({ kind: resourceName === "Verifications" ? "start" : "check", to: form.get("To") });
      if (!authenticated) return twilioError(401, 20003, "Authentication Error - invalid username");
      if (contract.checkServiceSid(serviceSid).length > 0 || (options.serviceSid && serviceSid !== options.serviceSid)) {
        return twilioError(404, 20404, "The requested resource was not found");
      }
      return resourceName === "Verifications" ? start(serviceSid, form) : check(serviceSid, form);
    },
  };
}
