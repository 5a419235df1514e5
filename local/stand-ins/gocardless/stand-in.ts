/**
 * A stand-in for GoCardless's API on loopback: billing requests, their flows, the subscriptions on
 * the mandates they bring, and the events it posts signed to signon's webhook. Its requests are held
 * to GoCardless's API reference (the fields each create takes, checked by name against the
 * gocardless-nodejs package's published types) and refused as GoCardless refuses them; its answers
 * are resources of those types. Completing a flow (`pay`) stands in for the parent on GoCardless's
 * page, and its pay page (pay-page.ts, at each flow's `authorisation_url`) lets a person do it in a
 * browser. Tests script faults into it.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BillingRequest, BillingRequestFlow, Event, GoCardlessClient, Subscription } from "gocardless-nodejs";
import { goCardlessApiVersion } from "../../../gocardless/gocardless-client";
import { goCardlessSignature } from "../../../gocardless/webhook-signature";
import { sendJson, serveOnLoopback } from "../../loopback";
import { handlePayPage, type PayPageFactsReader } from "./pay-page";

type BillingRequestCreate = Parameters<GoCardlessClient["billingRequests"]["create"]>[0];
type BillingRequestFlowCreate = Parameters<GoCardlessClient["billingRequestFlows"]["create"]>[0];
type SubscriptionCreate = Parameters<GoCardlessClient["subscriptions"]["create"]>[0];

/** The fields each create takes, as the published types name them: any other is refused, as GoCardless refuses it. */
const billingRequestFields = [
  "fallback_enabled",
  "links",
  "mandate_request",
  "metadata",
  "payment_context_code",
  "payment_purpose_code",
  "payment_request",
  "purpose_code",
] as const satisfies readonly (keyof BillingRequestCreate)[];
const flowFields = [
  "auto_fulfil",
  "exit_uri",
  "language",
  "links",
  "lock_bank_account",
  "lock_currency",
  "lock_customer_details",
  "prefilled_customer",
  "redirect_uri",
  "show_redirect_buttons",
  "show_success_redirect_button",
  "skip_success_screen",
] as const satisfies readonly (keyof BillingRequestFlowCreate)[];
const subscriptionFields = [
  "amount",
  "count",
  "currency",
  "day_of_month",
  "end_date",
  "interval",
  "interval_unit",
  "links",
  "metadata",
  "month",
  "name",
  "payment_reference",
  "retry_if_possible",
  "start_date",
] as const satisfies readonly (keyof SubscriptionCreate)[];

/** How a scripted request fails. */
export type GoCardlessFailure =
  /** GoCardless answers with this error. */
  | { status: number; type?: string; reason?: string }
  /** The connection is reset before any answer. */
  | { dropConnection: true }
  /** No answer ever comes: the caller's own timeout ends the wait. */
  | { stall: true };

/** A fault and whether GoCardless made the resource first (only its answer is lost). */
export type GoCardlessFault = GoCardlessFailure & { accepted?: true };

export interface GoCardlessRequestRecord {
  method: string;
  path: string;
  headers: { authorization?: string; version?: string; idempotencyKey?: string };
  body: Record<string, unknown>;
}

export interface GoCardlessStandInOptions {
  accessToken: string;
  webhookSecret: string;
  /** Where events are posted (signon's /payments/gocardless); without it they are only kept. */
  webhookUrl?: string;
  /** GoCardless's clock; the caller's by default. */
  now?: () => Date;
  /** What the pay page says beyond the billing request (the club, the player, the monthly payments): npm start's from the registration. */
  payPageFacts?: PayPageFactsReader;
}

export interface GoCardlessStandIn {
  url: string;
  /** Every API request, answered or refused, in order. */
  requests: GoCardlessRequestRecord[];
  billingRequests: Map<string, BillingRequest>;
  flows: Map<string, BillingRequestFlow>;
  subscriptions: Map<string, Subscription>;
  /** Every event made, in order, posted or not. */
  events: Event[];
  /** The next API requests get these faults, one each, before normal service resumes. */
  failNext(...faults: GoCardlessFault[]): void;
  /**
   * The parent completes the flow's page: the billing request is fulfilled with a payment and a
   * mandate, and GoCardless's events for them are posted signed. Returns the events.
   */
  pay(flowId: string): Promise<Event[]>;
  /** Posts events as GoCardless does: one body of `events`, signed with the secret unless `signature` is given. */
  postEvents(events: Event[], signature?: string): Promise<{ status: number }>;
  close(): Promise<void>;
}

const prefixes = { billingRequest: "BRQ", flow: "BRF", payment: "PM", mandate: "MD", subscription: "SB", event: "EV", customer: "CU" };
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const newId = (prefix: string) => `${prefix}${Array.from(randomBytes(10), (byte) => alphabet[byte % alphabet.length]).join("")}`;
const flowLifeMs = 7 * 24 * 3_600_000;

interface ErrorDetail {
  field?: string;
  message: string;
  request_pointer?: string;
  reason?: string;
  links?: Record<string, string>;
}

/** GoCardless's error answer: its type, HTTP code and the details. */
function goCardlessError(status: number, type: string, message: string, errors: ErrorDetail[] = []) {
  return {
    status,
    body: {
      error: {
        message,
        documentation_url: `https://developer.gocardless.com/api-reference#${type}`,
        type,
        request_id: newId("RQ"),
        code: status,
        errors,
      },
    },
  };
}

const invalid = (resource: string, problems: { field: string; message: string }[]) =>
  goCardlessError(
    422,
    "validation_failed",
    "Validation failed",
    problems.map(({ field, message }) => ({ field, message, request_pointer: `/${resource}/${field.replaceAll(".", "/")}` })),
  );

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isPositiveWhole = (value: unknown) => Number.isInteger(value) && (value as number) > 0;

/** GoCardless's metadata rules: up to 3 keys of at most 50 characters, string values of at most 500. */
function metadataProblems(metadata: unknown): { field: string; message: string }[] {
  if (metadata === undefined) return [];
  if (!isObject(metadata)) return [{ field: "metadata", message: "must be an object" }];
  const entries = Object.entries(metadata);
  if (entries.length > 3) return [{ field: "metadata", message: "may have at most 3 keys" }];
  return entries
    .filter(([key, value]) => key.length > 50 || typeof value !== "string" || value.length > 500)
    .map(([key]) => ({ field: `metadata.${key}`, message: "must be a string of at most 500 characters, under a key of at most 50" }));
}

function unknownFields(body: Record<string, unknown>, known: readonly string[]): { field: string; message: string }[] {
  return Object.keys(body)
    .filter((key) => !known.includes(key))
    .map((field) => ({ field, message: "is not a permitted parameter" }));
}

export async function startGoCardlessStandIn(options: GoCardlessStandInOptions): Promise<GoCardlessStandIn> {
  const now = options.now ?? (() => new Date());
  const faults: GoCardlessFault[] = [];
  const idempotencyKeys = new Map<string, string>();
  const paymentsByRequest = new Map<string, string>();

  const eventOf = (resource_type: Event["resource_type"], action: string, links: Event["links"]): Event => ({
    id: newId(prefixes.event),
    created_at: now().toISOString(),
    resource_type,
    action,
    links,
    details: { origin: "gocardless", cause: action, description: `Stand-in: ${resource_type} ${action}.` },
    metadata: {},
  });

  /** A create with an Idempotency-Key already used answers 409 naming what the first made. */
  function created(key: string | undefined, make: () => { id: string; answer: { status: number; body: object } }) {
    const earlier = key ? idempotencyKeys.get(key) : undefined;
    if (earlier) {
      return goCardlessError(409, "invalid_state", "A resource has already been created with this idempotency key", [
        {
          reason: "idempotent_creation_conflict",
          message: "A resource has already been created with this idempotency key",
          links: { conflicting_resource_id: earlier },
        },
      ]);
    }
    const { id, answer } = make();
    if (key && answer.status < 300) idempotencyKeys.set(key, id);
    return answer;
  }

  function createBillingRequest(body: Record<string, unknown>, key: string | undefined) {
    const request = body.billing_requests;
    if (!isObject(request)) return invalid("billing_requests", [{ field: "billing_requests", message: "is required" }]);
    const payment = request.payment_request;
    const mandate = request.mandate_request;
    const problems = [
      ...unknownFields(request, billingRequestFields),
      ...(payment === undefined && mandate === undefined
        ? [{ field: "payment_request", message: "a payment_request or mandate_request is required" }]
        : []),
      ...(payment !== undefined && (!isObject(payment) || !isPositiveWhole(payment.amount))
        ? [{ field: "payment_request.amount", message: "must be a whole number of pence greater than 0" }]
        : []),
      ...(payment !== undefined && isObject(payment) && payment.currency !== "GBP"
        ? [{ field: "payment_request.currency", message: "must be GBP" }]
        : []),
      ...(mandate !== undefined && (!isObject(mandate) || mandate.currency !== "GBP")
        ? [{ field: "mandate_request.currency", message: "must be GBP" }]
        : []),
      ...metadataProblems(request.metadata),
    ];
    if (problems.length > 0) return invalid("billing_requests", problems);
    return created(key, () => {
      const billingRequest: BillingRequest = {
        id: newId(prefixes.billingRequest),
        created_at: now().toISOString(),
        status: "pending",
        payment_request: isObject(payment)
          ? { amount: payment.amount as number, currency: "GBP", description: (payment.description as string) ?? null }
          : null,
        mandate_request: isObject(mandate) ? { currency: "GBP", scheme: "bacs" } : null,
        metadata: (request.metadata as Record<string, string>) ?? {},
        links: { customer: newId(prefixes.customer) },
      };
      standIn.billingRequests.set(billingRequest.id, billingRequest);
      return { id: billingRequest.id, answer: { status: 201, body: { billing_requests: billingRequest } } };
    });
  }

  function createFlow(body: Record<string, unknown>) {
    const request = body.billing_request_flows;
    if (!isObject(request)) return invalid("billing_request_flows", [{ field: "billing_request_flows", message: "is required" }]);
    const links = request.links;
    const requestId = isObject(links) ? links.billing_request : undefined;
    const problems = [
      ...unknownFields(request, flowFields),
      ...(typeof requestId === "string" ? [] : [{ field: "links.billing_request", message: "is required" }]),
    ];
    if (problems.length > 0) return invalid("billing_request_flows", problems);
    const billingRequest = standIn.billingRequests.get(requestId as string);
    if (!billingRequest)
      return goCardlessError(404, "invalid_api_usage", "Resource not found", [
        { reason: "resource_not_found", message: "Resource not found" },
      ]);
    if (billingRequest.status === "fulfilled" || billingRequest.status === "cancelled") {
      return goCardlessError(422, "invalid_state", `Billing request is ${billingRequest.status}`, [
        { reason: "billing_request_not_pending", message: `Billing request is ${billingRequest.status}` },
      ]);
    }
    const id = newId(prefixes.flow);
    const flow: BillingRequestFlow = {
      id,
      created_at: now().toISOString(),
      expires_at: new Date(now().getTime() + flowLifeMs).toISOString(),
      authorisation_url: `${standIn.url}/pay/${id}`,
      redirect_uri: (request.redirect_uri as string | undefined) ?? null,
      prefilled_customer: isObject(request.prefilled_customer)
        ? (request.prefilled_customer as BillingRequestFlow["prefilled_customer"])
        : null,
      links: { billing_request: billingRequest.id },
    };
    standIn.flows.set(id, flow);
    return { status: 201, body: { billing_request_flows: flow } };
  }

  function createSubscription(body: Record<string, unknown>, key: string | undefined) {
    const request = body.subscriptions;
    if (!isObject(request)) return invalid("subscriptions", [{ field: "subscriptions", message: "is required" }]);
    const mandateId = isObject(request.links) ? request.links.mandate : undefined;
    const problems = [
      ...unknownFields(request, subscriptionFields),
      ...(isPositiveWhole(request.amount) ? [] : [{ field: "amount", message: "must be a whole number of pence greater than 0" }]),
      ...(request.currency === "GBP" ? [] : [{ field: "currency", message: "must be GBP" }]),
      ...(["weekly", "monthly", "yearly"].includes(request.interval_unit as string)
        ? []
        : [{ field: "interval_unit", message: "is invalid" }]),
      ...(request.count === undefined || isPositiveWhole(request.count)
        ? []
        : [{ field: "count", message: "must be a whole number greater than 0" }]),
      ...(typeof mandateId === "string" ? [] : [{ field: "links.mandate", message: "is required" }]),
      ...metadataProblems(request.metadata),
    ];
    if (problems.length > 0) return invalid("subscriptions", problems);
    if (![...standIn.billingRequests.values()].some((billingRequest) => billingRequest.links?.mandate_request_mandate === mandateId)) {
      return goCardlessError(404, "invalid_api_usage", "Resource not found", [
        { reason: "resource_not_found", message: "Mandate not found" },
      ]);
    }
    return created(key, () => {
      const subscription: Subscription = {
        id: newId(prefixes.subscription),
        created_at: now().toISOString(),
        amount: request.amount as number,
        currency: "GBP",
        interval_unit: request.interval_unit as Subscription["interval_unit"],
        interval: 1,
        count: (request.count as number | undefined) ?? null,
        name: (request.name as string | undefined) ?? null,
        status: "active",
        metadata: (request.metadata as Record<string, string>) ?? {},
        links: { mandate: mandateId as string },
      };
      standIn.subscriptions.set(subscription.id as string, subscription);
      return { id: subscription.id as string, answer: { status: 201, body: { subscriptions: subscription } } };
    });
  }

  function answer(method: string, path: string, body: Record<string, unknown>, key: string | undefined) {
    const billingRequest = /^\/billing_requests\/([^/]+)$/.exec(path);
    if (method === "POST" && path === "/billing_requests") return createBillingRequest(body, key);
    if (method === "POST" && path === "/billing_request_flows") return createFlow(body);
    if (method === "POST" && path === "/subscriptions") return createSubscription(body, key);
    if (method === "GET" && billingRequest) {
      const found = standIn.billingRequests.get(decodeURIComponent(billingRequest[1]));
      return found
        ? { status: 200, body: { billing_requests: found } }
        : goCardlessError(404, "invalid_api_usage", "Resource not found", [
            { reason: "resource_not_found", message: "Resource not found" },
          ]);
    }
    return goCardlessError(404, "invalid_api_usage", "Path not found", [{ reason: "path_not_found", message: "Path not found" }]);
  }

  function handleApi(request: IncomingMessage, text: string, response: ServerResponse) {
    const path = new URL(request.url ?? "/", "http://stand-in").pathname;
    const method = request.method ?? "GET";
    let body: Record<string, unknown> = {};
    try {
      body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      return sendJson(
        response,
        400,
        goCardlessError(400, "invalid_api_usage", "Invalid JSON", [{ reason: "invalid_json", message: "Invalid JSON" }]).body,
      );
    }
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const key = header("idempotency-key");
    standIn.requests.push({
      method,
      path,
      headers: { authorization: header("authorization"), version: header("gocardless-version"), idempotencyKey: key },
      body,
    });
    const fault = faults.shift();
    if (fault && !fault.accepted) return fail(fault, request, response);
    const reply = (() => {
      if (header("authorization") !== `Bearer ${options.accessToken}`) {
        return goCardlessError(401, "invalid_api_usage", "Invalid access token", [
          { reason: "invalid_token", message: "Invalid access token" },
        ]);
      }
      if (header("gocardless-version") !== goCardlessApiVersion) {
        return goCardlessError(400, "invalid_api_usage", "GoCardless-Version header missing or invalid", [
          { reason: "missing_version_header", message: "GoCardless-Version header missing or invalid" },
        ]);
      }
      if (method === "POST" && !header("content-type")?.startsWith("application/json")) {
        return goCardlessError(415, "invalid_api_usage", "Content-Type must be application/json", [
          { reason: "invalid_content_type", message: "Content-Type must be application/json" },
        ]);
      }
      return answer(method, path, body, key);
    })();
    if (fault) return fail(fault, request, response);
    sendJson(response, reply.status, reply.body);
  }

  function fail(failure: GoCardlessFailure, request: IncomingMessage, response: ServerResponse) {
    if ("dropConnection" in failure) request.socket.destroy();
    else if ("status" in failure) {
      const reason = failure.reason ?? "internal_server_error";
      const { body } = goCardlessError(failure.status, failure.type ?? "gocardless", "Scripted fault", [
        { reason, message: "Scripted fault" },
      ]);
      sendJson(response, failure.status, body);
    }
    // A stall leaves the request unanswered until the caller gives up.
  }

  async function postEvents(events: Event[], signature?: string): Promise<{ status: number }> {
    standIn.events.push(...events);
    if (!options.webhookUrl) return { status: 0 };
    const body = JSON.stringify({ events, meta: { webhook_id: newId("WB") } });
    const answer = await fetch(options.webhookUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "gocardless-webhook-service/1.1",
        "Webhook-Signature": signature ?? goCardlessSignature(body, options.webhookSecret),
      },
      body,
    });
    await answer.arrayBuffer();
    return { status: answer.status };
  }

  const server = await serveOnLoopback((request, text, response) => {
    const payPage = { origin: server.url, flows: standIn.flows, billingRequests: standIn.billingRequests, now, pay: standIn.pay };
    if (!handlePayPage(request, response, { ...payPage, facts: options.payPageFacts })) handleApi(request, text, response);
  });
  const standIn: GoCardlessStandIn = {
    url: server.url,
    requests: [],
    billingRequests: new Map(),
    flows: new Map(),
    subscriptions: new Map(),
    events: [],
    failNext: (...next) => void faults.push(...next),
    async pay(flowId) {
      const flow = standIn.flows.get(flowId);
      const billingRequest = flow?.links?.billing_request ? standIn.billingRequests.get(flow.links.billing_request) : undefined;
      if (!flow || !billingRequest) throw new Error(`no billing request flow ${flowId}`);
      if (new Date(flow.expires_at as string) <= now()) throw new Error(`the flow ${flowId} has expired`);
      const paymentId = paymentsByRequest.get(billingRequest.id) ?? newId(prefixes.payment);
      paymentsByRequest.set(billingRequest.id, paymentId);
      const mandateId = billingRequest.links?.mandate_request_mandate ?? newId(prefixes.mandate);
      billingRequest.status = "fulfilled";
      billingRequest.links = { ...billingRequest.links, payment_request_payment: paymentId, mandate_request_mandate: mandateId };
      const events = [
        eventOf("billing_requests", "fulfilled", {
          billing_request: billingRequest.id,
          payment_request_payment: paymentId,
          mandate_request_mandate: mandateId,
        }),
        eventOf("payments", "confirmed", { payment: paymentId }),
        eventOf("mandates", "active", { mandate: mandateId }),
      ];
      await postEvents(events);
      return events;
    },
    postEvents,
    close: server.close,
  };
  return standIn;
}
