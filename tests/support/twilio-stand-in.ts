/**
 * A local stand-in for Twilio's Messages API on 127.0.0.1: authenticates like Twilio, checks
 * the request the way Twilio would for a WhatsApp template message, records what it got,
 * and plays scripted faults (an HTTP error with a Twilio code, or a dropped connection).
 */
import { randomBytes } from "node:crypto";
import { sendJson, serveOnLoopback } from "./loopback";

export interface ReceivedMessage {
  sid: string;
  accountSid: string;
  From: string;
  To: string;
  ContentSid: string;
  ContentVariables: string;
}

export type Fault = { status: number; code?: number; message?: string } | { dropConnection: true };

export interface TwilioStandIn {
  url: string;
  /** Messages Twilio accepted, in order. */
  messages: ReceivedMessage[];
  /** Every request that reached the Messages endpoint, accepted or not. */
  attempts: number;
  /** The next requests get these faults, one each, before normal service resumes. */
  failNext(...faults: Fault[]): void;
  close(): Promise<void>;
}

const whatsappAddress = /^whatsapp:\+[1-9]\d{6,14}$/;
const messagesPath = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/;

function twilioError(status: number, code: number, message: string) {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** What Twilio's API and WhatsApp would refuse in a template send; undefined when it is fine. */
function refusal(form: URLSearchParams) {
  const to = form.get("To") ?? "";
  const from = form.get("From") ?? "";
  if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!whatsappAddress.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
  if (!whatsappAddress.test(from)) return twilioError(400, 63007, "Twilio could not find a Channel with the specified From address");
  if (!/^HX[0-9a-f]{32}$/.test(form.get("ContentSid") ?? "")) return twilioError(400, 21655, "The ContentSid is Invalid.");
  let variables: unknown;
  try {
    variables = JSON.parse(form.get("ContentVariables") ?? "");
  } catch {
    return twilioError(400, 21656, "The ContentVariables Parameter is invalid.");
  }
  const values = variables && typeof variables === "object" && !Array.isArray(variables) ? Object.values(variables) : [];
  const acceptable = (value: unknown) => typeof value === "string" && value.trim() !== "" && !/[\n\t]| {5}/.test(value);
  if (values.length === 0 || !values.every(acceptable)) return twilioError(400, 21656, "The ContentVariables Parameter is invalid.");
  return undefined;
}

export async function startTwilioStandIn(credentials: { accountSid: string; authToken: string }): Promise<TwilioStandIn> {
  const faults: Fault[] = [];
  const standIn = { messages: [] as ReceivedMessage[], attempts: 0 };
  const expectedAuth = `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString("base64")}`;

  const server = await serveOnLoopback((request, body, response) => {
    const reply = (status: number, json: object) => sendJson(response, status, json);
    const route = messagesPath.exec(request.url ?? "");
    if (request.method !== "POST" || !route) return reply(404, twilioError(404, 20404, "The requested resource was not found").body);
    standIn.attempts += 1;
    const fault = faults.shift();
    if (fault && "dropConnection" in fault) return request.socket.destroy();
    if (fault) return reply(fault.status, twilioError(fault.status, fault.code ?? 20500, fault.message ?? "Scripted fault").body);
    if (request.headers.authorization !== expectedAuth || route[1] !== credentials.accountSid) {
      return reply(401, twilioError(401, 20003, "Authentication Error - invalid username").body);
    }
    const form = new URLSearchParams(body);
    const refused = refusal(form);
    if (refused) return reply(refused.status, refused.body);
    const sid = `SM${randomBytes(16).toString("hex")}`;
    standIn.messages.push({
      sid,
      accountSid: route[1],
      From: form.get("From")!,
      To: form.get("To")!,
      ContentSid: form.get("ContentSid")!,
      ContentVariables: form.get("ContentVariables")!,
    });
    reply(201, {
      sid,
      account_sid: route[1],
      from: form.get("From"),
      to: form.get("To"),
      status: "queued",
      direction: "outbound-api",
      api_version: "2010-04-01",
      num_segments: "1",
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${route[1]}/Messages/${sid}.json`,
    });
  });

  return Object.assign(standIn, {
    url: server.url,
    failNext: (...next: Fault[]) => void faults.push(...next),
    close: server.close,
  });
}
