/**
 * Payment links and reminders from the hourly run (handlers/reminders.ts, PAYMENTS.md "Not paid")
 * in a stack that takes payments through GoCardless: dynalite behind the transactions proxy, the
 * SSM stand-in holding the provider's secret, the GoCardless stand-in and the Twilio stand-in. The
 * link GoCardless could not give at submission, two reminders at most, a fresh flow after expiry,
 * the template outside WhatsApp's window (and none without one), and nobody paid, paying or stopped.
 */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { createRegistrationStore } from "../../aws/registration-store";
import type { StoredRegistration } from "../../aws/stored-registration";
import { environmentVariables } from "../../config/settings";
import { goCardlessIdempotencyKeys } from "../../gocardless/gocardless-client";
import type { PaymentReminderSkip, RemindersAnswer } from "../../handlers/reminders";
import {
  clubSettings,
  cursorKeySecretName,
  parameterPath,
  settingsParameters,
  testCredentials,
  testCursorKey,
  twilioSecretName,
} from "../../testkit/fixtures";
import { paymentStandInsForFile, testReminders, testWebhook } from "../../testkit/handler-under-test";
import { withSsmContents } from "../../testkit/local-services";
import { paymentSettings, paymentStackSecrets, paymentTemplateSid } from "../../testkit/payment-services";
import { conversationNow, invite, invitedRegistration, registrationAtSummary } from "../../testkit/registrations";
import { inboundMessage, signedEvent } from "../../testkit/twilio-webhook";

const { services, goCardless, wiring, logLines, setGoCardlessNow } = paymentStandInsForFile();
const env = () => wiring().env;
const store = () => createRegistrationStore(env());
const dayMs = 24 * 60 * 60 * 1000;
/** conversationNow (13:00 in London) plus whole days and hours. */
const daysAfterSubmission = (days: number, hours = 0) => new Date(conversationNow.getTime() + days * dayMs + hours * 3_600_000);

beforeEach(async () => {
  await services().reset();
  setGoCardlessNow(conversationNow);
  logLines.length = 0;
});

const ran = (answer: RemindersAnswer) => {
  if ("error" in answer) throw new Error(answer.error);
  return answer;
};
const runAt = async (time: Date, runEnv = env()) =>
  ran(await testReminders({ ...wiring(), env: runEnv })({ id: `test-${time.toISOString()}`, time: time.toISOString() }));
const paymentsOf = (answer: Extract<RemindersAnswer, { now: string }>) => answer.payments!;
const skipOf = (answer: Extract<RemindersAnswer, { now: string }>, id: string): PaymentReminderSkip["reason"] | undefined =>
  paymentsOf(answer).skipped.find((skip) => skip.registration_id === id)?.reason;
const registrationOf = async (tel: string) => (await store().readParent(tel)).registrations[0];
const messagesTo = (tel: string) => services().twilio.messages.filter((message) => message.To === `whatsapp:${tel}`);

/** A registration at its summary; the parent's YES through the webhook at `conversationNow` submits it. */
async function submitted(tel: string, { goCardlessDown = false } = {}): Promise<StoredRegistration> {
  const registration = await invite(env(), registrationAtSummary({ parent_tel: tel }));
  if (goCardlessDown) goCardless().failNext({ status: 503 }, { status: 503 }, { status: 503 });
  const webhook = testWebhook(wiring(), { clock: () => conversationNow });
  const reply = await webhook(signedEvent(inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1), Body: "Yes" })));
  expect(reply.statusCode).toBe(200);
  expect((await registrationOf(tel)).status).toBe("submitted");
  return registration;
}

describe("GoCardless out of reach at submission", () => {
  it("the next reminders run makes the link and sends it, inside WhatsApp's window as a plain message", async () => {
    const tel = "+447700900941";
    const registration = await submitted(tel, { goCardlessDown: true });
    expect((await registrationOf(tel)).payment).toMatchObject({ fee_status: "unpaid" });
    expect(messagesTo(tel)).toEqual([]);

    // The next hourly run: the parent wrote an hour ago, so the window is open.
    const answer = await runAt(daysAfterSubmission(0, 1));
    expect(paymentsOf(answer).sent).toEqual([
      { registration_id: registration.registration_id, message_sid: expect.stringMatching(/^SM/), first: true, template: false },
    ]);
    const payment = (await registrationOf(tel)).payment!;
    expect(payment).toMatchObject({
      fee_status: "link_sent",
      request_id: expect.stringMatching(/^BRQ/),
      link_url: `${goCardless().url}/pay/${payment.flow_id}`,
      reminders_sent: 0,
      reminded_at: daysAfterSubmission(0, 1).toISOString(),
    });
    const [message] = messagesTo(tel);
    expect(message).toMatchObject({ From: `whatsapp:${clubSettings.whatsappNumber}`, ContentSid: "" });
    expect(message.Body).toContain("here's the payment link I promised");
    expect(message.Body).toContain(`Pay the £40 signing-on fee and set up the £26 monthly Direct Debit here: ${payment.link_url}`);
    // The billing request's reference, so GoCardless's events find the registration.
    const items = (await services().dynamoDb.items(env()[environmentVariables.registrationsTable])).map((item) =>
      unmarshall(item as never),
    );
    expect(items.find((item) => item.pk === `payment-ref#${payment.request_id}`)).toMatchObject({
      registration_id: registration.registration_id,
    });

    // Sent once: the next run finds it claimed.
    expect(paymentsOf(await runAt(daysAfterSubmission(0, 2))).sent).toEqual([]);
    expect(messagesTo(tel)).toHaveLength(1);
  });
});

describe("reminders to pay a link already sent", () => {
  it("two at most, by the template outside the window, never in quiet hours, a fresh flow once the first expires", async () => {
    const tel = "+447700900942";
    const registration = await submitted(tel);
    const first = (await registrationOf(tel)).payment!;
    expect(first.link_expires_at).toBe(daysAfterSubmission(7).toISOString());
    const { registration_id } = registration;

    expect(skipOf(await runAt(daysAfterSubmission(1)), registration_id)).toBe("too_soon");
    // 21:00 in London.
    expect((await runAt(daysAfterSubmission(3, 8))).quiet_hours).toBe(true);
    expect(paymentsOf(await runAt(daysAfterSubmission(3))).sent).toEqual([
      expect.objectContaining({ registration_id, first: false, template: true }),
    ]);
    expect(skipOf(await runAt(daysAfterSubmission(3, 4)), registration_id)).toBe("reminded_today");

    // Day 6: the link dies within the day, so a fresh flow on the same billing request goes.
    setGoCardlessNow(daysAfterSubmission(6));
    expect(paymentsOf(await runAt(daysAfterSubmission(6))).sent).toEqual([expect.objectContaining({ registration_id, template: true })]);
    expect(skipOf(await runAt(daysAfterSubmission(9)), registration_id)).toBe("max_reached");

    const messages = messagesTo(tel);
    expect(messages.map((message) => message.ContentSid)).toEqual([paymentTemplateSid, paymentTemplateSid]);
    const [day3, day6] = messages.map((message) => JSON.parse(message.ContentVariables));
    expect(day3).toEqual({ "1": "Sarah", "2": "Urmston Town", "3": "Alfie", "4": "40", "5": "26", "6": first.link_url });
    const now = (await registrationOf(tel)).payment!;
    expect(now).toMatchObject({
      request_id: first.request_id,
      link_expires_at: daysAfterSubmission(13).toISOString(),
      reminders_sent: 2,
      reminded_at: daysAfterSubmission(6).toISOString(),
      fee_status: "link_sent",
    });
    expect(now.flow_id).not.toBe(first.flow_id);
    expect(day6["6"]).toBe(now.link_url);
    const billingRequests = goCardless().requests.filter(
      (request) =>
        request.path === "/billing_requests" &&
        request.headers.idempotencyKey === goCardlessIdempotencyKeys.billingRequest(registration_id),
    );
    expect(billingRequests).toHaveLength(1);
  });

  it("none outside the window in a stack without a payment template, and the log says so without a number", async () => {
    const tel = "+447700900943";
    const registration = await submitted(tel);
    const contents = {
      parameters: settingsParameters(parameterPath, { ...paymentSettings, paymentTemplateSid: "none" }),
      secrets: paymentStackSecrets,
    };
    const answer = await withSsmContents(env(), contents, (ssmEnv) => runAt(daysAfterSubmission(3), ssmEnv));
    expect(skipOf(answer, registration.registration_id)).toBe("no_payment_template");
    expect(messagesTo(tel)).toEqual([]);
    const line = logLines.find((logged) => logged.includes('"event":"payment_reminders_not_configured"'));
    expect(JSON.parse(line!)).toMatchObject({ detail: "paymentTemplateSid", count: 1 });
    expect(line).not.toContain("900943");
  });

  it("none for a fee paid or on its way, nor the club's to look at, nor after STOP", async () => {
    const statuses = ["paid", "pending", "failed"] as const;
    const tels = ["+447700900944", "+447700900945", "+447700900946"];
    for (const [index, fee_status] of statuses.entries()) {
      await submitted(tels[index]);
      const current = await registrationOf(tels[index]);
      const moved = { ...current, payment: { ...current.payment!, fee_status }, version: current.version + 1 };
      expect(await store().replace(current, moved)).toBe(true);
    }
    const stopped = "+447700900947";
    const stoppedRegistration = await submitted(stopped);
    const webhook = testWebhook(wiring(), { clock: () => daysAfterSubmission(1) });
    await webhook(signedEvent(inboundMessage({ From: `whatsapp:${stopped}`, WaId: stopped.slice(1), Body: "STOP" })));

    const answer = await runAt(daysAfterSubmission(4));
    expect(paymentsOf(answer).sent).toEqual([]);
    expect(skipOf(answer, stoppedRegistration.registration_id)).toBe("parent_opted_out");
    for (const tel of [...tels, stopped]) expect(messagesTo(tel)).toEqual([]);
  });
});

describe("a stack without a payment provider", () => {
  it("sends no payment link or reminder, and its run says nothing of payments", async () => {
    const tel = "+447700900948";
    await invite(
      env(),
      invitedRegistration({
        parent_tel: tel,
        status: "submitted",
        submitted_at: conversationNow.toISOString(),
        payment: { fee_status: "unpaid", mandate_status: "none", subscription_status: "none" },
      }),
    );
    const contents = {
      parameters: settingsParameters(parameterPath, clubSettings),
      secrets: { [twilioSecretName]: JSON.stringify(testCredentials), [cursorKeySecretName]: testCursorKey },
    };
    const answer = await withSsmContents(env(), contents, (ssmEnv) => runAt(daysAfterSubmission(3), ssmEnv));
    expect(answer.payments).toBeUndefined();
    expect(messagesTo(tel)).toEqual([]);
    expect(goCardless().requests.filter((request) => request.body && JSON.stringify(request.body).includes(tel))).toEqual([]);
  });
});
