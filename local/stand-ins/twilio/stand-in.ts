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
import type { TwilioCredentials } from "../../../twilio/messages-client";
import { createConversations, type Conversations } from "../../simulator/conversations";
import { renderTemplate } from "./invite-template";
import { sendJson, serveOnLoopback } from "../../loopback";
import { loadMessagesContract, type ContractProblem } from "./openapi-contract";
import { twilioSid } from "./ids";
import { twimlMessages } from "../../../twilio/twiml";

export interface ReceivedMessage {
  sid: string;
  accountSid: string;
  From: string;
  To: string;
  ContentSid: string;
  ContentVariables: string;
}

/** How a scripted request fails. */
export type Failure =
  /** Twilio answers with this error. */
  | { status: number; code?: number; message?: string }
  /** The connection is reset before any answer. */
  | { dropConnection: true }
  /** No answer ever comes: the caller's own timeout ends the wait. */
  | { stall: true };

/**
 * A send's scripted failure. `accepted`: Twilio created the message first, and only its
 * answer is lost or wrong, as when a connection breaks on the way back.
 */
export type Fault = Failure & { accepted?: true };

export interface StandInOptions {
  /** Twilio's clock, for date_created; the caller's by default. */
  now?: () => Date;
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
  /** Messages Twilio accepted through the API, in order. */
  messages: ReceivedMessage[];
  /** Every request to send a message, accepted or not. */
  attempts: number;
  /** Every request to list messages, answered or not. */
  lookups: number;
  conversations: Conversations;
  /** The next send requests get these faults, one each, before normal service resumes. */
  failNext(...faults: Fault[]): void;
  /** The next list requests fail so, one each. */
  failNextLookup(...failures: Failure[]): void;
  /** Drops faults not yet played: a test whose sender gave up early leaves none for the next. */
  clearFaults(): void;
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

/** A message on the account, sent or received, as Twilio's Messages list shows it. */
interface AccountMessage {
  sid: string;
  from: string;
  to: string;
  body: string;
  direction: "outbound-api" | "outbound-reply" | "inbound";
  /** Whole seconds, as Twilio keeps it. */
  created: Date;
}

const dayMs = 86_400_000;

/** The span a DateSent value names: a YYYY-MM-DD is a whole GMT day, a date-time its second. */
function dateSpan(value: string): { start: number; end: number } {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const start = Date.parse(day ? `${value}T00:00:00Z` : value);
  return { start, end: start + (day ? dayMs : 1000) };
}

/** Twilio's list filters: To and From exactly; DateSent on, DateSent< on or before, DateSent> on or after. */
function matchesFilters(message: AccountMessage, query: URLSearchParams): boolean {
  const sent = message.created.getTime();
  const on = query.get("DateSent");
  const before = query.get("DateSent<");
  const after = query.get("DateSent>");
  return (
    (!query.has("To") || message.to === query.get("To")) &&
    (!query.has("From") || message.from === query.get("From")) &&
    (on === null || (sent >= dateSpan(on).start && sent < dateSpan(on).end)) &&
    (before === null || sent < dateSpan(before).end) &&
    (after === null || sent >= dateSpan(after).start)
  );
}

export function createTwilioStandIn(account: TwilioCredentials, options: StandInOptions = {}): TwilioStandInCore {
  const contract = loadMessagesContract();
  const faults: Fault[] = [];
  const lookupFailures: Failure[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString("base64")}`;
  const conversations = createConversations();
  const accountMessages: AccountMessage[] = [];
  const now = options.now ?? (() => new Date());

  function record(message: Omit<AccountMessage, "created">): AccountMessage {
    const created = new Date(Math.floor(now().getTime() / 1000) * 1000);
    accountMessages.push({ ...message, created });
    return { ...message, created };
  }

  /**
   * The Message resource as Twilio returns it (tests hold it to the contract's schemas): as
   * just created, or later, once the stand-in has delivered it (at once) or taken it in.
   */
  function messageResource(message: AccountMessage, stage: "created" | "later") {
    const { sid } = message;
    const created = twilioDate(message.created);
    const laterStatus = message.direction === "inbound" ? "received" : "delivered";
    return {
      sid,
      account_sid: account.accountSid,
      from: message.from,
      to: message.to,
      body: message.body,
      status: stage === "created" ? "queued" : laterStatus,
      direction: message.direction,
      api_version: "2010-04-01",
      num_segments: "1",
      num_media: "0",
      messaging_service_sid: null,
      price: null,
      price_unit: "USD",
      error_code: null,
      error_message: null,
      date_created: created,
      date_updated: created,
      date_sent: stage === "created" ? null : created,
      uri: `/2010-04-01/Accounts/${account.accountSid}/Messages/${sid}.json`,
      subresource_uris: { media: `/2010-04-01/Accounts/${account.accountSid}/Messages/${sid}/Media.json` },
    };
  }

  const authenticated = (accountSid: string, authorization: string | undefined) => authorization === expectedAuth && accountSid === account.accountSid;
  const authenticationError = () => twilioError(401, 20003, "Authentication Error - invalid username");

  /** The answer Twilio would give a create request, recording what it accepted. */
  function createMessage(accountSid: string, authorization: string | undefined, text: string): TwilioError | { status: 201; body: object } {
    if (!authenticated(accountSid, authorization)) return authenticationError();
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
    const created = record({ sid, from: form.get("From")!, to: form.get("To")!, body, direction: "outbound-api" });
    conversations.add(
      e164Of(form.get("To")!),
      { sid, direction: "to-parent", kind: contentSid ? "template" : "text", body, at: new Date().toISOString(), status: "delivered" },
      { name: variables["1"], clubAddress: form.get("From")! },
    );
    return { status: 201, body: messageResource(created, "created") };
  }

  /** A page of the account's messages, newest first, as Twilio's list answers. */
  function listMessages(accountSid: string, authorization: string | undefined, query: URLSearchParams): TwilioError | { status: 200; body: object } {
    if (!authenticated(accountSid, authorization)) return authenticationError();
    const problems = contract.checkListQuery(query);
    if (problems.length > 0) return twilioError(400, 20001, `Invalid parameter: ${problems.map((problem) => problem.message).join("; ")}`);
    const pageSize = Number(query.get("PageSize") ?? 50);
    const page = Number(query.get("Page") ?? 0);
    // A test that empties `messages` has Twilio forget those sends too.
    const kept = new Set(standIn.messages.map((message) => message.sid));
    const held = accountMessages.filter((message) => message.direction !== "outbound-api" || kept.has(message.sid));
    // Sorted newest-added first beforehand, so messages of the same second stay newest first.
    const matching = held.reverse().sort((a, b) => b.created.getTime() - a.created.getTime()).filter((message) => matchesFilters(message, query));
    const start = page * pageSize;
    const messages = matching.slice(start, start + pageSize);
    // The stand-in pages by Page and PageSize alone; Twilio adds a PageToken to its links.
    const pageUri = (index: number) => {
      const linked = new URLSearchParams(query);
      linked.delete("PageToken");
      linked.set("PageSize", String(pageSize));
      linked.set("Page", String(index));
      return `/2010-04-01/Accounts/${accountSid}/Messages.json?${linked}`;
    };
    return {
      status: 200,
      body: {
        messages: messages.map((message) => messageResource(message, "later")),
        start,
        end: Math.max(start, start + messages.length - 1),
        page,
        page_size: pageSize,
        uri: pageUri(page),
        first_page_uri: pageUri(0),
        next_page_uri: matching.length > start + pageSize ? pageUri(page + 1) : null,
        previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      },
    };
  }

  async function replyAsParent(phone: string, text: string): Promise<ParentReply> {
    if (!options.webhookUrl) throw new Error("the stand-in has no webhook URL to post replies to");
    const clubAddress = conversations.find(phone)?.clubAddress ?? options.clubAddress ?? "";
    const sid = twilioSid("SM");
    const notice = (body: string) => conversations.add(phone, { sid: twilioSid("NO"), direction: "notice", kind: "notice", body, at: new Date().toISOString() });
    conversations.add(phone, { sid, direction: "from-parent", kind: "text", body: text, at: new Date().toISOString(), status: "received" }, { clubAddress });
    record({ sid, from: `whatsapp:${phone}`, to: clubAddress, body: text, direction: "inbound" });

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
      const { sid: replySid } = record({ sid: twilioSid("SM"), from: clubAddress, to: `whatsapp:${phone}`, body: reply, direction: "outbound-reply" });
      conversations.add(phone, { sid: replySid, direction: "to-parent", kind: "reply", body: reply, at: new Date().toISOString(), status: "delivered" });
    }
    return { webhookStatus: response.status, replies };
  }

  const standIn: TwilioStandInCore = {
    messages: [],
    attempts: 0,
    lookups: 0,
    conversations,
    failNext: (...next) => void faults.push(...next),
    failNextLookup: (...next) => void lookupFailures.push(...next),
    clearFaults() {
      faults.length = 0;
      lookupFailures.length = 0;
    },
    handle(request, body, response) {
      if (!request.url?.startsWith("/2010-04-01/")) return false;
      const url = new URL(request.url, "http://stand-in");
      const route = messagesPath.exec(url.pathname);
      const reply = ({ status, body: json }: { status: number; body: object }) => sendJson(response, status, json);
      const fail = (failure: Failure) => {
        if ("dropConnection" in failure) request.socket.destroy();
        else if ("status" in failure) reply(twilioError(failure.status, failure.code ?? 20500, failure.message ?? "Scripted fault"));
        // A stall leaves the request unanswered until the caller gives up.
      };
      const authorization = request.headers.authorization;
      if (route && request.method === "GET") {
        standIn.lookups += 1;
        const failure = lookupFailures.shift();
        if (failure) fail(failure);
        else reply(listMessages(route[1], authorization, url.searchParams));
      } else if (route && request.method === "POST") {
        standIn.attempts += 1;
        const fault = faults.shift();
        if (!fault) reply(createMessage(route[1], authorization, body));
        else {
          if (fault.accepted) createMessage(route[1], authorization, body);
          fail(fault);
        }
      } else {
        reply(twilioError(404, 20404, "The requested resource was not found"));
      }
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
