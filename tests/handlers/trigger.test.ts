/**
 * POST /trigger in-process: the real handler and its real HTTP calls to Twilio and Parameter Store, against
 * the local Twilio and SSM stand-ins on loopback.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { environmentVariables } from "../../config/settings";
import { proxyEvent } from "../../local/gateway/proxy-event";
import {
  clubSettings,
  exportApiKeyId,
  inviteApiKeyId,
  parameterPath,
  requiredInviteFields,
  settingsParameters,
  testCredentials,
  validInvite,
  validInviteVariables,
} from "../../testkit/fixtures";
import { bodyOf, fastRetry, handlerUnderTest, lambdaContext, testTrigger } from "../../testkit/handler-under-test";
import { withSsmContents } from "../../testkit/local-services";
import { capturing } from "../../testkit/log-capture";
import { triggerEvent } from "../../testkit/trigger-event";

const { handler, logLines, services } = handlerUnderTest((wiring) => testTrigger(wiring, { retry: fastRetry }));

afterAll(() => {
  // The whole file's logs: no name, no full phone number, no credential.
  const logs = logLines.join("\n");
  for (const secret of [
    testCredentials.authToken,
    testCredentials.accountSid,
    "Sarah",
    "Alfie",
    "Testington",
    "Dave",
    "900123",
    "900456",
  ]) {
    expect(logs).not.toContain(secret);
  }
});

// Each test's invite is new to Twilio and to the duplicate check.
afterEach(() => services().reset());

describe("a valid invite", () => {
  it("sends one WhatsApp template message and answers 200 with what was sent", async () => {
    const event = triggerEvent(validInvite);
    const response = await handler(event, lambdaContext);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["Content-Type"]).toMatch(/^application\/json/);
    const body = bodyOf(response);
    expect(body).toMatchObject({
      player: "Alfie Testington",
      parent: "Sarah Testington",
      team: "Lions U11",
      status: "message_sent",
      request_id: event.requestContext.requestId,
    });
    expect(body.message).toBe("Invite sent on WhatsApp to Sarah to register Alfie Testington for Lions U11");
    expect(services().twilio.messages).toHaveLength(1);
    const [sent] = services().twilio.messages;
    expect(body.message_sid).toBe(sent.sid);
    expect(sent).toMatchObject({
      accountSid: testCredentials.accountSid,
      From: `whatsapp:${clubSettings.whatsappNumber}`,
      To: "whatsapp:+447700900123",
      ContentSid: clubSettings.templateSid,
    });
    expect(typeof sent.ContentVariables).toBe("string");
    expect(JSON.parse(sent.ContentVariables)).toEqual(validInviteVariables);
  });

  it("uses the fees given in the payload over the stack's defaults, and the stack's season however the payload writes it", async () => {
    const accepted = await handler(
      triggerEvent({ ...validInvite, current_registration_season: "2025/26", membership_fee_amount: "£45", subscription_fee_amount: 27.5 }),
    );
    expect(accepted.statusCode).toBe(200);
    expect(JSON.parse(services().twilio.messages[0].ContentVariables)).toMatchObject({ "5": "2025-26", "6": "45", "7": "27.50" });
  });

  it.each([["07700 900123"], ["+44 7700 900123"], ["447700900123"], ["0044 7700 900123"], ["(07700) 900-123"]])(
    "normalises the parent's number %s to E.164",
    async (typed) => {
      const response = await handler(triggerEvent({ ...validInvite, parent_tel: typed }));
      expect(response.statusCode).toBe(200);
      expect(services().twilio.messages[0].To).toBe("whatsapp:+447700900123");
    },
  );

  it("cleans white space WhatsApp would refuse before Twilio sees it", async () => {
    const response = await handler(triggerEvent({ ...validInvite, team_name: "Lions\n\tBlue      Team ", age_group: " u11s " }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(services().twilio.messages[0].ContentVariables)).toMatchObject({ "3": "Lions Blue Team", "4": "U11" });
  });

  it("reads a base64-encoded body", async () => {
    const event = proxyEvent({
      path: "/trigger",
      body: Buffer.from(JSON.stringify(validInvite)).toString("base64"),
      isBase64Encoded: true,
    });
    expect((await handler(event)).statusCode).toBe(200);
  });

  it("reads its settings from SSM once per container, not once per invite", async () => {
    const before = services().ssm.calls.length;
    await handler(triggerEvent(validInvite));
    await handler(triggerEvent(validInvite));
    expect(services().ssm.calls.length).toBe(before);
    expect(
      services()
        .ssm.calls.map((call) => call.operation)
        .sort(),
    ).toEqual(["GetParameter", "GetParameters"]);
  });
});

describe("a bad payload", () => {
  it.each(requiredInviteFields.map((field) => [field]))("is 400 naming %s when it is missing, and sends nothing", async (field) => {
    const payload: Record<string, unknown> = { ...validInvite };
    delete payload[field];
    const response = await handler(triggerEvent(payload));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: "invalid_request", problems: [{ field, message: "is required" }] });
    expect(bodyOf(response).message).toContain(`${field} is required`);
    expect(services().twilio.attempts).toBe(0);
  });

  it("lists every problem at once", async () => {
    const response = await handler(triggerEvent({ parent_first_name: 42, team_name: "   ", parent_tel: "call me" }));
    expect(response.statusCode).toBe(400);
    const problems = bodyOf(response).problems as { field: string; message: string }[];
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: "parent_first_name", message: "must be a string" },
        { field: "team_name", message: "must not be empty" },
        { field: "parent_tel", message: "is not a phone number: use a form such as 07700 900123 or +44 7700 900123" },
        { field: "player_first_name", message: "is required" },
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it.each([["12345"], ["not a number"], ["07700 900123 ext 4"], ["+44 7700 900123 456 789"], [""], ["07700 9001"], ["07700 9001234"]])(
    "refuses the parent number %j naming parent_tel",
    async (typed) => {
      const response = await handler(triggerEvent({ ...validInvite, parent_tel: typed }));
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).problems).toEqual([{ field: "parent_tel", message: expect.any(String) }]);
      expect(services().twilio.attempts).toBe(0);
    },
  );

  it.each([["forty"], ["-5"], ["40.123"], ["£"], [true]])("refuses the fee %j naming membership_fee_amount", async (fee) => {
    const response = await handler(triggerEvent({ ...validInvite, membership_fee_amount: fee }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).problems).toEqual([
      { field: "membership_fee_amount", message: expect.stringContaining("must be an amount in pounds") },
    ]);
  });

  it.each([["2026/27"], ["2026-27"], ["2026-2027"], ["2024-25"], ["2015-16"], ["Season 2026"], ["2025"], ["2025-27"], ["next season"]])(
    "refuses the season %j, naming current_registration_season and the stack's season, and sends and keeps nothing",
    async (season) => {
      const response = await handler(triggerEvent({ ...validInvite, current_registration_season: season }));
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).problems).toEqual([
        { field: "current_registration_season", message: "must be this club's season, 2025-26 (or 2025/26, 2025-2026), or left out" },
      ]);
      expect(bodyOf(response).message).toContain("current_registration_season must be this club's season, 2025-26");
      expect(services().twilio.attempts).toBe(0);
      expect(await services().dynamoDb.items(services().env[environmentVariables.registrationsTable])).toEqual([]);
    },
  );

  it.each([["Seniors"], ["Lions"], ["11"], ["u40"]])(
    "refuses the age group %j with a 400 naming age_group, and sends nothing",
    async (typed) => {
      const response = await handler(triggerEvent({ ...validInvite, age_group: typed }));
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).problems).toEqual([
        { field: "age_group", message: "is not an age group: use a form such as U11 or Under 11s (Under 5 to Under 23)" },
      ]);
      expect(bodyOf(response).message).toContain("age_group is not an age group");
      expect(services().twilio.attempts).toBe(0);
    },
  );

  it.each([["ring the club"], ["07700 9001"]])("refuses the team manager number %j, naming team_manager_1_tel", async (typed) => {
    const response = await handler(triggerEvent({ ...validInvite, team_manager_1_tel: typed }));
    expect(bodyOf(response).problems).toEqual([{ field: "team_manager_1_tel", message: expect.stringContaining("is not a phone number") }]);
    expect(services().twilio.attempts).toBe(0);
  });

  it.each([
    ["not JSON", "{ parent_first_name: Sarah", "is not valid JSON"],
    ["empty", "", "is empty: send the invite as a JSON object"],
    ["an array", "[1,2]", "must be a JSON object"],
    ["a string", '"hello"', "must be a JSON object"],
  ])("answers 400 for a body that is %s", async (_, body, message) => {
    const response = await handler(proxyEvent({ path: "/trigger", body }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).problems).toEqual([{ field: "body", message }]);
  });
});

describe("the invite key's reach", () => {
  const withKey = (apiKeyId: string) => {
    const event = triggerEvent(validInvite);
    event.requestContext.identity.apiKeyId = apiKeyId;
    return event;
  };

  it("refuses the export key with 403 and sends nothing; the invite key sends", async () => {
    const refused = await handler(withKey(exportApiKeyId), lambdaContext);
    expect(refused.statusCode).toBe(403);
    expect(bodyOf(refused)).toMatchObject({ error: "not_the_invite_key", message: expect.stringContaining("invite API key") });
    expect(services().twilio.messages).toHaveLength(0);
    expect((await handler(withKey(inviteApiKeyId), lambdaContext)).statusCode).toBe(200);
  });

  describe("on a stack that does not allow fee overrides (the default)", () => {
    const settings = settingsParameters(parameterPath, { ...clubSettings, allowFeeOverrides: "false" });
    const send = (invite: Record<string, unknown>) =>
      withSsmContents(services().env, { parameters: settings }, (env) =>
        testTrigger({ env, writeLog: () => {} }, { retry: fastRetry })(triggerEvent(invite), lambdaContext),
      );

    it("answers 400 naming each fee that differs and the stack's fee, and sends nothing", async () => {
      const response = await send({ ...validInvite, membership_fee_amount: "45", subscription_fee_amount: "£26.00" });
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).problems).toEqual([
        { field: "membership_fee_amount", message: expect.stringMatching(/^must be the club's fee, £40, .*allowFeeOverrides/) },
      ]);
      expect(services().twilio.messages).toHaveLength(0);
    });

    it("sends an invite whose fees are the stack's however written, or left out", async () => {
      expect((await send({ ...validInvite, membership_fee_amount: "£40.00", subscription_fee_amount: 26 })).statusCode).toBe(200);
      expect(JSON.parse(services().twilio.messages[0].ContentVariables)).toMatchObject({ "6": "40.00", "7": "26" });
      expect((await send({ ...validInvite, parent_tel: "07700 900731" })).statusCode).toBe(200);
    });
  });
});

describe("a deployment problem", () => {
  it("answers 500 without detail when a setting is missing, and logs which one", async () => {
    const lines: string[] = [];
    await withSsmContents(services().env, { parameters: {} }, async (env) => {
      const response = await testTrigger({ env, writeLog: capturing((line) => lines.push(line)) })(triggerEvent(validInvite));
      expect(response.statusCode).toBe(500);
      expect(bodyOf(response)).toMatchObject({ error: "internal_error" });
      expect(response.body).not.toMatch(/parameter|\/signon\/|\n\s+at /i);
      const failure = lines.map((line) => JSON.parse(line)).find((line) => line.event === "settings_unreadable");
      expect(failure).toMatchObject({ level: "error", error: "SettingsError" });
      expect(failure.detail).toContain(`${parameterPath}/whatsapp-number`);
    });
  });
});

describe("its logs", () => {
  it("carry the request id on every line and mask the parent's number", async () => {
    const lines: string[] = [];
    const event = triggerEvent(validInvite);
    await testTrigger({ env: services().env, writeLog: capturing((line) => lines.push(line)) }, { retry: fastRetry })(event);
    // The business metric's EMF line names no request (tests/handlers/metrics.test.ts); the log's lines each do.
    const [metric, ...parsed] = lines.map((line) => JSON.parse(line)).sort((a, b) => Number("event" in a) - Number("event" in b));
    expect(metric).toMatchObject({ InvitesSent: 1 });
    expect(parsed.map((line) => line.event)).toEqual(["invite_sent", "request_done"]);
    for (const line of parsed) expect(line).toMatchObject({ request_id: event.requestContext.requestId, route: "POST /trigger" });
    expect(parsed[0].to).toBe("+44•••••••123");
    expect(parsed[1]).toMatchObject({ status: 200, latency_ms: expect.any(Number) });
  });
});
