/**
 * The simulator page and what it talks to: the page's files, the conversations as JSON and as
 * a live event stream, and "reply as the parent", which has the Twilio stand-in post a signed
 * webhook exactly as Twilio would.
 */
import * as fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as path from "node:path";
import type { StackConfig } from "../../config/schema";
import { defaultSteps } from "../../domain/conversation/script";
import { refusedUnlessJson, sendJson } from "../loopback";
import type { TwilioStandInCore } from "../stand-ins/twilio/stand-in";

export interface SimulatorOptions {
  standIn: TwilioStandInCore;
  settings: StackConfig;
  /** Prefilled in the invite form: the page is served on loopback only. */
  apiKey: string;
  /** Prefilled in the registrations view, likewise. */
  exportApiKey: string;
}

const pageFiles: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/simulator/simulator.js": { file: "simulator.js", type: "text/javascript; charset=utf-8" },
  "/simulator/simulator.css": { file: "simulator.css", type: "text/css; charset=utf-8" },
};
const pageDirectory = __dirname;
/** The secretary's view has a column for each optional question, titled and filled as its step says. */
const optionalQuestions = defaultSteps.filter((step) => step.optional).map(({ label, answerKeys }) => ({ label, answerKeys }));
const e164 = /^\+[1-9]\d{6,14}$/;
// Twilio's longest message body.
const maxReplyLength = 1600;

function phoneRequest(body: string): { to: string } | { problem: string } {
  let parsed: { to?: unknown };
  try {
    parsed = JSON.parse(body) ?? {};
  } catch {
    return { problem: 'the body must be JSON such as {"to": "+447700900123"}' };
  }
  if (typeof parsed.to !== "string" || !e164.test(parsed.to))
    return { problem: "to must be the parent's number in E.164 form, such as +447700900123" };
  return { to: parsed.to };
}

function replyRequest(body: string): { to: string; text: string } | { problem: string } {
  let parsed: { to?: unknown; text?: unknown };
  try {
    parsed = JSON.parse(body) ?? {};
  } catch {
    return { problem: 'the body must be JSON such as {"to": "+447700900123", "text": "Ready"}' };
  }
  const { to, text } = parsed;
  if (typeof to !== "string" || !e164.test(to)) return { problem: "to must be the parent's number in E.164 form, such as +447700900123" };
  if (typeof text !== "string" || text.trim() === "") return { problem: "text must be the message the parent sends" };
  if (text.length > maxReplyLength) return { problem: `text must be at most ${maxReplyLength} characters` };
  return { to, text };
}

export function createSimulatorRoutes({ standIn, settings, apiKey, exportApiKey }: SimulatorOptions) {
  const state = () => ({
    club: {
      name: settings.club.name,
      assistantName: settings.club.assistantName,
      whatsappNumber: settings.twilio.whatsappNumber,
      season: settings.registration.season,
      membershipFee: settings.registration.membershipFee,
      subscriptionFee: settings.registration.subscriptionFee,
    },
    apiKey,
    exportApiKey,
    optionalQuestions,
    conversations: standIn.conversations.list().map(({ phone, name, messages }) => ({ phone, name, messages })),
  });

  function streamEvents(response: ServerResponse) {
    response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" });
    const send = () => response.write(`event: state\ndata: ${JSON.stringify(state())}\n\n`);
    send();
    const unsubscribe = standIn.conversations.onChange(send);
    // The response closes when the page goes away; the request closes as soon as it has been read.
    response.on("close", unsubscribe);
  }

  async function reply(request: IncomingMessage, body: string, response: ServerResponse) {
    if (refusedUnlessJson(request, response, "send the reply as application/json")) return;
    const parsed = replyRequest(body);
    if ("problem" in parsed) return sendJson(response, 400, { error: "invalid_reply", message: parsed.problem });
    sendJson(response, 200, await standIn.replyAsParent(parsed.to, parsed.text));
  }

  /** The parent opens the chat: the club's delivered messages are read, and Twilio says so to POST /status. */
  async function read(request: IncomingMessage, body: string, response: ServerResponse) {
    if (refusedUnlessJson(request, response, "send the request as application/json")) return;
    const parsed = phoneRequest(body);
    if ("problem" in parsed) return sendJson(response, 400, { error: "invalid_read", message: parsed.problem });
    sendJson(response, 200, { read: await standIn.readByParent(parsed.to) });
  }

  /** Answers the simulator's own paths; false for anything else. */
  return (request: IncomingMessage, body: string, response: ServerResponse): boolean => {
    const pathname = new URL(request.url ?? "/", "http://local").pathname;
    const page = pageFiles[pathname];
    if (request.method === "GET" && page) {
      response.writeHead(200, {
        "Content-Type": page.type,
        "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:",
      });
      response.end(fs.readFileSync(path.join(pageDirectory, page.file)));
    } else if (request.method === "GET" && pathname === "/simulator/api/state") {
      sendJson(response, 200, state(), { "Cache-Control": "no-store" });
    } else if (request.method === "GET" && pathname === "/simulator/events") {
      streamEvents(response);
    } else if (request.method === "POST" && pathname === "/simulator/api/read") {
      read(request, body, response).catch(() =>
        sendJson(response, 500, { error: "read_failed", message: "the chat could not be marked read" }),
      );
    } else if (request.method === "POST" && pathname === "/simulator/api/reply") {
      reply(request, body, response).catch(() =>
        sendJson(response, 500, { error: "reply_failed", message: "the reply could not be delivered" }),
      );
    } else {
      return false;
    }
    return true;
  };
}
