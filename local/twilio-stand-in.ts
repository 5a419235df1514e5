/**
 * A stand-in for Twilio's Messages API and its WhatsApp side, on loopback. It authenticates
 * like Twilio, checks each request against Twilio's published OpenAPI contract and the rules
 * WhatsApp templates add, renders the template the parent would see, and keeps each
 * parent's conversation. A parent's reply goes to the webhook as Twilio sends it: form
 * encoded and signed with the account's auth token. Tests script faults into it.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import type { TwilioCredentials } from "../handlers/settings";
import { createConversations, type Conversations } from "./conversations";
import { renderTemplate } from "./invite-template";
import { sendJson, serveOnLoopback } from "./loopback";
import { loadMessagesContract, type ContractProblem } from "./twilio-openapi";
import { twilioSid } from "./twilio-ids";
import { twimlMessages } from "./twiml-messages";

export interface ReceivedMessage {
  sid: string;
  accountSid: string;
  From: string;
  To: string;
  ContentSid: string;
  ContentVariables: string;
}

export type Fault = { status: number; code?: number; message?: string } | { dropConnection: true };

export interface StandInOptions {
  /** Template text by ContentSid. Without any, every well-formed SID is taken and shown as its variables. */
  templates?: Record<string, string>;
  /** Where a parent's replies are posted, and the URL their signature covers. */
  webhookUrl?: string;
  /** The club's sender, for a parent who writes before any invite. */
  clubAddress?: string;
}

export interface ParentReply {
  /** The webhook's HTTP status, or undefined when it could not be reached. */
  webhookStatus?: number;
  /** The messages the webhook's TwiML sent back to the parent. */
  replies: string[];
}

export interface TwilioStandInCore {
  /** Messages Twilio accepted, in order. */
  messages: ReceivedMessage[];
  /** Every request that reached the Messages endpoint, accepted or not. */
  attempts: number;
  conversations: Conversations;
  /** The next requests get these faults, one each, before normal service resumes. */
  failNext(...faults: Fault[]): void;
  /** Answers a Messages API request; false when the request is not for Twilio's API. */
  handle(request: IncomingMessage, body: string, response: ServerResponse): boolean;
  /** The parent at `phone` (E.164) sends `text`: Twilio's inbound webhook, signed. */
  replyAsParent(phone: string, text: string): Promise<ParentReply>;
}

/** The stand-in served on a port of its own. */
export interface TwilioStandIn extends TwilioStandInCore {
  /** Base URL for TWILIO_API_BASE_URL. */
  url: string;
  close(): Promise<void>;
}

const messagesPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const whatsappAddress = /^whatsapp:\+[1-9]\d{6,14}$/;

// Twilio's error codes for the fields a send can get wrong; anything else is a generic bad request.
const fieldCodes: Record<string, { missing?: number; invalid: number }> = {
  To: { missing: 21604, invalid: 21211 },
  From: { missing: 21603, invalid: 21212 },
  StatusCallback: { invalid: 21609 },
  MaxPrice: { invalid: 21627 },
  ContentSid: { invalid: 21655 },
  ContentVariables: { invalid: 21656 },
};

interface TwilioError {
  status: number;
  body: { code: number; message: string; more_info: string; status: number };
}

function twilioError(status: number, code: number, message: string): TwilioError {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

function contractError(problems: ContractProblem[]): TwilioError {
  const [first] = problems;
  const codes = fieldCodes[first.field];
  const missing = first.message.endsWith("is required");
  const code = (missing ? codes?.missing : codes?.invalid) ?? 20001;
  return twilioError(400, code, `Invalid parameter: ${problems.map((problem) => problem.message).join("; ")}`);
}

/** What WhatsApp adds to the API's contract for a template send; undefined when it is fine. */
function whatsappRefusal(form: URLSearchParams): TwilioError | undefined {
  const to = form.get("To")!;
  if (!whatsappAddress.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
  if (!whatsappAddress.test(form.get("From") ?? "")) {
    return twilioError(400, 63007, "Twilio could not find a Channel with the specified From address");
  }
  if (!form.get("ContentSid") && !form.get("Body")) return twilioError(400, 21619, "A text message body or media urls must be specified.");
  return undefined;
}

/** ContentVariables must be a JSON object of non-empty, single-line values. */
function templateVariables(form: URLSearchParams): { variables: Record<string, string> } | { refused: TwilioError } {
  const invalid = { refused: twilioError(400, 21656, "The ContentVariables Parameter is invalid.") };
  let variables: unknown;
  try {
    variables = JSON.parse(form.get("ContentVariables") ?? "{}");
  } catch {
    return invalid;
  }
  if (!variables || typeof variables !== "object" || Array.isArray(variables)) return invalid;
  const acceptable = (value: unknown) => typeof value === "string" && value.trim() !== "" && !/[\n\t]| {5}/.test(value);
  return Object.values(variables).every(acceptable) ? { variables: variables as Record<string, string> } : invalid;
}

/** Twilio's date format: RFC 2822 with a numeric zone. */
const twilioDate = (date: Date) => date.toUTCString().replace("GMT", "+0000");
const e164Of = (address: string) => address.replace(/^whatsapp:/, "");

export function createTwilioStandIn(account: TwilioCredentials, options: StandInOptions = {}): TwilioStandInCore {
  const contract = loadMessagesContract();
  const faults: Fault[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString("base64")}`;
  const conversations = createConversations();

  /** The Message resource as Twilio returns it (tests hold it to the contract's 201 schema). */
  function messageResource(sid: string, form: URLSearchParams, body: string) {
    const now = twilioDate(new Date());
    return {
      sid,
      account_sid: account.accountSid,
      from: form.get("From"),
      to: form.get("To"),
      body,
      status: "queued",
      direction: "outbound-api",
      api_version: "2010-04-01",
      num_segments: "1",
      num_media: "0",
      messaging_service_sid: null,
      price: null,
      price_unit: "USD",
      error_code: null,
      error_message: null,
      date_created: now,
      date_updated: now,
      date_sent: null,
      uri: `/2010-04-01/Accounts/${account.accountSid}/Messages/${sid}.json`,
      subresource_uris: { media: `/2010-04-01/Accounts/${account.accountSid}/Messages/${sid}/Media.json` },
    };
  }

  /** The answer Twilio would give a create request, recording what it accepted. */
  function createMessage(accountSid: string, authorization: string | undefined, text: string): TwilioError | { status: 201; body: object } {
    if (authorization !== expectedAuth || accountSid !== account.accountSid) {
      return twilioError(401, 20003, "Authentication Error - invalid username");
    }
    const form = new URLSearchParams(text);
    const problems = contract.checkCreateRequest(form);
    if (problems.length > 0) return contractError(problems);
    const refused = whatsappRefusal(form);
    if (refused) return refused;
    const checked = templateVariables(form);
    if ("refused" in checked) return checked.refused;
    const { variables } = checked;

    const contentSid = form.get("ContentSid") ?? "";
    const template = options.templates?.[contentSid];
    if (options.templates && contentSid && !template) return twilioError(400, 21655, `The ContentSid ${contentSid} was not found.`);
    let body = form.get("Body") ?? JSON.stringify(variables);
    if (template) {
      const rendered = renderTemplate(template, variables);
      if (!rendered.ok) return twilioError(400, 21656, `The ContentVariables Parameter is invalid: no value for {{${rendered.missing.join("}}, {{")}}}.`);
      body = rendered.text;
    }

    const sid = twilioSid("SM");
    standIn.messages.push({ sid, accountSid, From: form.get("From")!, To: form.get("To")!, ContentSid: contentSid, ContentVariables: form.get("ContentVariables") ?? "" });
    conversations.add(
      e164Of(form.get("To")!),
      { sid, direction: "to-parent", kind: contentSid ? "template" : "text", body, at: new Date().toISOString(), status: "delivered" },
      { name: variables["1"], clubAddress: form.get("From")! },
    );
    return { status: 201, body: messageResource(sid, form, body) };
  }

  async function replyAsParent(phone: string, text: string): Promise<ParentReply> {
    if (!options.webhookUrl) throw new Error("the stand-in has no webhook URL to post replies to");
    const clubAddress = conversations.find(phone)?.clubAddress ?? options.clubAddress ?? "";
    const sid = twilioSid("SM");
    const notice = (body: string) => conversations.add(phone, { sid: twilioSid("NO"), direction: "notice", kind: "notice", body, at: new Date().toISOString() });
    conversations.add(phone, { sid, direction: "from-parent", kind: "text", body: text, at: new Date().toISOString(), status: "received" }, { clubAddress });

    // The fields Twilio posts for an inbound WhatsApp text, in its order.
    const fields: Record<string, string> = {
      SmsMessageSid: sid,
      NumMedia: "0",
      ProfileName: conversations.find(phone)?.name ?? "Parent",
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
    let response: Response;
    try {
      response = await fetch(options.webhookUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "User-Agent": "TwilioProxy/1.1",
          "X-Twilio-Signature": getExpectedTwilioSignature(account.authToken, options.webhookUrl, fields),
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
      conversations.add(phone, { sid: twilioSid("SM"), direction: "to-parent", kind: "reply", body: reply, at: new Date().toISOString(), status: "delivered" });
    }
    return { webhookStatus: response.status, replies };
  }

  const standIn: TwilioStandInCore = {
    messages: [],
    attempts: 0,
    conversations,
    failNext: (...next) => void faults.push(...next),
    handle(request, body, response) {
      const route = messagesPath.exec(new URL(request.url ?? "/", "http://stand-in").pathname);
      if (!request.url?.startsWith("/2010-04-01/")) return false;
      const reply = ({ status, body: json }: { status: number; body: object }) => sendJson(response, status, json);
      if (request.method !== "POST" || !route) {
        reply(twilioError(404, 20404, "The requested resource was not found"));
        return true;
      }
      standIn.attempts += 1;
      const fault = faults.shift();
      if (fault && "dropConnection" in fault) request.socket.destroy();
      else if (fault) reply(twilioError(fault.status, fault.code ?? 20500, fault.message ?? "Scripted fault"));
      else reply(createMessage(route[1], request.headers.authorization, body));
      return true;
    },
    replyAsParent,
  };
  return standIn;
}

/** The stand-in on a loopback port of its own, as the tests use it. */
export async function startTwilioStandIn(account: TwilioCredentials, options: StandInOptions = {}): Promise<TwilioStandIn> {
  const standIn = createTwilioStandIn(account, options);
  const server = await serveOnLoopback((request, body, response) => {
    if (!standIn.handle(request, body, response)) sendJson(response, 404, { message: "not a Twilio API path" });
  });
  return Object.assign(standIn, { url: server.url, close: server.close });
}
