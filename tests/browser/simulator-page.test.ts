/**
 * The simulator page in a real headless Chromium (testkit/chromium.ts says which, driven by playwright-core)
 * against `npm start`: a secretary sends an invite from the form, the parent sees it, replies,
 * and gets the bot's answer. A screenshot of the exchange is kept under test-output/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSteps } from "../../domain/conversation/script";
import { localDefaults } from "../../local/options";
import { projectRoot } from "../../local/stack-file";
import { chooseChromium } from "../../testkit/chromium";
import { validInvite } from "../../testkit/fixtures";
import { postInvite, type RunningSignon, startSignon } from "../../testkit/npm-start";

const screenshotDir = path.join(projectRoot, "test-output");

describe("the WhatsApp simulator page", () => {
  let signon: RunningSignon;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const choice = await chooseChromium();
    signon = await startSignon();
    browser = await chromium.launch({ executablePath: choice.executablePath, args: choice.args });
    // .ci/run's closing line reads this, so a green run shows that the browser test ran and in what.
    fs.mkdirSync(screenshotDir, { recursive: true });
    fs.writeFileSync(path.join(screenshotDir, "browser.json"), JSON.stringify({ source: choice.source, version: browser.version() }));
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${signon.url}/`);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await signon?.stop();
  });

  const messages = (direction: string) =>
    page.locator(`[data-testid="chat-messages"] [data-testid="message"][data-direction="${direction}"]`);

  it("shows the club from the stack and no chats yet", async () => {
    expect(await page.getByTestId("club-name").textContent()).toBe("Urmston Town");
    expect(await page.getByTestId("chat-item").count()).toBe(0);
  });

  it("sends an invite from the form with the API key and shows it as the parent sees it", async () => {
    const form = page.getByTestId("invite-form");
    await form.locator('input[name="player_first_name"]').fill("Maisie");
    await form.locator('input[name="parent_tel"]').fill("07700 900321");
    await page.getByTestId("invite-send").click();

    const result = page.locator('[data-testid="invite-result"][data-status="200"]');
    await result.waitFor();
    expect(await result.textContent()).toContain("Invite sent on WhatsApp to Sarah to register Maisie");
    await page.locator('[data-testid="chat-item"][data-phone="+447700900321"]').waitFor();
    const invite = messages("to-parent").first();
    await invite.waitFor();
    expect(await invite.getAttribute("data-kind")).toBe("template");
    const text = await invite.textContent();
    expect(text).toContain("Hi Sarah");
    expect(text).toContain("Omega here, the Urmston Town Registration Assistant.");
    expect(text).toContain("register Maisie to join Urmston Town Lions U11 for the upcoming 2025-26 season");
  });

  it("shows the invite's ticks as WhatsApp does: two grey once delivered, two blue once the parent opens the chat", async () => {
    const ticksAt = (status: string) =>
      page.locator(`[data-testid="message"][data-kind="template"] [data-testid="ticks"][data-status="${status}"]`);
    await ticksAt("delivered").waitFor();
    expect(await ticksAt("delivered").textContent()).toBe("✓✓");
    const grey = await ticksAt("delivered").evaluate((node) => getComputedStyle(node).color);
    await page.locator('[data-testid="chat-item"][data-phone="+447700900321"]').click();
    await ticksAt("read").waitFor();
    expect(await ticksAt("read").evaluate((node) => getComputedStyle(node).color)).toBe("rgb(83, 189, 235)");
    expect(grey).not.toBe("rgb(83, 189, 235)");
  });

  it("replies as the parent and shows the bot's TwiML answer in the chat", async () => {
    await page.getByTestId("reply-input").fill("Ready when you are");
    await page.getByTestId("reply-send").click();

    await messages("from-parent").filter({ hasText: "Ready when you are" }).waitFor();
    const answer = page.locator('[data-testid="message"][data-direction="to-parent"][data-kind="reply"]');
    await answer.waitFor();
    const first = await answer.textContent();
    expect(first).toMatch(/Great, let's register Maisie for Lions U11/);
    expect(first).toContain("privacy notice (https://www.urmstontownjfc.example/privacy)");
    // The link stops before the closing bracket.
    expect(await answer.getByRole("link").evaluateAll((links) => links.map((link) => link.getAttribute("href")))).toContain(
      "https://www.urmstontownjfc.example/privacy",
    );

    fs.mkdirSync(screenshotDir, { recursive: true });
    const screenshot = path.join(screenshotDir, "simulator.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
  });

  it("takes the parent from the first answer to the payment link, one reply per answer", async () => {
    // The legal name, a date of birth in the u11s' year (1 Sep 2014 to 31 Aug 2015), no medical notes,
    // an emergency contact, photo consent, the code of conduct, then YES to the summary.
    const answers = ["Maisie Jane Testington", "14/03/2015", "None", "Jane Testington 07700 900789", "No", "Yes", "YES"];
    for (const [index, text] of answers.entries()) {
      const before = await messages("to-parent").count();
      await page.getByTestId("reply-input").fill(text);
      await page.getByTestId("reply-send").click();
      await page.waitForFunction(
        (count) => document.querySelectorAll('[data-testid="chat-messages"] [data-direction="to-parent"]').length > count,
        before,
      );
      if (index === answers.length - 2) expect(await messages("to-parent").last().textContent()).toMatch(/Reply YES to confirm/i);
    }
    const last = await messages("to-parent").last().textContent();
    expect(last).toContain("https://pay.urmstontownjfc.example/join");
    expect(last).toContain("£40");
    // A link the parent can tap, opening in a new tab as WhatsApp opens it.
    const link = messages("to-parent").last().getByRole("link", { name: "https://pay.urmstontownjfc.example/join" });
    expect(await link.getAttribute("href")).toBe("https://pay.urmstontownjfc.example/join");
    expect(await link.getAttribute("target")).toBe("_blank");
  });

  it("shows the submitted registration and its answers in the secretary's view", async () => {
    await page.locator("#registrations-refresh").click();
    const row = page.locator('[data-testid="registrations-tables"] tbody tr', { hasText: "Maisie" });
    await row.filter({ hasText: "submitted" }).waitFor();
    const text = await row.textContent();
    expect(text).toContain("Maisie Jane Testington");
    expect(text).toContain("2015-03-14");
    // A column per optional question, as the script labels it (the page reads them from the state), with its answers.
    const table = page.locator('[data-testid="registrations-tables"] table', { has: page.locator("tbody tr", { hasText: "Maisie" }) });
    const titles = await table.locator("thead th").allTextContents();
    const optional = defaultSteps.filter((step) => step.optional);
    expect(titles).toEqual(expect.arrayContaining(optional.map((step) => step.label)));
    const cells = await row.locator("td").allTextContents();
    const cellUnder = (label: string) => cells[titles.indexOf(label)];
    expect(cellUnder("Medical conditions, allergies, medication")).toBe("None");
    expect(cellUnder("Emergency contact")).toBe("Jane Testington +447700900789");
    expect(cellUnder("Photos and videos")).toBe("no");
  });

  it("says so when the API key is refused, and sends nothing", async () => {
    const chatsBefore = await page.getByTestId("chat-item").count();
    const form = page.getByTestId("invite-form");
    await form.locator('input[name="apiKey"]').fill("not-the-key-for-this-stack");
    await form.locator('input[name="parent_tel"]').fill("07700 900322");
    await page.getByTestId("invite-send").click();

    await page.locator('[data-testid="invite-result"][data-status="403"]').waitFor();
    expect(await page.getByTestId("chat-item").count()).toBe(chatsBefore);
  });

  it("shows the registrations view from GET /registrations with the local export key, and the handler's refusal of the invite key", async () => {
    // Loaded live after each change to the chats, with the prefilled local export key.
    const status = page.getByTestId("registrations-status");
    await page.waitForFunction(() =>
      /^\d+ registrations?$/.test(document.querySelector('[data-testid="registrations-status"]')?.textContent ?? ""),
    );
    const shown = Number((await status.textContent())!.split(" ")[0]);
    expect(await page.locator('[data-testid="registrations-tables"] tbody tr').count()).toBe(shown);

    await page.locator('#registrations-form input[name="exportApiKey"]').fill(localDefaults.SIGNON_API_KEY);
    await page.locator("#registrations-refresh").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="registrations-status"]')?.textContent?.startsWith("403"));
    expect(await status.textContent()).toBe("403: Forbidden: these routes need the export API key.");
  });

  it("shows what a parent wrote after the hand-over in the secretary's view", async () => {
    const invited = await postInvite(
      signon.url,
      { ...validInvite, player_first_name: "Ivy", parent_tel: "07700 900324" },
      { "x-api-key": localDefaults.SIGNON_API_KEY },
    );
    expect(invited.status).toBe(200);
    await page.locator('[data-testid="chat-item"][data-phone="+447700900324"]').click();
    // A date of birth far outside the u11s hands the registration to the club; then the parent writes.
    for (const text of ["Ready", "Yes", "01/01/2005", "She played u18s last season, please call me after 6"]) {
      const before = await messages("to-parent").count();
      await page.getByTestId("reply-input").fill(text);
      await page.getByTestId("reply-send").click();
      await page.waitForFunction(
        (count) => document.querySelectorAll('[data-testid="chat-messages"] [data-direction="to-parent"]').length > count,
        before,
      );
    }
    expect(await messages("to-parent").last().textContent()).toContain("I've passed your message on to the club");

    await page.locator('#registrations-form input[name="exportApiKey"]').fill(localDefaults.SIGNON_EXPORT_API_KEY);
    await page.locator("#registrations-refresh").click();
    const row = page.locator('[data-testid="registrations-tables"] tbody tr', { hasText: "Ivy" });
    await row.filter({ hasText: "needs_club" }).waitFor();
    expect(await row.textContent()).toContain("please call me after 6");
  });

  it("runs the reminders from the Reminders box at the time picked, and the parent's chat shows the reminder", async () => {
    const invited = await postInvite(
      signon.url,
      { ...validInvite, player_first_name: "Rosie", parent_tel: "07700 900323" },
      { "x-api-key": localDefaults.SIGNON_API_KEY },
    );
    expect(invited.status).toBe(200);
    // The picker reads the browser's time zone: London's, so noon is outside quiet hours whatever the machine's zone.
    // Left open: closing a page ends a single-process Chromium (@sparticuz/chromium's), which the tests after this one use.
    const london = await browser.newPage({ viewport: { width: 1280, height: 800 }, timezoneId: "Europe/London" });
    await london.goto(`${signon.url}/`);
    await london.locator('[data-testid="connection"][data-state="live"]').waitFor();
    const fourDaysOn = new Date(Date.now() + 4 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    await london.getByTestId("reminders-now").fill(`${fourDaysOn}T12:00`);
    await london.getByTestId("reminders-run").click();
    const result = london.locator('[data-testid="reminders-result"][data-status="200"]');
    await result.waitFor();
    // Maisie's registration is submitted and Ivy's with the club: Rosie's alone waits.
    expect(await result.textContent()).toMatch(/^Sent 1, skipped 2\..*: sent.*: not waiting.*: not waiting$/);
    await london.locator('[data-testid="chat-item"][data-phone="+447700900323"]').click();
    const reminder = london.locator('[data-testid="chat-messages"] [data-testid="message"][data-direction="to-parent"]').last();
    await reminder.filter({ hasText: "a quick reminder from Urmston Town" }).waitFor();
    expect(await reminder.textContent()).toContain("Rosie's registration for Lions U11 isn't finished yet.");
  });

  it("shows one table per age group however the club wrote it: u11s, Under 11s and U-11 are all Lions U11", async () => {
    for (const [player_first_name, age_group, parent_tel] of [
      ["Ellie", "Under 11s", "07700 900326"],
      ["Freddie", "U-11", "07700 900327"],
    ]) {
      const invited = await postInvite(
        signon.url,
        { ...validInvite, player_first_name, age_group, parent_tel },
        { "x-api-key": localDefaults.SIGNON_API_KEY },
      );
      expect(invited.status).toBe(200);
    }
    await page.locator('#registrations-form input[name="exportApiKey"]').fill(localDefaults.SIGNON_EXPORT_API_KEY);
    await page.locator("#registrations-refresh").click();
    await page.locator('[data-testid="registrations-tables"] tbody tr', { hasText: "Freddie" }).waitFor();
    const teams = await page
      .locator('[data-testid="registrations-tables"] table')
      .evaluateAll((tables) => tables.map((table) => (table as HTMLElement).dataset.team));
    expect(teams).toEqual(["Lions U11"]);
    expect(await page.locator('[data-testid="registrations-tables"] tbody tr').count()).toBe(5);
  });
});
