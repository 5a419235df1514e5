/**
 * The GoCardless stand-in's pay page in a real headless Chromium (testkit/chromium.ts, driven by
 * playwright-core), on its own: signon's GoCardless client makes the billing request and flow, the
 * browser opens the flow's authorisation_url at 360 pixels wide. axe-core finds no serious or
 * critical violation, nothing is refused by the page's CSP, the buttons are big enough to tap;
 * paying lands on the flow's redirect_uri (a loopback page standing in for signon's thank-you
 * page) after the signed events reached the webhook; cancelling says nothing was paid.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Event } from "gocardless-nodejs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoCardlessClient } from "../../gocardless/gocardless-client";
import { isGoCardlessSignatureValid } from "../../gocardless/webhook-signature";
import { type LoopbackServer, serveOnLoopback } from "../../local/loopback";
import { projectRoot } from "../../local/stack-file";
import { type GoCardlessStandIn, startGoCardlessStandIn } from "../../local/stand-ins/gocardless/stand-in";
import { seriousAxeViolations } from "../../testkit/axe";
import { chooseChromium } from "../../testkit/chromium";

const outputDir = path.join(projectRoot, "test-output", "pay-page");
const accessToken = "sandbox_browser-pay-page-0123456789";
const webhookSecret = "whsec-browser-pay-page-0123456789";

describe("the GoCardless stand-in's pay page in a browser", () => {
  let standIn: GoCardlessStandIn;
  // signon's side: the webhook and the thank-you page the flow redirects to.
  let signonSide: LoopbackServer;
  const received: { valid: boolean; events: Event[] }[] = [];
  let browser: Browser;
  let page: Page;
  const refusedByCsp: string[] = [];
  let registrationNumber = 0;

  async function payLink() {
    const outcome = await createGoCardlessClient(accessToken, { baseUrl: standIn.url }).createPaymentLink({
      registrationId: `browser-pay-${++registrationNumber}`,
      feePence: 4000,
      description: "Urmston Town 2025-26: Alfie Testington",
      payer: { givenName: "Sarah", familyName: "Testington" },
      redirectUrl: `${signonSide.url}/payments/thanks`,
    });
    if (outcome.outcome !== "created") throw new Error(`no link: ${JSON.stringify(outcome)}`);
    return outcome.link.url;
  }

  beforeAll(async () => {
    signonSide = await serveOnLoopback((request, body, response) => {
      if (request.method === "POST") {
        const signature = request.headers["webhook-signature"];
        received.push({
          valid: isGoCardlessSignatureValid(body, Array.isArray(signature) ? signature[0] : signature, webhookSecret),
          events: (JSON.parse(body) as { events: Event[] }).events,
        });
        return response.writeHead(204).end();
      }
      response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      response.end('<!doctype html><html lang="en"><title>Thank you</title><h1>Thank you</h1></html>');
    });
    standIn = await startGoCardlessStandIn({
      accessToken,
      webhookSecret,
      webhookUrl: `${signonSide.url}/payments/gocardless`,
      payPageFacts: async () => ({ clubName: "Urmston Town", player: "Alfie Testington", monthlyPence: 2600, months: 10 }),
    });
    const choice = await chooseChromium();
    browser = await chromium.launch({ executablePath: choice.executablePath, args: choice.args });
    page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) refusedByCsp.push(message.text());
    });
    fs.mkdirSync(outputDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await standIn?.close();
    await signonSide?.close();
  });

  it("shows the club, the player and both amounts: accessible, within its CSP, fitting a 360-pixel phone", async () => {
    await page.goto(await payLink());
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Pay Urmston Town");
    const details = await page.locator("dl").textContent();
    for (const fact of ["Alfie Testington", "£40", "£26 a month by Direct Debit, 10 payments"]) expect(details).toContain(fact);
    const pay = page.getByRole("button", { name: "Pay £40 and set up the Direct Debit" });
    expect(await pay.isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Cancel" }).isVisible()).toBe(true);
    // Styled by its own stylesheet, allowed by hash: a tap target of at least 44 pixels.
    expect((await pay.boundingBox())?.height).toBeGreaterThanOrEqual(44);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: path.join(outputDir, "pay-360.png"), fullPage: true });
  });

  it("pays: the signed events reach signon, then the parent lands on the thank-you page", async () => {
    await page.getByRole("button", { name: "Pay £40 and set up the Direct Debit" }).click();
    await page.waitForURL(`${signonSide.url}/payments/thanks`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Thank you");
    expect(received).toHaveLength(1);
    expect(received[0].valid).toBe(true);
    expect(received[0].events.map((event) => `${event.resource_type} ${event.action}`)).toEqual([
      "billing_requests fulfilled",
      "payments confirmed",
      "mandates active",
    ]);
  });

  it("cancels: says nothing was paid, accessibly, and posts nothing", async () => {
    received.length = 0;
    await page.goto(await payLink());
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("heading", { name: "Nothing was paid" }).waitFor();
    expect(await page.locator("main").textContent()).toContain("no payment was taken and no Direct Debit was set up");
    expect(received).toEqual([]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  });

  it("ran without anything refused by the page's Content-Security-Policy", () => {
    expect(refusedByCsp).toEqual([]);
  });
});
