/**
 * The business metrics the handlers write (plumbing/metrics.ts), each action run for real against
 * dynalite and the SSM, Twilio and GoCardless stand-ins (in the `package` project, the uploaded
 * packages): every EMF line valid by the specification and the contract (testkit/emf.ts), the
 * expected counts for each action and none for what changed nothing, and nothing personal in any
 * line. Also POST /twilio/alerts: Twilio Debugger's alerts, signed as Twilio signs them.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createRegistrationStore } from "../../aws/registration-store";
import { functions } from "../../handlers/functions";
import { twilioAlertsRoute } from "../../handlers/twilio-alerts";
import { proxyEvent } from "../../local/gateway/proxy-event";
import { emfDocuments, metricLines, metricTotals } from "../../testkit/emf";
import { otherAuthToken, statusCallbackUrl, testCredentials, validInvite } from "../../testkit/fixtures";
import {
  bodyOf,
  lambdaContext,
  standInsForFile,
  testPayments,
  testReminders,
  testStatus,
  testTrigger,
  testWebhook,
} from "../../testkit/handler-under-test";
import { metricsClub, metricsStage } from "../../testkit/local-services";
import {
  goCardlessEvent,
  goCardlessForFile,
  paymentsEnv,
  paymentsSsmContents,
  submittedRegistration,
  webhookEvent,
} from "../../testkit/payment-events";
import { alfiesAnswerMessages, conversationNow, invite, invitedRegistration, parentPhone } from "../../testkit/registrations";
import { triggerEvent } from "../../testkit/trigger-event";
import { formBody, signedEvent, twilioSignature } from "../../testkit/twilio-webhook";

const { services, wiring, logLines } = standInsForFile(paymentsSsmContents);
const goCardless = goCardlessForFile();
const env = () => paymentsEnv(services().env, goCardless());
const testWiring = () => ({ ...wiring(), env: env() });
const dimensions = { club: metricsClub, stage: metricsStage };
/** Every registration id the file's actions made: none may reach a metric. */
const registrationIds: string[] = [];

beforeEach(() => services().reset());

afterAll(() => {
  const lines = emfDocuments(logLines).map((document) => JSON.stringify(document));
  expect(lines.length).toBeGreaterThan(0);
  for (const personal of ["Alfie", "Testington", "Sarah", "Jane", "+447700900", "447700900", "asthma", ...registrationIds])
    for (const line of lines) expect(line).not.toContain(personal);
});

/** Runs `action` and answers the totals of the metric lines it wrote, each line checked valid. */
async function metricsOf(action: () => Promise<unknown>): Promise<Record<string, number>> {
  const from = logLines.length;
  await action();
  return metricTotals(metricLines(logLines.slice(from), dimensions));
}

const trigger = (tel: string) => testTrigger(testWiring())(triggerEvent({ ...validInvite, parent_tel: tel }), lambdaContext);
const webhook = () => testWebhook(testWiring(), { clock: () => conversationNow });
const status = () => testStatus(testWiring());
const statusOf = (sid: string, tel: string, messageStatus: string, errorCode?: string) =>
  signedEvent(
    {
      MessageSid: sid,
      AccountSid: testCredentials.accountSid,
      From: "whatsapp:+447700900000",
      To: `whatsapp:${tel}`,
      MessageStatus: messageStatus,
      ...(errorCode ? { ErrorCode: errorCode } : {}),
    },
    { url: statusCallbackUrl },
  );

/** An invited registration (written as the trigger leaves one) and its parent's phone, talking to the webhook. */
async function invitedParent(tel: string) {
  const registration = await invite(env(), invitedRegistration({ parent_tel: tel, invited_at: "2025-06-02T10:00:00.000Z" }));
  registrationIds.push(registration.registration_id);
  return parentPhone(webhook(), tel);
}

/** A registration submitted with its link, paid at the GoCardless stand-in: the events GoCardless would post. */
async function paidEvents(tel: string) {
  const submitted = await submittedRegistration(env(), goCardless(), { parent_tel: tel });
  registrationIds.push(submitted.registration.registration_id);
  return goCardless().pay(submitted.flowId);
}
const postPayments = async (events: Parameters<typeof webhookEvent>[0]) => {
  const response = await testPayments(testWiring())(webhookEvent(events), lambdaContext);
  expect(response.statusCode).toBe(204);
};

describe("each action writes its metrics, once", () => {
  it.each<[string, () => Promise<unknown>, Record<string, number>]>([
    ["the trigger sends an invite", async () => expect((await trigger("+447700900701")).statusCode).toBe(200), { InvitesSent: 1 }],
    [
      "Twilio refuses an invite: by its error code",
      async () => {
        services().twilio.failNext({ status: 400, code: 63016, message: "Outside the allowed window" });
        expect((await trigger("+447700900702")).statusCode).not.toBe(200);
      },
      { "InvitesRefused/63016": 1 },
    ],
    [
      "the same invite twice sends once, and counts once",
      async () => {
        await trigger("+447700900703");
        await trigger("+447700900703");
      },
      { InvitesSent: 1 },
    ],
    ["a parent's message is applied", async () => (await invitedParent("+447700900704")).says("Ready!"), { MessagesApplied: 1 }],
    [
      "a parent submits (eight messages)",
      async () => {
        const parent = await invitedParent("+447700900705");
        for (const answer of ["Ready!", ...alfiesAnswerMessages, "Yes"]) await parent.says(answer);
      },
      { MessagesApplied: 8, RegistrationsSubmitted: 1 },
    ],
    [
      "a registration is handed to the club",
      async () => {
        const parent = await invitedParent("+447700900706");
        for (const answer of ["Ready!", alfiesAnswerMessages[0], "01/01/2005"]) await parent.says(answer);
      },
      { MessagesApplied: 3, HandedToClub: 1 },
    ],
    [
      "a parent sends STOP, and again",
      async () => {
        const parent = await invitedParent("+447700900707");
        await parent.says("STOP");
        await parent.says("STOP");
      },
      { MessagesApplied: 2, OptedOut: 1 },
    ],
    [
      "an invite's delivery fails: by its error code, once however often Twilio says so",
      async () => {
        const tel = "+447700900708";
        const sid = bodyOf((await trigger(tel)) as APIGatewayProxyResult).message_sid as string;
        for (const [state, code] of [["sent"], ["undelivered", "63016"], ["undelivered", "63016"]])
          expect((await status()(statusOf(sid, tel, state, code), lambdaContext)).statusCode).toBe(200);
      },
      { InvitesSent: 1, "DeliveriesFailed/63016": 1 },
    ],
    [
      "a reminder's delivery fails (no invite of that SID): by its error code",
      async () => status()(statusOf(`SM${"ab".repeat(16)}`, "+447700900709", "failed", "63024"), lambdaContext),
      { "DeliveriesFailed/63024": 1 },
    ],
    [
      "the reminders run sends a reminder",
      async () => {
        const registration = await invite(
          env(),
          invitedRegistration({ parent_tel: "+447700900710", invited_at: "2025-06-02T10:00:00.000Z" }),
        );
        registrationIds.push(registration.registration_id);
        const answer = await testReminders(testWiring())({ id: "test-run", time: "2025-06-05T10:00:00Z" });
        expect("sent" in answer && answer.sent).toHaveLength(1);
      },
      { RemindersSent: 1 },
    ],
    [
      "a fee is paid, and the same events again count nothing",
      async () => {
        const events = await paidEvents("+447700900711");
        await postPayments(events);
        await postPayments(events);
      },
      { PaymentsReceived: 1 },
    ],
    [
      "a paid fee is charged back",
      async () => {
        const events = await paidEvents("+447700900712");
        await postPayments(events);
        const paymentId = (await createRegistrationStore(env()).readParent("+447700900712")).registrations[0].payment?.payment_id;
        await postPayments([goCardlessEvent("payments", "charged_back", { payment: paymentId! })]);
      },
      { PaymentsReceived: 1, PaymentsFailed: 1 },
    ],
  ])("%s", async (_action, action, expected) => {
    expect(await metricsOf(action)).toEqual(expected);
  });
});

describe("POST /twilio/alerts", () => {
  const alertsUrl = statusCallbackUrl.replace(/\/status$/, twilioAlertsRoute.path);
  // As Twilio's Debugger posts one: its Payload may quote the number a message went to.
  const alert = (payload: object | string = { error_code: "63016", more_info: { To: "whatsapp:+447700900713" } }) => ({
    AccountSid: testCredentials.accountSid,
    Sid: `NO${"cd".repeat(16)}`,
    Level: "Error",
    Timestamp: "2025-06-01T10:00:00Z",
    PayloadType: "application/json",
    Payload: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
  const post = (fields: Record<string, string>, signature: string | undefined) =>
    status()(
      proxyEvent({
        path: twilioAlertsRoute.path,
        body: formBody(fields),
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          ...(signature === undefined ? {} : { "X-Twilio-Signature": signature }),
        },
      }),
      lambdaContext,
    );

  it("is the status function's second route", () => {
    expect(functions.status.moreRoutes).toEqual([twilioAlertsRoute]);
  });

  it("counts a signed alert by its error code, logging the code and level only", async () => {
    let response: APIGatewayProxyResult | undefined;
    const totals = await metricsOf(async () => {
      response = await post(alert(), twilioSignature(alert(), { url: alertsUrl }));
    });
    expect(response?.statusCode).toBe(200);
    expect(totals).toEqual({ "TwilioAlerts/63016": 1 });
    const logged = logLines.map((line) => JSON.parse(line)).find((line) => line.event === "twilio_alert");
    expect(logged).toMatchObject({ level: "warn", route: "POST /twilio/alerts", twilio_code: 63016, detail: "error" });
    expect(logLines.join("\n")).not.toContain("900713");
  });

  it.each([
    [
      "signed with another account's token",
      (fields: Record<string, string>) => twilioSignature(fields, { url: alertsUrl, token: otherAuthToken }),
    ],
    ["signed for the status URL", (fields: Record<string, string>) => twilioSignature(fields, { url: statusCallbackUrl })],
    ["unsigned", () => undefined],
  ])("refuses one %s with 403, counting nothing", async (_name, sign) => {
    let response: APIGatewayProxyResult | undefined;
    expect(
      await metricsOf(async () => {
        response = await post(alert(), sign(alert()));
      }),
    ).toEqual({});
    expect(response?.statusCode).toBe(403);
  });

  it.each([
    ["Payload that is no JSON", alert("not json"), "Payload must be JSON"],
    ["Payload without an error code", alert({ more_info: {} }), "Payload's error_code must be Twilio's numeric error code"],
    ["error_code that is no code", alert({ error_code: "+447700900714" }), "Payload's error_code must be Twilio's numeric error code"],
    ["no Level", { ...alert(), Level: "" }, "Level must be the alert's level"],
  ])("answers a signed alert with %s 400, naming it, counting nothing", async (_name, fields, problem) => {
    let response: APIGatewayProxyResult | undefined;
    expect(
      await metricsOf(async () => {
        response = await post(fields, twilioSignature(fields, { url: alertsUrl }));
      }),
    ).toEqual({});
    expect(response?.statusCode).toBe(400);
    expect(response?.body).toContain(problem);
  });
});
