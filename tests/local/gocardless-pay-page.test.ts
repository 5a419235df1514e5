/**
 * The GoCardless stand-in's pay page (local/stand-ins/gocardless/pay-page.ts) over loopback HTTP,
 * reached as a parent reaches it: signon's GoCardless client makes the billing request and its flow,
 * and the flow's authorisation_url is opened. The page names the club, the player and both amounts;
 * paying posts the signed events once and sends the parent to the flow's redirect_uri; cancelling,
 * an expired link, an unknown one and another site's form pay nothing.
 */
import type { Event } from "gocardless-nodejs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGoCardlessClient } from "../../gocardless/gocardless-client";
import { isGoCardlessSignatureValid } from "../../gocardless/webhook-signature";
import { type LoopbackServer, serveOnLoopback } from "../../local/loopback";
import { pounds } from "../../local/stand-ins/gocardless/pay-page";
import { type GoCardlessStandIn, startGoCardlessStandIn } from "../../local/stand-ins/gocardless/stand-in";
import type { PaymentLink } from "../../payments/payment-provider";

const accessToken = "sandbox_0123456789abcdefghijPAYPAGE-_xyz";
const webhookSecret = "whsec-pay-page-0123456789";
const redirectUrl = "http://127.0.0.1:9/payments/thanks";
let clock = new Date("2025-09-01T10:00:00Z");

describe("the stand-in's pay page", () => {
  let standIn: GoCardlessStandIn;
  let webhook: LoopbackServer;
  const received: { valid: boolean; events: Event[] }[] = [];
  let client: ReturnType<typeof createGoCardlessClient>;
  let registrationNumber = 0;

  async function link(feePence = 4000): Promise<PaymentLink> {
    const outcome = await client.createPaymentLink({
      registrationId: `pay-page-${++registrationNumber}`,
      feePence,
      description: "Urmston Town 2025-26: Alfie Testington",
      payer: { givenName: "Sarah", familyName: "Testington" },
      redirectUrl,
    });
    if (outcome.outcome !== "created") throw new Error(`no link: ${JSON.stringify(outcome)}`);
    return outcome.link;
  }
  const post = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers } });

  beforeAll(async () => {
    webhook = await serveOnLoopback((request, body, response) => {
      const signature = request.headers["webhook-signature"];
      received.push({
        valid: isGoCardlessSignatureValid(body, Array.isArray(signature) ? signature[0] : signature, webhookSecret),
        events: (JSON.parse(body) as { events: Event[] }).events,
      });
      response.writeHead(204).end();
    });
    standIn = await startGoCardlessStandIn({
      accessToken,
      webhookSecret,
      webhookUrl: `${webhook.url}/payments/gocardless`,
      now: () => clock,
      // As npm start reads them from the registration the billing request names.
      payPageFacts: async (billingRequest) => ({
        clubName: "Urmston Town",
        player: `Alfie Testington (${billingRequest.metadata?.registration_id})`,
        monthlyPence: 2600,
        months: 10,
      }),
    });
    client = createGoCardlessClient(accessToken, { baseUrl: standIn.url });
  });
  afterAll(async () => {
    await standIn.close();
    await webhook.close();
  });
  afterEach(() => {
    received.length = 0;
    clock = new Date("2025-09-01T10:00:00Z");
  });

  it("shows the club, the player, the fee now and the monthly Direct Debit, with a button for each choice", async () => {
    const { url } = await link();
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(answer.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    const html = await answer.text();
    expect(html).toContain("<h1>Pay Urmston Town</h1>");
    expect(html).toContain(`<dt>Player</dt><dd>Alfie Testington (pay-page-${registrationNumber})</dd>`);
    expect(html).toContain("<dt>Signing-on fee, paid now</dt><dd>£40</dd>");
    expect(html).toContain("£26 a month by Direct Debit, 10 payments");
    expect(html).toContain('<button class="pay" type="submit">Pay £40 and set up the Direct Debit</button>');
    expect(html).toContain('<button class="cancel" type="submit">Cancel</button>');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it("writes pence only when there are some", () => {
    expect([pounds(4000), pounds(2650), pounds(5)]).toEqual(["£40", "£26.50", "£0.05"]);
  });

  it("pays: posts the signed events once, sends the parent to the flow's redirect_uri, and a second press pays nothing more", async () => {
    const { url, requestId } = await link();
    const paid = await post(`${url}/pay`, { Origin: standIn.url });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(redirectUrl);
    expect(received).toHaveLength(1);
    expect(received[0].valid).toBe(true);
    expect(received[0].events.map((event) => `${event.resource_type} ${event.action}`)).toEqual([
      "billing_requests fulfilled",
      "payments confirmed",
      "mandates active",
    ]);
    expect(received[0].events[0].links?.billing_request).toBe(requestId);

    const again = await post(`${url}/pay`, { Origin: standIn.url });
    expect(again.status).toBe(303);
    expect(received).toHaveLength(1);
    expect(await (await fetch(url)).text()).toContain("Already paid");
  });

  it("cancels: says nothing was paid, posts nothing, and the link still pays afterwards", async () => {
    const { url } = await link();
    const cancelled = await post(`${url}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.text()).toContain("<h1>Nothing was paid</h1>");
    expect(received).toEqual([]);
    expect((await post(`${url}/pay`)).status).toBe(303);
    expect(received).toHaveLength(1);
  });

  it("pays nothing for an expired link, an unknown one, another site's form or a GET of the button's address", async () => {
    const { url } = await link();
    const foreign = await post(`${url}/pay`, { Origin: "https://elsewhere.example" });
    expect(foreign.status).toBe(403);
    // Without an Origin, Sec-Fetch-Site still names another site.
    expect((await post(`${url}/pay`, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    const wrongMethod = await fetch(`${url}/pay`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    const unknown = await fetch(`${standIn.url}/pay/BRF000UNKNOWN`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("not one the club sent");
    clock = new Date("2025-09-08T10:00:01Z");
    const expired = await post(`${url}/pay`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain("Nothing was paid");
    expect(received).toEqual([]);
  });

  it("keeps the API to the API: a pay page's path never reaches it, and an API path gets GoCardless's JSON", async () => {
    const requests = standIn.requests.length;
    await fetch(`${standIn.url}/pay/BRF000UNKNOWN`);
    expect(standIn.requests).toHaveLength(requests);
    const api = await fetch(`${standIn.url}/billing_requests/BRQ000UNKNOWN`, {
      headers: { Authorization: `Bearer ${accessToken}`, "GoCardless-Version": "2015-07-06" },
    });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { type: string } }).error.type).toBe("invalid_api_usage");
  });
});
