/**
 * POST /payments/gocardless and GET /payments/thanks against dynalite and the SSM, Twilio and
 * GoCardless stand-ins: registrations submitted with a link at the stand-in, the parent paying
 * there, and GoCardless's events posted signed as GoCardless signs them.
 */
import type { Event } from "gocardless-nodejs";
import { afterAll, describe, expect, it } from "vitest";
import { createRegistrationStore } from "../../aws/registration-store";
import { paymentReference } from "../../config/registrations-table";
import { paymentReturnPath } from "../../config/settings";
import { maxEventsPerRequest } from "../../handlers/payments";
import { proxyEvent } from "../../local/gateway/proxy-event";
import { lambdaContext, standInsForFile, testPayments } from "../../testkit/handler-under-test";
import { withSsmContents } from "../../testkit/local-services";
import {
  goCardlessEvent,
  goCardlessForFile,
  itemsUnder,
  otherWebhookSecret,
  paymentsEnv,
  paymentsSsmContents,
  putItem,
  storedRegistration,
  submittedRegistration,
  type WebhookOptions,
  webhookEvent,
} from "../../testkit/payment-events";

const { services, wiring, logLines } = standInsForFile(paymentsSsmContents);
const goCardless = goCardlessForFile();
const env = () => paymentsEnv(services().env, goCardless());
const payments = () => testPayments({ ...wiring(), env: env() });
const post = (events: readonly Event[], options: WebhookOptions = {}) => payments()(webhookEvent(events, options), lambdaContext);
const thanksTo = (tel: string) =>
  services()
    .twilio.conversations.find(tel)
    ?.messages.filter((message) => message.direction === "to-parent") ?? [];
const subscriptionsOf = (registrationId: string) =>
  [...goCardless().subscriptions.values()].filter((subscription) => subscription.metadata?.registration_id === registrationId);

/** A registration submitted with its link, and the events of its parent paying at the stand-in. */
async function paidAtGoCardless(tel: string, lastMessageAgoMs?: number) {
  const submitted = await submittedRegistration(env(), goCardless(), { parent_tel: tel }, lastMessageAgoMs);
  const events = await goCardless().pay(submitted.flowId);
  const [fulfilled, confirmed, active] = events;
  return { ...submitted, events, fulfilled, confirmed, active };
}

afterAll(() => {
  const logs = logLines.join("\n");
  for (const personal of ["Alfie", "Alfred", "Testington", "Sarah", "+447700900", "447700900", "asthma"])
    expect(logs).not.toContain(personal);
});

describe("GoCardless's events for a registration", () => {
  it("a paid flow's events record the payment, make the subscription and thank the parent: 204", async () => {
    const tel = "+447700900901";
    const { registration, events } = await paidAtGoCardless(tel);
    const response = await post(events);
    expect(response.statusCode).toBe(204);
    const stored = await storedRegistration(env(), tel);
    const [subscription] = subscriptionsOf(registration.registration_id);
    const billingRequest = goCardless().billingRequests.get(registration.payment!.request_id!)!;
    expect(stored.payment).toMatchObject({
      fee_status: "paid",
      mandate_status: "active",
      subscription_status: "active",
      payment_id: billingRequest.links?.payment_request_payment,
      mandate_id: billingRequest.links?.mandate_request_mandate,
      subscription_id: subscription.id,
      applied_event_ids: events.map((event) => event.id),
    });
    expect(stored.payment?.fee_paid_at).toBe(events[1].created_at);
    // The fulfilled request's write, then the events that waited for its references.
    expect(stored.version).toBe(registration.version + 2);
    // £26 a month for the season's ten months on the new mandate, named for the club and the season.
    expect(subscription).toMatchObject({
      amount: 2600,
      count: 10,
      interval_unit: "monthly",
      name: "Urmston Town 2025-26",
      links: { mandate: stored.payment?.mandate_id },
    });
    // Each resource learnt points at the registration, until the registration goes.
    for (const id of [stored.payment?.payment_id, stored.payment?.mandate_id, subscription.id]) {
      expect(await itemsUnder(env(), paymentReference.key(id!).pk)).toEqual([
        { ...paymentReference.key(id!), registration_id: registration.registration_id, retain_until: registration.retain_until },
      ]);
    }
    expect(thanksTo(tel).map((message) => message.body)).toEqual([
      "Thank you: Urmston Town has received £40, and your £26 monthly Direct Debit is set up.",
    ]);
  });

  it.each([
    ["payments", "paid_out", "+447700900921", { fee_status: "paid" }],
    ["payments", "charged_back", "+447700900922", { fee_status: "failed" }],
    ["mandates", "cancelled", "+447700900923", { mandate_status: "cancelled" }],
    ["mandates", "expired", "+447700900924", { mandate_status: "expired" }],
    ["subscriptions", "cancelled", "+447700900925", { subscription_status: "cancelled" }],
    ["subscriptions", "finished", "+447700900926", { subscription_status: "finished" }],
  ] as const)("after the payment, %s %s is recorded", async (resource, action, tel, expected) => {
    const { events } = await paidAtGoCardless(tel);
    await post(events);
    const paid = await storedRegistration(env(), tel);
    const link = { payments: "payment", mandates: "mandate", subscriptions: "subscription" }[resource];
    const id = { payments: paid.payment?.payment_id, mandates: paid.payment?.mandate_id, subscriptions: paid.payment?.subscription_id }[
      resource
    ]!;
    expect((await post([goCardlessEvent(resource, action, { [link]: id })])).statusCode).toBe(204);
    const stored = await storedRegistration(env(), tel);
    expect(stored.payment).toMatchObject(expected);
    expect(stored.version).toBe(paid.version + 1);
  });

  it("applies each event once: the same batch again changes nothing and makes no second subscription", async () => {
    const tel = "+447700900902";
    const { registration, events } = await paidAtGoCardless(tel);
    await post(events);
    const once = await storedRegistration(env(), tel);
    const requestsBefore = goCardless().requests.length;
    for (const batch of [events, [events[2], events[0]], events]) expect((await post(batch)).statusCode).toBe(204);
    expect(await storedRegistration(env(), tel)).toEqual(once);
    expect(subscriptionsOf(registration.registration_id)).toHaveLength(1);
    expect(goCardless().requests.length).toBe(requestsBefore);
    expect(thanksTo(tel)).toHaveLength(1);
    expect(logLines.join("\n")).toContain('"event":"payment_events_repeated"');
  });

  it("makes exactly one subscription however often the request is fulfilled, in one request or at once in several", async () => {
    const tel = "+447700900903";
    const { registration, fulfilled } = await paidAtGoCardless(tel);
    // The same fulfilment under new event ids, as if GoCardless said it again.
    const again = () => ({ ...fulfilled, id: goCardlessEvent("billing_requests", "fulfilled", {}).id });
    const answers = await Promise.all([post([fulfilled, again()]), post([again()]), post([again(), again()])]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([204, 204, 204]);
    const stored = await storedRegistration(env(), tel);
    const subscriptions = subscriptionsOf(registration.registration_id);
    expect(subscriptions).toHaveLength(1);
    expect(stored.payment?.subscription_id).toBe(subscriptions[0].id);
  });

  it("keeps the events that come before the fulfilled request's, and applies them when it comes", async () => {
    const tel = "+447700900904";
    const { registration, fulfilled, confirmed, active } = await paidAtGoCardless(tel);
    expect((await post([active])).statusCode).toBe(204);
    expect((await post([confirmed])).statusCode).toBe(204);
    // Nothing changed yet; each waits under its resource's reference, naming nobody.
    expect(await storedRegistration(env(), tel)).toEqual(registration);
    const waiting = await itemsUnder(env(), paymentReference.key(confirmed.links!.payment!).pk);
    expect(waiting).toEqual([
      {
        pk: paymentReference.key(confirmed.links!.payment!).pk,
        sk: `pending#${confirmed.id}`,
        event_id: confirmed.id,
        resource: "payments",
        action: "confirmed",
        at: confirmed.created_at,
        retain_until: expect.any(Number),
      },
    ]);
    expect(waiting[0].retain_until).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 7 * 24 * 3600);
    expect(logLines.join("\n")).toContain('"event":"payment_event_waiting"');

    expect((await post([fulfilled])).statusCode).toBe(204);
    const stored = await storedRegistration(env(), tel);
    expect(stored.payment).toMatchObject({ fee_status: "paid", mandate_status: "active", subscription_status: "active" });
    expect(new Set(stored.payment?.applied_event_ids)).toEqual(new Set([fulfilled.id, confirmed.id, active.id]));
    // Taken in, and gone from where they waited.
    expect(await itemsUnder(env(), paymentReference.key(confirmed.links!.payment!).pk)).toHaveLength(1);
    expect(await itemsUnder(env(), paymentReference.key(active.links!.mandate!).pk)).toHaveLength(1);
    expect(thanksTo(tel)).toHaveLength(1);
  });

  it("does not message a parent outside WhatsApp's 24-hour window, and says so in the log", async () => {
    const tel = "+447700900905";
    const { registration, events } = await paidAtGoCardless(tel, 25 * 3600 * 1000);
    logLines.length = 0;
    expect((await post(events)).statusCode).toBe(204);
    expect(await storedRegistration(env(), tel)).toMatchObject({ payment: { fee_status: "paid", mandate_status: "active" } });
    expect(thanksTo(tel)).toEqual([]);
    const line = logLines.map((text) => JSON.parse(text)).find((entry) => entry.event === "parent_not_thanked");
    expect(line).toMatchObject({ registration_id: registration.registration_id, detail: "outside_whatsapp_window" });
  });

  it("acknowledges events for resources signon does not know, and keeps nothing of a billing request's or another resource type's", async () => {
    const unknown = [
      goCardlessEvent("billing_requests", "fulfilled", { billing_request: "BRQUNKNOWN0001" }),
      goCardlessEvent("payouts", "paid", { payout: "PO0001" }),
      goCardlessEvent("payments", "confirmed", { payment: "PMUNKNOWN0001" }),
    ];
    const requestsBefore = goCardless().requests.length;
    expect((await post(unknown)).statusCode).toBe(204);
    expect(await itemsUnder(env(), paymentReference.key("BRQUNKNOWN0001").pk)).toEqual([]);
    // The payment's waits, to expire if its reference never comes.
    expect(await itemsUnder(env(), paymentReference.key("PMUNKNOWN0001").pk)).toHaveLength(1);
    expect(goCardless().requests.length).toBe(requestsBefore);
  });

  it("ignores the events of an erased registration", async () => {
    const tel = "+447700900906";
    const { registration, events } = await paidAtGoCardless(tel);
    const erased = await createRegistrationStore(env()).erase(registration, new Date(), "club");
    expect(erased).toBe(true);
    expect((await post(events)).statusCode).toBe(204);
    expect(subscriptionsOf(registration.registration_id)).toEqual([]);
    expect(thanksTo(tel)).toEqual([]);
    expect(logLines.join("\n")).toContain('"detail":"erased"');
  });
});

describe("GoCardless failing", () => {
  it("while the billing request is read: the fulfilled event is not taken, 500, and GoCardless's retry applies it", async () => {
    const tel = "+447700900907";
    const { registration, events } = await paidAtGoCardless(tel);
    // The GET's three tries.
    goCardless().failNext({ status: 503 }, { status: 503 }, { status: 503 });
    const failed = await post(events);
    expect(failed.statusCode).toBe(500);
    expect(failed.body).toBe("signon could not store every event; please send them again.");
    // The payment's and mandate's events wait for their references; the request's is not taken.
    expect((await storedRegistration(env(), tel)).payment).toEqual(registration.payment);
    expect(logLines.join("\n")).toContain('"event":"payment_request_unread"');

    expect((await post(events)).statusCode).toBe(204);
    expect((await storedRegistration(env(), tel)).payment).toMatchObject({
      fee_status: "paid",
      mandate_status: "active",
      subscription_status: "active",
    });
    expect(subscriptionsOf(registration.registration_id)).toHaveLength(1);
  });

  it("while the subscription is made: what was learnt is stored, 204, and the registration's next event makes it", async () => {
    const tel = "+447700900908";
    const { registration, requestId, confirmed, active } = await paidAtGoCardless(tel);
    const { payment_request_payment: paymentId, mandate_request_mandate: mandateId } = goCardless().billingRequests.get(requestId)!.links!;
    // As a fulfilled event applied while GoCardless refused the subscription leaves it.
    const learnt = {
      ...registration,
      payment: { ...registration.payment!, fee_status: "pending" as const, payment_id: paymentId!, mandate_id: mandateId! },
      version: registration.version + 1,
    };
    expect(await createRegistrationStore(env()).replace(registration, learnt)).toBe(true);
    for (const id of [paymentId!, mandateId!])
      await putItem(env(), {
        ...paymentReference.key(id),
        registration_id: registration.registration_id,
        retain_until: registration.retain_until,
      });

    goCardless().failNext({ status: 503 }, { status: 503 }, { status: 503 });
    expect((await post([confirmed])).statusCode).toBe(204);
    expect((await storedRegistration(env(), tel)).payment).toMatchObject({ fee_status: "paid", subscription_status: "none" });
    expect(subscriptionsOf(registration.registration_id)).toEqual([]);
    expect(logLines.join("\n")).toContain('"event":"subscription_not_created"');

    expect((await post([active])).statusCode).toBe(204);
    const [subscription] = subscriptionsOf(registration.registration_id);
    expect((await storedRegistration(env(), tel)).payment).toMatchObject({
      mandate_status: "active",
      subscription_status: "active",
      subscription_id: subscription.id,
    });
  });
});

describe("a forged or malformed webhook", () => {
  it.each([
    ["signed with another secret", "+447700900911", { secret: otherWebhookSecret }],
    ["without a signature", "+447700900912", { unsigned: true }],
  ] as const)("%s is refused 498 and changes nothing", async (_case, tel, options) => {
    const { registration, events } = await paidAtGoCardless(tel);
    const requestsBefore = goCardless().requests.length;
    const response = await post(events, options);
    expect(response.statusCode).toBe(498);
    expect(response.body).toBe("Invalid token: Webhook-Signature does not match this body");
    expect(await storedRegistration(env(), tel)).toEqual(registration);
    expect(goCardless().requests.length).toBe(requestsBefore);
    expect(logLines.join("\n")).toContain('"event":"payments_signature_refused"');
  });

  it("with its body changed after signing is refused 498 and changes nothing", async () => {
    const tel = "+447700900913";
    const { registration, events, confirmed } = await paidAtGoCardless(tel);
    const changed = JSON.stringify({ events: [{ ...confirmed, action: "charged_back" }] });
    expect((await post(events, { bodySent: changed })).statusCode).toBe(498);
    expect(await storedRegistration(env(), tel)).toEqual(registration);
  });

  const event = goCardlessEvent("payments", "confirmed", { payment: "PM0000JUNK" });
  it.each([
    ["the body is not JSON", "{events:"],
    ["the body must be a JSON object with an events array", JSON.stringify({ event })],
    [
      `events holds ${maxEventsPerRequest + 1} events; GoCardless sends at most ${maxEventsPerRequest}`,
      JSON.stringify({ events: Array(maxEventsPerRequest + 1).fill(event) }),
    ],
    ["events[1] must be an object", JSON.stringify({ events: [event, "confirmed"] })],
    ["events[0].id must be GoCardless's event id", JSON.stringify({ events: [{ ...event, id: "" }] })],
    ["events[0].created_at must be a time", JSON.stringify({ events: [{ ...event, created_at: "yesterday" }] })],
    ["events[0].links.payment must be GoCardless's id", JSON.stringify({ events: [{ ...event, links: {} }] })],
  ])("signed but wrong is answered 400 naming the problem: %s", async (problem, rawBody) => {
    const response = await post([], { rawBody });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(`Bad request: ${problem}`);
    expect(await itemsUnder(env(), paymentReference.key("PM0000JUNK").pk)).toEqual([]);
  });

  it("in a stack that takes no payments is answered 404 and reads no secret", async () => {
    const answer = await withSsmContents(env(), {}, (noPayments) =>
      testPayments({ ...wiring(), env: noPayments })(webhookEvent([]), lambdaContext),
    );
    expect(answer.statusCode).toBe(404);
  });
});

describe("the thank-you page", () => {
  it("thanks the parent by the club's name and sends them back to WhatsApp, with the board's security headers", async () => {
    const page = await payments()(proxyEvent({ path: paymentReturnPath, method: "GET" }), lambdaContext);
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      "Content-Type": "text/html; charset=utf-8",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    });
    expect(String(page.headers?.["Content-Security-Policy"])).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; frame-ancestors 'none'/,
    );
    expect(page.body).toContain('<html lang="en-GB">');
    expect(page.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.body).toContain("<p>Urmston Town</p><h1>Thank you — you can close this page and go back to WhatsApp</h1>");
    expect(page.body).not.toContain("<script");
  });
});
