/**
 * The submission's payment link (PAYMENTS.md, "The flow" 1) through POST /webhook in a stack that
 * takes payments through GoCardless: dynalite behind the transactions proxy, the SSM stand-in
 * holding the provider's secret, and the GoCardless stand-in over loopback HTTP. The reply carries
 * the link and both amounts, the record keeps it, the billing request's reference points at the
 * registration; GoCardless out of reach loses nothing, and a retried message makes no second request.
 */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRegistrationStore, type RegistrationStore } from "../../aws/registration-store";
import type { StoredRegistration } from "../../aws/stored-registration";
import { environmentVariables } from "../../config/settings";
import { goCardlessIdempotencyKeys } from "../../gocardless/gocardless-client";
import type { WebhookHandler } from "../../handlers/webhook";
import { paymentReturnUrl } from "../../testkit/fixtures";
import { paymentStandInsForFile, testsThePackage, testWebhook } from "../../testkit/handler-under-test";
import { conversationNow, invite, registrationAtSummary } from "../../testkit/registrations";
import { inboundMessage, signedEvent } from "../../testkit/twilio-webhook";
import { twimlMessages } from "../../twilio/twiml";

const { services, goCardless, wiring, logLines, setGoCardlessNow } = paymentStandInsForFile();
let clockNow = conversationNow;
let webhook: WebhookHandler;
beforeAll(() => {
  webhook = testWebhook(wiring(), { clock: () => clockNow });
});
beforeEach(() => {
  setGoCardlessNow(conversationNow);
});
afterEach(() => {
  clockNow = conversationNow;
});
afterAll(() => {
  // The parent's and player's names, the link and the access token never reach a log line.
  const logs = logLines.join("\n");
  for (const personal of ["Alfie", "Testington", "/pay/", "sandbox_"]) expect(logs).not.toContain(personal);
});

const env = () => wiring().env;
const store = () => createRegistrationStore(env());
const dayMs = 24 * 60 * 60 * 1000;

/** A registration at its summary, every answer given: the parent's YES submits it. */
async function atSummary(tel: string, overrides: Partial<StoredRegistration> = {}) {
  return invite(env(), registrationAtSummary({ parent_tel: tel, photo_consent: false, ...overrides }));
}

async function says(tel: string, text: string, fields: Record<string, string> = {}) {
  const message = inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1), Body: text, ...fields });
  const response = await webhook(signedEvent(message));
  expect(response.statusCode).toBe(200);
  return { text: twimlMessages(response.body).join("\n\n"), message };
}

const registrationOf = async (tel: string) => (await store().readParent(tel)).registrations[0];
const billingRequestsFor = (registrationId: string) =>
  goCardless().requests.filter(
    (request) =>
      request.path === "/billing_requests" && request.headers.idempotencyKey === goCardlessIdempotencyKeys.billingRequest(registrationId),
  );
const referenceOf = async (requestId: string) =>
  (await services().dynamoDb.items(env()[environmentVariables.registrationsTable]))
    .map((item) => unmarshall(item as never))
    .find((item) => item.pk === `payment-ref#${requestId}`);

describe("a submission in a stack with GoCardless", () => {
  it("replies with the provider's link and both amounts; the record keeps the link, and the reference points at the registration", async () => {
    const tel = "+447700900911";
    const invited = await atSummary(tel, { membership_fee: "26.50", subscription_fee: "26" });
    const { text } = await says(tel, "Yes");

    const registration = await registrationOf(tel);
    const payment = registration.payment!;
    expect(text).toContain("Alfie's registration for Lions u11s (2025-26) is submitted.");
    expect(text).toContain(
      `To finish, pay the £26.50 signing-on fee and set up the £26 monthly Direct Debit here: ${goCardless().url}/pay/${payment.flow_id}`,
    );
    expect(text).toContain("only pay on that page");
    expect(text).not.toContain("pay.urmstontownjfc.example");
    expect(registration).toMatchObject({ status: "submitted", version: invited.version + 2 });
    expect(payment).toEqual({
      fee_status: "link_sent",
      mandate_status: "none",
      subscription_status: "none",
      request_id: expect.stringMatching(/^BRQ/),
      flow_id: expect.stringMatching(/^BRF/),
      link_url: `${goCardless().url}/pay/${payment.flow_id}`,
      // GoCardless's flows last seven days.
      link_expires_at: new Date(conversationNow.getTime() + 7 * dayMs).toISOString(),
    });
    expect(await referenceOf(payment.request_id!)).toEqual({
      pk: `payment-ref#${payment.request_id}`,
      sk: "payment-ref",
      registration_id: invited.registration_id,
      retain_until: invited.retain_until,
    });
    // The export's lookup by id finds the registration, not its reference, which the index also holds.
    expect((await store().findById(invited.registration_id))?.status).toBe("submitted");

    // £26.50 reaches GoCardless as 2650 pence, described by club, season and player; the page knows the parent and where to return.
    const [create] = billingRequestsFor(invited.registration_id);
    expect(create.body).toEqual({
      billing_requests: {
        payment_request: { amount: 2650, currency: "GBP", description: "Urmston Town 2025-26: Alfie James Testington" },
        mandate_request: { currency: "GBP" },
        metadata: { registration_id: invited.registration_id },
      },
    });
    expect(goCardless().flows.get(payment.flow_id!)).toMatchObject({
      redirect_uri: paymentReturnUrl,
      prefilled_customer: { given_name: "Sarah", family_name: "Testington" },
      links: { billing_request: payment.request_id },
    });
  });

  it("makes no second billing request for Twilio's retry of the message, nor for the parent's messages after", async () => {
    const tel = "+447700900912";
    const invited = await atSummary(tel);
    const { message } = await says(tel, "Yes");
    const retried = await webhook(signedEvent(message));
    expect(twimlMessages(retried.body)).toEqual([]);
    await says(tel, "thanks");
    expect(billingRequestsFor(invited.registration_id)).toHaveLength(1);
    const { request_id, fee_status } = (await registrationOf(tel)).payment!;
    expect([...goCardless().flows.values()].filter((flow) => flow.links?.billing_request === request_id)).toHaveLength(1);
    expect(fee_status).toBe("link_sent");
  });

  // Three faults each: every one of the client's tries meets one, so none is left for the next test.
  it.each([
    ["answers 500 to every try", "+447700900913", { status: 500 }],
    ["drops every connection", "+447700900914", { dropConnection: true as const }],
  ])("still submits when GoCardless %s: the reply says the link follows, and nothing is kept of a link", async (_label, tel, fault) => {
    await atSummary(tel);
    goCardless().failNext(fault, fault, fault);
    const { text } = await says(tel, "Yes");

    expect(text).toContain("is submitted");
    expect(text).toContain(
      "To finish, you'll pay the £40 signing-on fee and set up the £26 monthly Direct Debit on the club's secure payment page: I'll send you its link here shortly.",
    );
    expect(text).not.toContain("/pay/");
    const registration = await registrationOf(tel);
    expect(registration.status).toBe("submitted");
    expect(registration.payment).toEqual({ fee_status: "unpaid", mandate_status: "none", subscription_status: "none" });
    expect(logLines.join("\n")).toMatch(/"event":"payment_link_unavailable"/);
  });

  it("answers within its few seconds when GoCardless never answers", async () => {
    const tel = "+447700900915";
    await atSummary(tel);
    // Two: the client's first two tries, each given up on after 3 s; its third, after the reply, finds GoCardless well.
    goCardless().failNext({ stall: true }, { stall: true });
    const started = Date.now();
    const { text } = await says(tel, "Yes");
    // Twilio waits 15 s; the link is given up on after 4.
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(text).toContain("I'll send you its link here shortly.");
    expect((await registrationOf(tel)).status).toBe("submitted");
  });
});

describe("keeping the link on the registration", () => {
  // The store is the one thing replaced, and only the uploaded package cannot be given one.
  it.skipIf(testsThePackage)("reads the registration again and keeps the link when another write got there first", async () => {
    const tel = "+447700900917";
    await atSummary(tel);
    const real = store();
    let raced = false;
    const racing: RegistrationStore = {
      ...real,
      async replace(before, after) {
        if (!raced) {
          // The parent's next message lands between the submission's write and the link's.
          raced = true;
          expect(await real.replace(before, { ...before, photo_consent: true, version: before.version + 1 })).toBe(true);
        }
        return real.replace(before, after);
      },
    };
    const webhookOnRace = testWebhook(wiring(), { clock: () => conversationNow, store: racing });
    const response = await webhookOnRace(signedEvent(inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1), Body: "Yes" })));
    const registration = await registrationOf(tel);
    expect(twimlMessages(response.body).join("\n")).toContain(`here: ${registration.payment?.link_url}`);
    expect(registration).toMatchObject({ photo_consent: true, payment: { fee_status: "link_sent", request_id: expect.any(String) } });
  });
});

describe("where is my registration, once submitted", () => {
  it("gives the link while it works and the fee is unpaid, a fresh one once it has expired, and says the club has a paid fee", async () => {
    const tel = "+447700900916";
    await atSummary(tel);
    await says(tel, "Yes");
    const { link_url } = (await registrationOf(tel)).payment!;

    clockNow = new Date(conversationNow.getTime() + 2 * dayMs);
    expect((await says(tel, "hello")).text).toContain(
      `If you haven't paid yet: pay the £40 signing-on fee and set up the £26 monthly Direct Debit here: ${link_url}`,
    );

    // Past the first link's 7 days: a fresh page for the same billing request, kept on the registration.
    clockNow = new Date(conversationNow.getTime() + 8 * dayMs);
    const before = (await registrationOf(tel)).payment!;
    const expired = (await says(tel, "hello")).text;
    expect(expired).not.toContain(link_url!);
    const fresh = (await registrationOf(tel)).payment!;
    expect(fresh).toMatchObject({ request_id: before.request_id, fee_status: "link_sent" });
    expect(fresh.flow_id).not.toBe(before.flow_id);
    expect(expired).toContain(`Direct Debit here: ${fresh.link_url}`);

    const registration = await registrationOf(tel);
    const paid = { ...registration, payment: { ...registration.payment!, fee_status: "paid" as const }, version: registration.version + 1 };
    expect(await store().replace(registration, paid)).toBe(true);
    clockNow = new Date(conversationNow.getTime() + 10 * dayMs);
    const answer = (await says(tel, "hello")).text;
    expect(answer).toContain("Urmston Town has your payment.");
    expect(answer).not.toContain("/pay/");
  });
});
