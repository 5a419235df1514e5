/**
 * GoCardless's API (https://developer.gocardless.com/api-reference) as signon's PaymentProvider:
 * one billing request carries the signing-on fee (Instant Bank Pay) and the Direct Debit mandate,
 * its billing request flow is the page the parent pays on, and the subscription on the mandate
 * takes the monthly payments. On Node's own HTTP client: gocardless-nodejs brings got and some
 * twenty modules into a Lambda's cold start, and its types are what the tests hold this to.
 */

import type {
  FulfilledRequestOutcome,
  PaymentLinkOutcome,
  PaymentLinkRequest,
  PaymentProvider,
  ProviderUnavailable,
  SubscriptionOutcome,
} from "../payments/payment-provider";
import { jsonObject } from "../plumbing/json";
import { createRequestSender, type HttpResponse } from "../plumbing/outbound-http";
import { type RetryPolicy, retryUntil } from "../plumbing/retry";

export type GoCardlessEnvironment = "sandbox" | "live";

/** The API version signon is written against: GoCardless answers each request as that version did. */
export const goCardlessApiVersion = "2015-07-06";

const environmentBaseUrls: Record<GoCardlessEnvironment, string> = {
  sandbox: "https://api-sandbox.gocardless.com",
  live: "https://api.gocardless.com",
};

/** The API for the environment, unless GOCARDLESS_API_BASE_URL points elsewhere (a stand-in). */
export function goCardlessBaseUrl(environment: GoCardlessEnvironment, override?: string): string {
  return (override || environmentBaseUrls[environment]).replace(/\/$/, "");
}

/** The keys that make a retry, or the same event again, return the first request or subscription. */
export const goCardlessIdempotencyKeys = {
  billingRequest: (registrationId: string) => `signon-billing-request-${registrationId}`,
  subscription: (registrationId: string) => `signon-subscription-${registrationId}`,
};

export interface GoCardlessClientOptions {
  baseUrl: string;
  requestTimeoutMs?: number;
  /** Retries after a fault GoCardless may mend (a reset, a timeout, 429, 5xx); safe, as each create carries its Idempotency-Key or makes nothing that matters twice. */
  retryPolicy?: RetryPolicy;
}

type Answer = { response: HttpResponse } | { fault: string };

/** GoCardless's error answer: `{"error": {"code": 409, "errors": [{"reason": ..., "links": {...}}]}}`. */
function errorReason(body: string): { reason?: string; conflictingId?: string } {
  const error = jsonObject(body).error;
  const first = error && typeof error === "object" ? (error as { errors?: unknown }).errors : undefined;
  const detail = Array.isArray(first) && first[0] && typeof first[0] === "object" ? (first[0] as Record<string, unknown>) : {};
  const links = detail.links && typeof detail.links === "object" ? (detail.links as Record<string, unknown>) : {};
  return {
    reason: typeof detail.reason === "string" ? detail.reason : undefined,
    conflictingId: typeof links.conflicting_resource_id === "string" ? links.conflicting_resource_id : undefined,
  };
}

/** The resource an answer carries under its name (`{"billing_requests": {...}}`), or undefined. */
function resourceOf(answer: Answer, name: string): Record<string, unknown> | undefined {
  if (!("response" in answer) || answer.response.status < 200 || answer.response.status >= 300) return undefined;
  const resource = jsonObject(answer.response.body)[name];
  return resource && typeof resource === "object" && typeof (resource as { id?: unknown }).id === "string"
    ? (resource as Record<string, unknown>)
    : undefined;
}

function unavailable(answer: Answer): ProviderUnavailable {
  if ("fault" in answer) return { outcome: "unavailable", code: answer.fault };
  return { outcome: "unavailable", httpStatus: answer.response.status, code: errorReason(answer.response.body).reason };
}

/** The id of the resource an earlier request with the same Idempotency-Key made. */
function earlierCreation(answer: Answer): string | undefined {
  if (!("response" in answer) || answer.response.status !== 409) return undefined;
  const { reason, conflictingId } = errorReason(answer.response.body);
  return reason === "idempotent_creation_conflict" ? conflictingId : undefined;
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** A PaymentProvider for one access token; the connections are kept open across calls. */
export function createGoCardlessClient(
  accessToken: string,
  { baseUrl, requestTimeoutMs = 3_000, retryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 1_000 } }: GoCardlessClientOptions,
): PaymentProvider {
  const send = createRequestSender();
  const headers = {
    Authorization: `Bearer ${accessToken}`,
    "GoCardless-Version": goCardlessApiVersion,
    Accept: "application/json",
  };

  const once = async (method: "GET" | "POST", path: string, body?: object, idempotencyKey?: string): Promise<Answer> => {
    try {
      const url = new URL(`${baseUrl}${path}`);
      const response =
        method === "GET"
          ? await send({ url, method, headers, timeoutMs: requestTimeoutMs })
          : await send({
              url,
              method,
              headers: {
                ...headers,
                "Content-Type": "application/json",
                ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
              },
              body: JSON.stringify(body),
              timeoutMs: requestTimeoutMs,
            });
      return { response };
    } catch (error) {
      return { fault: text((error as { code?: unknown }).code) ?? "network_error" };
    }
  };

  const call = async (method: "GET" | "POST", path: string, body?: object, idempotencyKey?: string): Promise<Answer> =>
    (
      await retryUntil(() => once(method, path, body, idempotencyKey), {
        isFinal: (answer) => "response" in answer && answer.response.status !== 429 && answer.response.status < 500,
        policy: retryPolicy,
      })
    ).result;

  const createFlow = async (requestId: string, request: PaymentLinkRequest): Promise<PaymentLinkOutcome> => {
    const answer = await call("POST", "/billing_request_flows", {
      billing_request_flows: {
        redirect_uri: request.redirectUrl,
        prefilled_customer: { given_name: request.payer.givenName, family_name: request.payer.familyName },
        links: { billing_request: requestId },
      },
    });
    const flow = resourceOf(answer, "billing_request_flows");
    const url = text(flow?.authorisation_url);
    const expiresAt = text(flow?.expires_at);
    if (!flow || !url || !expiresAt) return unavailable(answer);
    return { outcome: "created", link: { requestId, flowId: flow.id as string, url, expiresAt } };
  };

  return {
    async createPaymentLink(request) {
      const answer = await call(
        "POST",
        "/billing_requests",
        {
          billing_requests: {
            payment_request: { amount: request.feePence, currency: "GBP", description: request.description },
            mandate_request: { currency: "GBP" },
            metadata: { registration_id: request.registrationId },
          },
        },
        goCardlessIdempotencyKeys.billingRequest(request.registrationId),
      );
      const requestId = (resourceOf(answer, "billing_requests")?.id as string | undefined) ?? earlierCreation(answer);
      return requestId ? createFlow(requestId, request) : unavailable(answer);
    },

    createFreshLink: createFlow,

    async readFulfilledRequest(requestId): Promise<FulfilledRequestOutcome> {
      const answer = await call("GET", `/billing_requests/${encodeURIComponent(requestId)}`);
      if ("response" in answer && answer.response.status === 404) return { outcome: "not_found" };
      const billingRequest = resourceOf(answer, "billing_requests");
      if (!billingRequest) return unavailable(answer);
      const status = text(billingRequest.status) ?? "unknown";
      if (status !== "fulfilled") return { outcome: "not_fulfilled", status };
      const links =
        billingRequest.links && typeof billingRequest.links === "object" ? (billingRequest.links as Record<string, unknown>) : {};
      return { outcome: "fulfilled", paymentId: text(links.payment_request_payment), mandateId: text(links.mandate_request_mandate) };
    },

    async createSubscription(request): Promise<SubscriptionOutcome> {
      const answer = await call(
        "POST",
        "/subscriptions",
        {
          subscriptions: {
            amount: request.amountPence,
            currency: "GBP",
            interval_unit: "monthly",
            count: request.months,
            name: request.name,
            metadata: { registration_id: request.registrationId },
            links: { mandate: request.mandateId },
          },
        },
        goCardlessIdempotencyKeys.subscription(request.registrationId),
      );
      const subscriptionId = (resourceOf(answer, "subscriptions")?.id as string | undefined) ?? earlierCreation(answer);
      return subscriptionId ? { outcome: "created", subscriptionId } : unavailable(answer);
    },
  };
}
