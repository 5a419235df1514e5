/**
 * The payment from end to end in a real headless Chromium against `npm start -- --stack payments`
 * (Pulumi.payments.yaml: signon:payments with GoCardless, its stand-in and pay page): a parent
 * completes a registration in the simulator, the chat shows the payment link, the parent taps it,
 * the pay page passes axe-core, the parent pays and lands on signon's thank-you page; then the chat
 * shows the thank-you message, the simulator's registrations and the export show the fee paid,
 * and the board counts it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paymentReturnPath } from "../../config/settings";
import { routesOf } from "../../handlers/function-declaration";
import { functionDeclarations } from "../../handlers/functions";
import { localDefaults } from "../../local/options";
import { goCardlessWebhookPath } from "../../local/runtime";
import { projectRoot } from "../../local/stack-file";
import { seriousAxeViolations } from "../../testkit/axe";
import { chooseChromium } from "../../testkit/chromium";
import { validInvite } from "../../testkit/fixtures";
import { postInvite, type RunningSignon, startSignon } from "../../testkit/npm-start";

const outputDir = path.join(projectRoot, "test-output", "payment-journey");
const parent = { typed: "07700 900201", tel: "+447700900201" };
const secretary = { typed: "07700 900050", tel: "+447700900050" };

// The payment function (POST /payments/gocardless, GET /payments/thanks) and the submission's payment
// link are built on their own branches: until they are merged, npm start has nothing to send the link.
const paymentsDeclared = functionDeclarations.some((declaration) =>
  routesOf(declaration).some((route) => route.path === goCardlessWebhookPath),
);

describe.skipIf(!paymentsDeclared)("a parent pays through npm start's GoCardless stand-in", () => {
  let signon: RunningSignon;
  let browser: Browser;
  let context: BrowserContext;
  let simulator: Page;
  let payPage: Page;

  const toParent = () => simulator.locator('[data-testid="chat-messages"] [data-testid="message"][data-direction="to-parent"]');

  async function replyAs(text: string) {
    const before = await toParent().count();
    await simulator.getByTestId("reply-input").fill(text);
    await simulator.getByTestId("reply-send").click();
    await simulator.waitForFunction(
      (count) => document.querySelectorAll('[data-testid="chat-messages"] [data-direction="to-parent"]').length > count,
      before,
    );
  }

  /** The latest six-digit code in `tel`'s chat, as the simulator's state has it. */
  async function codeSentTo(tel: string, notBefore: number): Promise<string> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const messages = await chat(tel);
      const code = messages.length > notBefore ? /\b(\d{6})\b/.exec(messages[messages.length - 1].body)?.[1] : undefined;
      if (code) return code;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no code reached ${tel}'s chat`);
  }
  async function chat(tel: string) {
    const state = (await (await fetch(`${signon.url}/simulator/api/state`)).json()) as {
      conversations: { phone: string; messages: { body: string }[] }[];
    };
    return state.conversations.find((conversation) => conversation.phone === tel)?.messages ?? [];
  }

  beforeAll(async () => {
    const choice = await chooseChromium();
    signon = await startSignon({}, ["--stack", "payments"]);
    browser = await chromium.launch({ executablePath: choice.executablePath, args: choice.args });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    simulator = await context.newPage();
    fs.mkdirSync(outputDir, { recursive: true });
    await simulator.goto(`${signon.url}/`);
    await simulator.locator('[data-testid="connection"][data-state="live"]').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await signon?.stop();
  });

  it("shows the payment link in the chat once the parent confirms their registration", async () => {
    const invited = await postInvite(
      signon.url,
      { ...validInvite, player_first_name: "Poppy", parent_tel: parent.typed },
      { "x-api-key": localDefaults.SIGNON_API_KEY },
    );
    expect(invited.status).toBe(200);
    await simulator.locator(`[data-testid="chat-item"][data-phone="${parent.tel}"]`).click();
    await toParent().first().waitFor();
    // Ready, the legal name, a date of birth in the u11s' year, no medical notes, an emergency contact,
    // no photos, the code of conduct, then YES to the summary.
    for (const text of ["Ready", "Poppy Jane Testington", "14/03/2015", "None", "Jane Testington 07700 900789", "No", "Yes", "YES"])
      await replyAs(text);
    const link = toParent()
      .last()
      .getByRole("link", { name: /\/pay\/BRF/ });
    await link.waitFor();
    expect(await toParent().last().textContent()).toContain("£40");
  });

  it("opens the pay page from the chat: accessible, the club, the player and both amounts", async () => {
    [payPage] = await Promise.all([
      context.waitForEvent("page"),
      toParent()
        .last()
        .getByRole("link", { name: /\/pay\/BRF/ })
        .click(),
    ]);
    await payPage.setViewportSize({ width: 360, height: 740 });
    await payPage.getByRole("heading", { name: "Pay Urmston Town" }).waitFor();
    const details = await payPage.locator("dl").textContent();
    for (const fact of ["Poppy Testington", "£40", "£26 a month by Direct Debit, 10 payments"]) expect(details).toContain(fact);
    expect(await seriousAxeViolations(payPage)).toEqual([]);
    expect(await payPage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await payPage.screenshot({ path: path.join(outputDir, "pay-360.png"), fullPage: true });
  });

  it("pays, and lands on signon's thank-you page", async () => {
    await payPage.getByRole("button", { name: "Pay £40 and set up the Direct Debit" }).click();
    await payPage.waitForURL(`${signon.url}${paymentReturnPath}`);
    expect(await payPage.getByRole("heading", { level: 1 }).count()).toBe(1);
    expect(await seriousAxeViolations(payPage)).toEqual([]);
  });

  it("thanks the parent in the chat", async () => {
    await toParent().filter({ hasText: "has received £40" }).waitFor();
    expect(await toParent().last().textContent()).toContain("Direct Debit is set up");
  });

  it("shows the fee paid in the simulator's registrations", async () => {
    await simulator.locator("#registrations-refresh").click();
    await simulator
      .locator('[data-testid="registrations-tables"] tbody tr', { hasText: "Poppy" })
      .filter({ hasText: "fee paid, mandate active, subscription active" })
      .waitFor();
  });

  it("shows the fee paid in the export", async () => {
    const answer = await fetch(`${signon.url}/registrations`, { headers: { "x-api-key": localDefaults.SIGNON_EXPORT_API_KEY } });
    const { registrations } = (await answer.json()) as { registrations: Record<string, unknown>[] };
    expect(registrations.find((row) => row.player_first_name === "Poppy")).toMatchObject({
      status: "submitted",
      fee_status: "paid",
      mandate_status: "active",
      subscription_status: "active",
      fee_paid_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it("counts the fee paid on the board", async () => {
    const board = await context.newPage();
    await board.goto(`${signon.url}/board`);
    const before = (await chat(secretary.tel)).length;
    await board.getByLabel("WhatsApp number", { exact: true }).fill(secretary.typed);
    await board.getByRole("button", { name: "Send code" }).click();
    await board.getByLabel("Code", { exact: true }).fill(await codeSentTo(secretary.tel, before));
    await board.getByRole("button", { name: "Sign in" }).click();
    await board.getByRole("heading", { name: "Needs attention" }).waitFor();
    const lions = board.locator("#glance tbody tr", { hasText: "Lions U11" });
    await lions.waitFor();
    // Submitted 1, and its fee paid (the last column).
    const cells = await lions.locator("td").allTextContents();
    expect([cells[2], cells.at(-1)]).toEqual(["1", "1"]);
    expect(await seriousAxeViolations(board)).toEqual([]);
  });
});
