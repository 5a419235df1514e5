/**
 * `npm start` as a child process, spoken to over loopback HTTP like a secretary's script,
 * Twilio and the simulator page would: API Gateway's key check and throttle in front of the
 * real handlers, invites landing in the built-in Twilio stand-in, replies as signed webhooks.
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDefaults } from "../../local/options";
import { madeUpTwilioAccount } from "../../local/stand-ins/twilio/ids";
import { startTwilioStandIn } from "../../local/stand-ins/twilio/stand-in";
import { otherAuthToken, validInvite } from "../../testkit/fixtures";
import { postInvite, type RunningSignon, signonRefusing, startSignon } from "../../testkit/npm-start";
import { formBody, inboundMessage, twilioSignature } from "../../testkit/twilio-webhook";

const apiKey = `test-local-api-key-${randomBytes(8).toString("hex")}`;
const exportApiKey = `test-local-export-key-${randomBytes(8).toString("hex")}`;
const account = madeUpTwilioAccount();

interface State {
  conversations: { phone: string; name: string | null; messages: { direction: string; kind: string; body: string }[] }[];
}

const simulatorState = async (baseUrl: string) => (await (await fetch(`${baseUrl}/simulator/api/state`)).json()) as State;

describe("npm start", () => {
  let signon: RunningSignon;

  beforeAll(async () => {
    signon = await startSignon({
      SIGNON_API_KEY: apiKey,
      SIGNON_EXPORT_API_KEY: exportApiKey,
      TWILIO_ACCOUNT_SID: account.accountSid,
      TWILIO_AUTH_TOKEN: account.authToken,
    });
  });
  afterAll(() => signon?.stop());

  const trigger = (body: unknown, headers: Record<string, string> = { "x-api-key": apiKey }) => postInvite(signon.url, body, headers);
  const state = () => simulatorState(signon.url);
  const conversationWith = async (phone: string) => (await state()).conversations.find((conversation) => conversation.phone === phone);

  it("prints where it serves and the stack it runs", () => {
    const printed = signon.lines.join("\n");
    expect(printed).toContain(`signon: Urmston Town, stack "dev" (Pulumi.dev.yaml)`);
    expect(printed).toContain(`POST ${signon.url}/trigger   header x-api-key: the SIGNON_API_KEY you set`);
    expect(printed).toContain(`signed for ${signon.url}/webhook`);
    expect(printed).toContain(
      `GET ${signon.url}/registrations, DELETE ${signon.url}/registrations/{id}   header x-api-key: the SIGNON_EXPORT_API_KEY you set`,
    );
    expect(printed).toContain("Throttle    25 requests/s, burst 50");
    expect(printed).toContain(
      `Reminders   POST ${signon.url}/local/reminders {"now": "<ISO instant>"}, template HX3c1e5a7f9b2d4c6e8a0b1c2d3e4f5a6b`,
    );
    // Credentials given in the environment are not echoed back.
    expect(printed).not.toContain(apiKey);
    expect(printed).not.toContain(exportApiKey);
    expect(printed).not.toContain(account.authToken);
    expect(printed).not.toContain(account.accountSid);
  });

  it("sends an invite with the API key: 200, and the parent's chat shows the rendered template", async () => {
    const response = await trigger({ ...validInvite, parent_tel: "+44 7700 900201" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { status: string; message_sid: string; request_id: string };
    expect(body).toMatchObject({ status: "message_sent", message_sid: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    expect(body.request_id).toBe(response.headers.get("x-amzn-requestid"));

    const chat = await conversationWith("+447700900201");
    expect(chat?.name).toBe("Sarah");
    expect(chat?.messages).toEqual([
      expect.objectContaining({
        direction: "to-parent",
        kind: "template",
        body: expect.stringContaining("Hi Sarah 👋,\nOmega here, the Urmston Town Registration Assistant."),
      }),
    ]);
    expect(chat?.messages[0].body).toContain("register Alfie to join Urmston Town Lions U11 for the upcoming 2025-26 season");
    expect(chat?.messages[0].body).toContain("£40");
    expect(chat?.messages[0].body).toContain("team manager Dave Examplesson on 07700 900456");
  });

  it("exports the registrations with the export key; the invite key gets 403 from the handler, no key 403 from the gateway", async () => {
    const exported = await fetch(`${signon.url}/registrations?team_name=lions`, { headers: { "x-api-key": exportApiKey } });
    expect(exported.status).toBe(200);
    expect(await exported.json()).toEqual({ registrations: expect.any(Array) });
    const csv = await fetch(`${signon.url}/registrations?format=csv`, { headers: { "x-api-key": exportApiKey } });
    expect([csv.status, csv.headers.get("content-disposition")]).toEqual([200, 'attachment; filename="registrations-2025-26.csv"']);
    const withInviteKey = await fetch(`${signon.url}/registrations`, { headers: { "x-api-key": apiKey } });
    expect([withInviteKey.status, await withInviteKey.json()]).toEqual([
      403,
      { error: "Forbidden: these routes need the export API key." },
    ]);
    const erase = await fetch(`${signon.url}/registrations/00000000-0000-4000-8000-000000000000`, {
      method: "DELETE",
      headers: { "x-api-key": exportApiKey },
    });
    expect(erase.status).toBe(404);
    expect((await fetch(`${signon.url}/registrations`)).status).toBe(403);
  });

  it("refuses a trigger without the key, or with a wrong one, as API Gateway does: 403 Forbidden, nothing sent", async () => {
    const before = (await state()).conversations.length;
    for (const headers of [{}, { "x-api-key": `${apiKey}-wrong` }] as Record<string, string>[]) {
      const response = await trigger({ ...validInvite, parent_tel: "07700 900202" }, headers);
      expect(response.status).toBe(403);
      expect(response.headers.get("x-amzn-errortype")).toBe("ForbiddenException");
      expect(await response.json()).toEqual({ message: "Forbidden" });
    }
    expect((await state()).conversations.length).toBe(before);
  });

  it("answers only requests addressed to a loopback name: a page that rebinds its own name to 127.0.0.1 cannot read the keys", async () => {
    /** GET /simulator/api/state, which holds both keys, with the Host a browser would send. */
    const stateWithHost = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.get(`${signon.url}/simulator/api/state`, { headers: { Host: host } }, (response) => {
          let body = "";
          response.on("data", (chunk: Buffer) => (body += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on("error", reject);
      });
    const { port } = new URL(signon.url);
    for (const host of [`rebound.example:${port}`, "rebound.example", `127.0.0.1.rebound.example:${port}`]) {
      const refused = await stateWithHost(host);
      expect(refused.status, host).toBe(421);
      expect(JSON.parse(refused.body)).toEqual({ error: "misdirected_request", message: expect.stringContaining("127.0.0.1") });
      expect(refused.body).not.toContain(apiKey);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const answered = await stateWithHost(host);
      expect(answered.status, host).toBe(200);
    }
  });

  it("answers paths and methods API Gateway does not have with 403 Missing Authentication Token", async () => {
    const wrongMethod = await fetch(`${signon.url}/trigger`, { headers: { "x-api-key": apiKey } });
    const unknownPath = await fetch(`${signon.url}/v1/other`, { method: "POST" });
    for (const response of [wrongMethod, unknownPath]) {
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: "Missing Authentication Token" });
    }
  });

  it("takes a parent's reply from the simulator to the webhook, signed as Twilio signs, and shows the TwiML answer", async () => {
    await trigger({ ...validInvite, parent_tel: "07700 900203" });
    const response = await fetch(`${signon.url}/simulator/api/reply`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ to: "+447700900203", text: "Yes, ready to register" }),
    });
    expect(response.status).toBe(200);
    const reply = (await response.json()) as { webhookStatus: number; replies: string[] };
    // The webhook answers 403 to anything its signature check refuses, so 200 means it verified.
    expect(reply.webhookStatus).toBe(200);
    // The conversation's first answer: the invite was recorded, so "Yes, ready" starts registering the player.
    expect(reply.replies).toEqual([expect.stringMatching(/^Great, let's register Alfie for Lions U11/)]);

    const chat = await conversationWith("+447700900203");
    expect(chat?.messages.map(({ direction, kind }) => `${direction}/${kind}`)).toEqual([
      "to-parent/template",
      "from-parent/text",
      "to-parent/reply",
    ]);
    expect(chat?.messages[1].body).toBe("Yes, ready to register");
    expect(chat?.messages[2].body).toBe(reply.replies[0]);
    expect(signon.logs()).toContainEqual(expect.objectContaining({ route: "POST /webhook", event: "message_received" }));
  });

  it("refuses a webhook that Twilio did not sign: 403, and nothing reaches the chat", async () => {
    const fields = inboundMessage({ From: "whatsapp:+447700900204", AccountSid: account.accountSid });
    const forgeries: Record<string, string>[] = [
      {},
      { "X-Twilio-Signature": twilioSignature(fields, { token: otherAuthToken, url: `${signon.url}/webhook` }) },
      { "X-Twilio-Signature": twilioSignature(fields, { token: account.authToken, url: "https://example.org/webhook" }) },
    ];
    for (const headers of forgeries) {
      const response = await fetch(`${signon.url}/webhook`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
        body: formBody(fields),
      });
      expect(response.status).toBe(403);
    }
    expect(await conversationWith("+447700900204")).toBeUndefined();
    expect(signon.logs().filter((line) => line.event === "signature_mismatch")).toHaveLength(2);
    expect(signon.logs().filter((line) => line.event === "signature_missing")).toHaveLength(1);
  });

  it("runs the reminders with the clock POST /local/reminders gives: none on day 1, the reminder template on day 4, rendered in the parent's chat", async () => {
    const invited = await trigger({ ...validInvite, parent_tel: "+44 7700 900209", player_first_name: "Reggie" });
    expect(invited.status).toBe(200);
    const { registration_id } = (await invited.json()) as { registration_id: string };
    const run = (body: unknown, contentType = "application/json") =>
      fetch(`${signon.url}/local/reminders`, { method: "POST", headers: { "Content-Type": contentType }, body: JSON.stringify(body) });
    // Noon in London (GMT or BST, noon either way falls outside quiet hours), whole days after the invite.
    const noonAfter = (days: number) => {
      const at = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
      at.setUTCHours(11, 0, 0, 0);
      return at.toISOString();
    };
    const skippedAs = (answer: { skipped: { registration_id: string; reason: string }[] }) =>
      answer.skipped.find((skip) => skip.registration_id === registration_id)?.reason;

    const dayOne = await run({ now: noonAfter(1) });
    expect(dayOne.status).toBe(200);
    expect(skippedAs(await dayOne.json())).toBe("too_soon");

    const dayFour = await run({ now: noonAfter(4) });
    expect(dayFour.status).toBe(200);
    const answer = await dayFour.json();
    expect(answer).toMatchObject({ now: noonAfter(4), configured: true, quiet_hours: false });
    expect(answer.sent).toContainEqual({ registration_id, message_sid: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    // Registration ids only: no number, no name.
    expect(JSON.stringify(answer)).not.toMatch(/Reggie|Sarah|7700/);
    const chat = await conversationWith("+447700900209");
    expect(chat?.messages.at(-1)).toMatchObject({ direction: "to-parent", kind: "template" });
    expect(chat?.messages.at(-1)?.body).toContain(
      "Hi Sarah 👋, a quick reminder from Urmston Town.\nReggie's registration for Lions U11 isn't finished yet.",
    );
  });

  it("refuses a reminders run without an instant, naming what is wrong", async () => {
    const post = (body: string, contentType = "application/json") =>
      fetch(`${signon.url}/local/reminders`, { method: "POST", headers: { "Content-Type": contentType }, body });
    const cases: [Promise<Response>, number, string][] = [
      [post('{"now": "next Tuesday"}'), 400, "time must be an ISO 8601 instant with its offset, such as 2025-06-05T10:00:00Z"],
      [
        post("{}"),
        400,
        'now is missing or not text; POST a JSON body such as {"now": "2025-06-05T10:00:00Z"}: the instant the run takes as its clock',
      ],
      [
        post("now=2025-06-05", "application/x-www-form-urlencoded"),
        415,
        'POST a JSON body such as {"now": "2025-06-05T10:00:00Z"}: the instant the run takes as its clock',
      ],
      [
        fetch(`${signon.url}/local/reminders`),
        405,
        'POST a JSON body such as {"now": "2025-06-05T10:00:00Z"}: the instant the run takes as its clock',
      ],
    ];
    for (const [response, status, message] of cases) {
      const answered = await response;
      const body = (await answered.json()) as { error: string; message?: string };
      expect([answered.status, body.message ?? body.error]).toEqual([status, message]);
    }
  });

  it("throttles the trigger past the usage plan's burst: 429 Too Many Requests, never reaching the handler", async () => {
    const handledBefore = signon.logs().filter((line) => line.route === "POST /trigger" && line.event === "request_done").length;
    // An empty invite is refused by the handler (400) without sending anything, so only the throttle differs.
    const responses = await Promise.all(Array.from({ length: 120 }, () => trigger({})));
    const statuses = responses.map((response) => response.status);
    const throttled = responses.filter((response) => response.status === 429);
    const handled = statuses.filter((status) => status === 400).length;

    expect(throttled.length + handled).toBe(120);
    // Burst 50 plus what 25 a second refills while the requests arrive.
    expect(handled).toBeGreaterThanOrEqual(50);
    expect(throttled.length).toBeGreaterThan(0);
    for (const response of throttled) expect(await response.json()).toEqual({ message: "Too Many Requests" });
    const handledAfter = signon.logs().filter((line) => line.route === "POST /trigger" && line.event === "request_done").length;
    expect(handledAfter - handledBefore).toBe(handled);
  });

  it("prints each business metric as a readable line rather than its EMF JSON", () => {
    expect(signon.lines).toContain("metric InvitesSent 1 (Club urmston, Stage dev)");
    expect(signon.lines).toContain("metric MessagesApplied 1 (Club urmston, Stage dev)");
    expect(signon.lines.filter((line) => line.includes('"_aws"'))).toEqual([]);
  });

  it("logs one JSON line per request with its id, route, status and latency, and no phone number or name", () => {
    const logs = signon.logs();
    const done = logs.filter((line) => line.event === "request_done");
    expect(done.length).toBeGreaterThan(0);
    for (const line of done) {
      expect(line).toMatchObject({
        request_id: expect.any(String),
        route: expect.stringMatching(/^(POST \/(trigger|webhook|status)|GET \/registrations|DELETE \/registrations\/\{id\})$/),
        status: expect.any(Number),
        latency_ms: expect.any(Number),
      });
    }
    const printedLogs = signon.lines.filter((line) => line.startsWith("{")).join("\n");
    expect(printedLogs).not.toMatch(/7700 ?900\d{3}/);
    for (const personal of ["Sarah", "Alfie", "Dave", "Yes, ready"]) expect(printedLogs).not.toContain(personal);
  });
});

describe("npm start's settings", () => {
  it("runs another stack with --stack, printing the local defaults it falls back to", async () => {
    const signon = await startSignon({}, ["--stack", "prod"]);
    try {
      const printed = signon.lines.join("\n");
      expect(printed).toContain(`stack "prod" (Pulumi.prod.yaml)`);
      expect(printed).toContain(`x-api-key: ${localDefaults.SIGNON_API_KEY} (local default)`);
      expect(printed).toContain(`x-api-key: ${localDefaults.SIGNON_EXPORT_API_KEY} (local default)`);
      expect(printed).toContain("Twilio      built-in stand-in, an account made up for this run");
      // Made up, but still never printed: logs and terminals hold no Twilio credential.
      expect(printed).not.toMatch(/AC[0-9a-f]{32}|(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])/);
      expect(printed).toContain("Sender      whatsapp:+447700900000, template HX7d785aa7b15519a858cfc7f0d485ff2c");
    } finally {
      await signon.stop();
    }
  });

  it("sends through another Twilio stand-in when TWILIO_API_BASE_URL names one", async () => {
    const elsewhere = await startTwilioStandIn(account);
    const signon = await startSignon({
      TWILIO_API_BASE_URL: elsewhere.url,
      TWILIO_ACCOUNT_SID: account.accountSid,
      TWILIO_AUTH_TOKEN: account.authToken,
    });
    try {
      expect(signon.lines.join("\n")).toContain(`Twilio      ${elsewhere.url}`);
      const response = await postInvite(signon.url, validInvite, { "x-api-key": localDefaults.SIGNON_API_KEY });
      expect(response.status).toBe(200);
      expect(elsewhere.messages).toEqual([
        expect.objectContaining({ To: "whatsapp:+447700900123", ContentSid: "HXbd20683c439d5894ded688d2a667a02c" }),
      ]);
      expect((await simulatorState(signon.url)).conversations).toEqual([]);
    } finally {
      await signon.stop();
      await elsewhere.close();
    }
  });

  it("refuses to start on a stack that does not exist, naming the ones that do", async () => {
    const { exitCode, stderr } = await signonRefusing({}, ["--stack", "staging"]);
    expect(exitCode).toBe(1);
    expect(stderr).toContain("there is no stack file Pulumi.staging.yaml; the stacks here are: dev, payments, prod");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses credentials the stack schema refuses, as pulumi up would, without echoing them", async () => {
    const { exitCode, stderr } = await signonRefusing({ TWILIO_AUTH_TOKEN: "not-a-real-token" });
    expect(exitCode).toBe(1);
    expect(stderr).toContain("signon:twilioAuthToken must be the 32 hex characters of the account's auth token");
    expect(stderr).not.toContain("not-a-real-token");
  });

  it("refuses --live without the club's own Twilio credentials", async () => {
    const { exitCode, stderr } = await signonRefusing({}, ["--live"]);
    expect(exitCode).toBe(1);
    expect(stderr).toContain("--live sends real WhatsApp messages and needs your own TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN");
  });
});

describe("npm start with signon:payments (Pulumi.payments.yaml)", () => {
  const standInAt = (printed: string) => /GoCardless {2}built-in stand-in at (http:\/\/127\.0\.0\.1:\d+):/.exec(printed)?.[1];

  it("runs the GoCardless stand-in, its pay page on its own port, with secrets made up for the run and never printed", async () => {
    const signon = await startSignon({}, ["--stack", "payments"]);
    try {
      const printed = signon.lines.join("\n");
      const standIn = standInAt(printed);
      expect(standIn).toBeDefined();
      expect(printed).toContain(`the chat's payment link opens its pay page, events signed to POST ${signon.url}/payments/gocardless`);
      expect(printed).toContain("a token and webhook secret made up for this run");
      expect(printed).not.toMatch(/sandbox_|local-made-up-/);
      // The stand-in answers its pages, and its API only with the run's token.
      const page = await fetch(`${standIn}/pay/BRF000UNKNOWN`);
      expect(page.status).toBe(404);
      expect(await page.text()).toContain("not one the club sent");
      const api = await fetch(`${standIn}/billing_requests/BRQ000UNKNOWN`, {
        headers: { Authorization: "Bearer sandbox_not-this-run-s-token-0123", "GoCardless-Version": "2015-07-06" },
      });
      expect(api.status).toBe(401);
    } finally {
      await signon.stop();
    }
  });

  it("takes the token and webhook secret from the environment, and another stand-in from GOCARDLESS_API_BASE_URL", async () => {
    const accessToken = `sandbox_test-${randomBytes(12).toString("hex")}`;
    const signon = await startSignon(
      {
        GOCARDLESS_API_BASE_URL: "http://127.0.0.1:9",
        GOCARDLESS_ACCESS_TOKEN: accessToken,
        GOCARDLESS_WEBHOOK_SECRET: "test-webhook-secret-0123456789",
      },
      ["--stack", "payments"],
    );
    try {
      const printed = signon.lines.join("\n");
      expect(printed).toContain(
        `GoCardless  http://127.0.0.1:9, events signed to POST ${signon.url}/payments/gocardless, the token and webhook secret from the environment`,
      );
      expect(standInAt(printed)).toBeUndefined();
      expect(printed).not.toContain(accessToken);
      expect(printed).not.toContain("test-webhook-secret-0123456789");
    } finally {
      await signon.stop();
    }
  });

  it("refuses a token for the other environment, as pulumi up would, without echoing it", async () => {
    const { exitCode, stderr } = await signonRefusing({ GOCARDLESS_ACCESS_TOKEN: "live_test-0123456789abcdefghij" }, [
      "--stack",
      "payments",
    ]);
    expect(exitCode).toBe(1);
    expect(stderr).toContain("signon:gocardlessAccessToken is not a sandbox token");
    expect(stderr).not.toContain("live_test-0123456789abcdefghij");
  });

  it("says a stack without signon:payments has no provider", async () => {
    const signon = await startSignon();
    try {
      expect(signon.lines.join("\n")).toContain(
        "GoCardless  none: signon:payments is not in the stack file, parents get registration.paymentUrl",
      );
    } finally {
      await signon.stop();
    }
  });
});
