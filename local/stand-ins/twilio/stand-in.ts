/**
 * A stand-in for Twilio's Messages API and its WhatsApp side, on loopback. It authenticates
 * like Twilio, checks each send against Twilio's published OpenAPI contract and the rules
 * WhatsApp templates add (send-request.ts), renders the template the parent would see, keeps
 * the account's messages (account-messages.ts) and each parent's conversation. A parent's
 * reply goes to the webhook as Twilio sends it (parent-replies.ts). Tests script faults into it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TwilioCredentials } from "../../../twilio/messages-client";
import { telOf } from "../../../twilio/webhook-request";
import { sendJson, serveOnLoopback } from "../../loopback";
import { type Conversations, createConversations } from "../../simulator/conversations";
import { createAccountMessages } from "./account-messages";
import { authenticationError, queryError, type TwilioError, twilioError } from "./errors";
import { twilioSid } from "./ids";
import { loadMessagesContract } from "./openapi-contract";
import { createParentReplies, type ParentReply } from "./parent-replies";
import { checkSendRequest } from "./send-request";
import { createStatusCallbacks, type DeliveryFailure } from "./status-callbacks";
import { createVerifyStandIn, type VerifyStandIn } from "./verify";

export interface ReceivedMessage {
  sid: string;
  accountSid: string;
  From: string;
  To: string;
  ContentSid: string;
  ContentVariables: string;
  /** A free-form message's text (no ContentSid). */
  Body?: string;
  /** Where the message's delivery statuses are posted, when the sender asked for them. */
  StatusCallback?: string;
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
  /** Posts each message's statuses to its StatusCallback (npm start does); otherwise they only show in the chat. */
  postStatusCallbacks?: boolean;
  /** The time between a message's statuses: 250 ms unless given. */
  deliveryStepMs?: number;
  /** Verify's one service (any well-formed SID without it), and its name in the code's message. */
  verifyService?: { sid: string; name: string };
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
  /** Twilio Verify: the codes it sent, the requests it had (verify.ts). */
  verify: Pick<VerifyStandIn, "requests" | "codeSentTo" | "forget">;
  /** Answers a Messages or Verify API request; false when the request is not for Twilio's API. */
  handle(request: IncomingMessage, body: string, response: ServerResponse): boolean;
  /** The parent at `phone` (E.164) sends `text`: Twilio's inbound webhook, signed. */
  replyAsParent(phone: string, text: string): Promise<ParentReply>;
  /** The next accepted sends end in these delivery failures, one each (Twilio still answers 201). */
  failDeliveryNext(...failures: DeliveryFailure[]): void;
  /** The parent at `phone` (E.164) opens the chat: each delivered message becomes read. How many did. */
  readByParent(phone: string): Promise<number>;
}

/** The stand-in served on a port of its own. */
export interface TwilioStandIn extends TwilioStandInCore {
  /** Base URL for TWILIO_API_BASE_URL. */
  url: string;
  close(): Promise<void>;
}

const messagesPath = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

export function createTwilioStandIn(account: TwilioCredentials, options: StandInOptions = {}): TwilioStandInCore {
  const contract = loadMessagesContract();
  const faults: Fault[] = [];
  const lookupFailures: Failure[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString("base64")}`;
  const conversations = createConversations();
  const statusCallbacks = createStatusCallbacks({
    account,
    conversations,
    post: options.postStatusCallbacks ?? false,
    stepMs: options.deliveryStepMs ?? 250,
  });
  const accountMessages = createAccountMessages(account.accountSid, options.now ?? (() => new Date()));
  const authenticated = (accountSid: string, authorization: string | undefined) =>
    authorization === expectedAuth && accountSid === account.accountSid;
  const verify = createVerifyStandIn({
    accountSid: account.accountSid,
    conversations,
    now: options.now ?? (() => new Date()),
    serviceSid: options.verifyService?.sid,
    serviceName: options.verifyService?.name,
    clubAddress: options.clubAddress,
  });

  /** The answer Twilio would give a create request, recording what it accepted. */
  function createMessage(accountSid: string, authorization: string | undefined, text: string): TwilioError | { status: 201; body: object } {
    if (!authenticated(accountSid, authorization)) return authenticationError();
    const checked = checkSendRequest(new URLSearchParams(text), contract, options.templates);
    if ("refused" in checked) return checked.refused;
    const { from, to, contentSid, contentVariables, statusCallback, variables, body } = checked.accepted;
    const sid = twilioSid("SM");
    standIn.messages.push({
      sid,
      accountSid,
      From: from,
      To: to,
      ContentSid: contentSid,
      ContentVariables: contentVariables,
      ...(contentSid ? {} : { Body: body }),
      StatusCallback: statusCallback,
    });
    const created = accountMessages.record({ sid, from, to, body, direction: "outbound-api" });
    conversations.add(
      telOf(to),
      { sid, direction: "to-parent", kind: contentSid ? "template" : "text", body, at: new Date().toISOString(), status: "queued" },
      { name: variables["1"], clubAddress: from },
    );
    statusCallbacks.deliver({ sid, from, to, statusCallback });
    return { status: 201, body: accountMessages.resource(created, "created") };
  }

  /** A page of the account's messages, newest first, as Twilio's list answers. */
  function listMessages(
    accountSid: string,
    authorization: string | undefined,
    query: URLSearchParams,
  ): TwilioError | { status: 200; body: object } {
    if (!authenticated(accountSid, authorization)) return authenticationError();
    const problems = contract.checkListQuery(query);
    if (problems.length > 0) return queryError(problems);
    // A test that empties `messages` has Twilio forget those sends too.
    const kept = new Set(standIn.messages.map((message) => message.sid));
    return { status: 200, body: accountMessages.page(query, (message) => message.direction !== "outbound-api" || kept.has(message.sid)) };
  }

  const standIn: TwilioStandInCore = {
    messages: [],
    attempts: 0,
    lookups: 0,
    conversations,
    verify,
    failNext: (...next) => void faults.push(...next),
    failNextLookup: (...next) => void lookupFailures.push(...next),
    clearFaults() {
      faults.length = 0;
      lookupFailures.length = 0;
    },
    handle(request, body, response) {
      if (request.url?.startsWith("/v2/")) {
        const path = new URL(request.url, "http://stand-in").pathname;
        const answer = verify.answer(request.method ?? "", path, request.headers.authorization === expectedAuth, new URLSearchParams(body));
        const { status, body: json } = answer ?? twilioError(404, 20404, "The requested resource was not found");
        sendJson(response, status, json);
        return true;
      }
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
    failDeliveryNext: statusCallbacks.failDeliveryNext,
    readByParent: statusCallbacks.read,
    replyAsParent: createParentReplies({
      account,
      conversations,
      accountMessages,
      webhookUrl: options.webhookUrl,
      clubAddress: options.clubAddress,
    }),
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
