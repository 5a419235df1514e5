/**
 * signon's GoCardless client (gocardless/gocardless-client.ts) against the GoCardless stand-in over
 * loopback HTTP: the headers and bodies GoCardless's API reference asks for, one billing request and
 * one subscription per registration however often asked, GoCardless's faults as outcomes, and the
 * stand-in's signed webhooks when the parent pays.
 */
import type { Event } from "gocardless-nodejs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { penceOf } from "../../domain/money";
import { createGoCardlessClient, goCardlessIdempotencyKeys } from "../../gocardless/gocardless-client";
import { isGoCardlessSignatureValid } from "../../gocardless/webhook-signature";
import { type LoopbackServer, serveOnLoopback } from "../../local/loopback";
import { type GoCardlessStandIn, startGoCardlessStandIn } from "../../local/stand-ins/gocardless/stand-in";
import type { PaymentLinkRequest } from "../../payments/payment-provider";

const accessToken = "sandbox_0123456789abcdefghijKLMNOP-_xyz";
const webhookSecret = "whsec-0123456789abcdefghij";
const clock = new Date("2025-09-01T10:00:00Z");
const quickRetries = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

let registrationNumber = 0;
const linkRequest = (): PaymentLinkRequest => ({
  registrationId: `reg-${++registrationNumber}`,
  feePence: penceOf("26.50") as number,
  description: "Urmston Town 2025-26: Alex Smith",
  payer: { givenName: "Sam", familyName: "Smith" },
  redirectUrl: "https://signon.example/thanks",
});

describe("the GoCardless client against the stand-in", () => {
  let standIn: GoCardlessStandIn;
  let webhook: LoopbackServer;
  const received: { signature?: string; body: string }[] = [];
  let client: ReturnType<typeof createGoCardlessClient>;

  beforeAll(async () => {
    webhook = await serveOnLoopback((request, body, response) => {
      const signature = request.headers["webhook-signature"];
      received.push({ signature: Array.isArray(signature) ? signature[0] : signature, body });
      response.writeHead(204).end();
    });
    standIn = await startGoCardlessStandIn({
      accessToken,
      webhookSecret,
      webhookUrl: `${webhook.url}/payments/gocardless`,
      now: () => clock,
    });
    client = createGoCardlessClient(accessToken, { baseUrl: standIn.url, retryPolicy: quickRetries });
  });
  afterAll(async () => {
    await standIn.close();
    await webhook.close();
  });
  afterEach(() => {
    standIn.failNext();
    received.length = 0;
  });

  it("asks for the fee and the mandate in one billing request, with its flow's link and expiry", async () => {
    const request = linkRequest();
    const outcome = await client.createPaymentLink(request);
    if (outcome.outcome !== "created") throw new Error(`not created: ${JSON.stringify(outcome)}`);
    const { link } = outcome;
    expect(link.url).toBe(`${standIn.url}/pay/${link.flowId}`);
    expect(link.expiresAt).toBe("2025-09-08T10:00:00.000Z");
    const [create, flow] = standIn.requests.slice(-2);
    expect(create.headers).toEqual({
      authorization: `Bearer ${accessToken}`,
      version: "2015-07-06",
      idempotencyKey: goCardlessIdempotencyKeys.billingRequest(request.registrationId),
    });
    expect(create.body).toEqual({
      billing_requests: {
        payment_request: { amount: 2650, currency: "GBP", description: "Urmston Town 2025-26: Alex Smith" },
        mandate_request: { currency: "GBP" },
        metadata: { registration_id: request.registrationId },
      },
    });
    expect(flow.body).toEqual({
      billing_request_flows: {
        redirect_uri: "https://signon.example/thanks",
        prefilled_customer: { given_name: "Sam", family_name: "Smith" },
        links: { billing_request: link.requestId },
      },
    });
    expect(standIn.billingRequests.get(link.requestId)?.status).toBe("pending");
  });

  it("makes one billing request per registration: asked again, or retried after an answer lost, it links the first", async () => {
    const request = linkRequest();
    const first = await client.createPaymentLink(request);
    const again = await client.createPaymentLink(request);
    // GoCardless makes the request, then the connection breaks before its answer.
    const other = linkRequest();
    standIn.failNext({ dropConnection: true, accepted: true });
    const afterLoss = await client.createPaymentLink(other);
    const made = [...standIn.billingRequests.values()].filter((billingRequest) =>
      [request.registrationId, other.registrationId].includes(billingRequest.metadata?.registration_id as string),
    );
    expect(made).toHaveLength(2);
    if (first.outcome !== "created" || again.outcome !== "created" || afterLoss.outcome !== "created") throw new Error("not created");
    expect(again.link.requestId).toBe(first.link.requestId);
    expect(again.link.flowId).not.toBe(first.link.flowId);
    expect(afterLoss.link.requestId).toBe(
      made.find((billingRequest) => billingRequest.metadata?.registration_id === other.registrationId)?.id,
    );
  });

  it("retries a 5xx and a 429, and reports GoCardless unreachable or refusing as unavailable, never throwing", async () => {
    standIn.failNext({ status: 503 }, { status: 429, type: "invalid_api_usage", reason: "rate_limit_exceeded" });
    expect((await client.createPaymentLink(linkRequest())).outcome).toBe("created");
    standIn.failNext({ status: 500 }, { status: 500 }, { status: 500 });
    expect(await client.createPaymentLink(linkRequest())).toEqual({
      outcome: "unavailable",
      httpStatus: 500,
      code: "internal_server_error",
    });
    const wrongToken = createGoCardlessClient("sandbox_another0123456789token", { baseUrl: standIn.url, retryPolicy: quickRetries });
    expect(await wrongToken.createPaymentLink(linkRequest())).toEqual({ outcome: "unavailable", httpStatus: 401, code: "invalid_token" });
    const closed = await serveOnLoopback(() => undefined);
    await closed.close();
    const unreachable = createGoCardlessClient(accessToken, { baseUrl: closed.url, retryPolicy: quickRetries });
    expect(await unreachable.createPaymentLink(linkRequest())).toEqual({ outcome: "unavailable", code: "ECONNREFUSED" });
    standIn.failNext({ stall: true }, { stall: true });
    const impatient = createGoCardlessClient(accessToken, {
      baseUrl: standIn.url,
      requestTimeoutMs: 50,
      retryPolicy: { ...quickRetries, attempts: 2 },
    });
    expect(await impatient.readFulfilledRequest("BRQ0000000000")).toEqual({ outcome: "unavailable", code: "ETIMEDOUT" });
  });

  it("reads what a fulfilled request brought once the parent paid, and the events come signed", async () => {
    const outcome = await client.createPaymentLink(linkRequest());
    if (outcome.outcome !== "created") throw new Error("not created");
    expect(await client.readFulfilledRequest(outcome.link.requestId)).toEqual({ outcome: "not_fulfilled", status: "pending" });
    const events = await standIn.pay(outcome.link.flowId);
    const fulfilled = await client.readFulfilledRequest(outcome.link.requestId);
    expect(fulfilled).toEqual({
      outcome: "fulfilled",
      paymentId: events[0].links?.payment_request_payment,
      mandateId: events[0].links?.mandate_request_mandate,
    });
    expect(received).toHaveLength(1);
    expect(isGoCardlessSignatureValid(received[0].body, received[0].signature, webhookSecret)).toBe(true);
    const posted = JSON.parse(received[0].body) as { events: Event[] };
    expect(posted.events.map(({ resource_type, action }) => `${resource_type} ${action}`)).toEqual([
      "billing_requests fulfilled",
      "payments confirmed",
      "mandates active",
    ]);
    expect(await client.readFulfilledRequest("BRQ0000000000")).toEqual({ outcome: "not_found" });
  });

  it("creates one monthly subscription per registration on the mandate, however often asked", async () => {
    const request = linkRequest();
    const outcome = await client.createPaymentLink(request);
    if (outcome.outcome !== "created") throw new Error("not created");
    await standIn.pay(outcome.link.flowId);
    const fulfilled = await client.readFulfilledRequest(outcome.link.requestId);
    if (fulfilled.outcome !== "fulfilled" || !fulfilled.mandateId) throw new Error("not fulfilled");
    const subscription = {
      registrationId: request.registrationId,
      mandateId: fulfilled.mandateId,
      amountPence: 2650,
      months: 10,
      name: "Urmston Town 2025-26",
    };
    const first = await client.createSubscription(subscription);
    standIn.failNext({ status: 502, accepted: true });
    const second = await client.createSubscription(subscription);
    expect(first.outcome).toBe("created");
    expect(second).toEqual(first);
    const made = [...standIn.subscriptions.values()].filter((made) => made.metadata?.registration_id === request.registrationId);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({
      amount: 2650,
      currency: "GBP",
      interval_unit: "monthly",
      count: 10,
      links: { mandate: fulfilled.mandateId },
    });
    expect(standIn.requests.at(-1)?.headers.idempotencyKey).toBe(goCardlessIdempotencyKeys.subscription(request.registrationId));
  });
});

describe("the GoCardless stand-in's refusals", () => {
  let standIn: GoCardlessStandIn;
  beforeAll(async () => {
    standIn = await startGoCardlessStandIn({ accessToken, webhookSecret, now: () => clock });
  });
  afterAll(() => standIn.close());

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const answer = await fetch(`${standIn.url}${path}`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${accessToken}`,
        "GoCardless-Version": "2015-07-06",
        "Content-Type": "application/json",
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return {
      status: answer.status,
      body: (await answer.json()) as { error: { type: string; errors: { field?: string; reason?: string }[] } },
    };
  };

  it.each([
    ["an amount in pounds", { payment_request: { amount: 26.5, currency: "GBP" } }, "payment_request.amount"],
    ["a currency other than GBP", { mandate_request: { currency: "EUR" } }, "mandate_request.currency"],
    ["a field the API does not have", { mandate_request: { currency: "GBP" }, amount: 2650 }, "amount"],
    ["neither a payment nor a mandate", { metadata: { registration_id: "reg" } }, "payment_request"],
    [
      "a metadata value that is not text",
      { mandate_request: { currency: "GBP" }, metadata: { registration_id: 7 } },
      "metadata.registration_id",
    ],
  ])("refuses a billing request with %s, naming the field, as GoCardless does", async (_what, billingRequest, field) => {
    const answer = await post("/billing_requests", { billing_requests: billingRequest });
    expect(answer.status).toBe(422);
    expect(answer.body.error.type).toBe("validation_failed");
    expect(answer.body.error.errors.map((error) => error.field)).toContain(field);
  });

  it("refuses a request without the API version, or a subscription on a mandate it never made", async () => {
    const withoutVersion = await fetch(`${standIn.url}/billing_requests/BRQ0000000000`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(withoutVersion.status).toBe(400);
    const subscription = { amount: 2650, currency: "GBP", interval_unit: "monthly", links: { mandate: "MD0000000000" } };
    expect((await post("/subscriptions", { subscriptions: subscription })).status).toBe(404);
    expect(
      (await post("/subscriptions", { subscriptions: { ...subscription, interval_unit: "fortnightly" } })).body.error.errors[0].field,
    ).toBe("interval_unit");
  });
});
