/**
 * The code `pulumi up` would upload actually works: each Lambda's serialized archive, taken
 * from the program under mocks, runs in a plain Node process with the function's own
 * environment, against the local Twilio and SSM stand-ins seeded with what the program
 * would write to SSM and Secrets Manager, and dynalite holding tables of the program's names.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistrationStore, createRegistrationsTableCall } from "../../aws/registration-store";
import { erasureLogTableDefinition } from "../../config/erasure-log";
import { registrationsTableDefinition } from "../../config/registrations-table";
import { proxyEvent } from "../../local/gateway/proxy-event";
import { packageSize } from "../../testkit/code-package";
import { type DeployedFunction, startDeployedFunction } from "../../testkit/deployed-function";
import { inviteApiKeyId, testCredentials, validInvite, validInviteVariables } from "../../testkit/fixtures";
import { type LocalServices, startLocalServices } from "../../testkit/local-services";
import type { RecordedResource } from "../../testkit/program-under-mocks";
import { exportEvent, registrationRecord } from "../../testkit/registration-records";
import { alfiesAnswerMessages, invite, invitedRegistration } from "../../testkit/registrations";
import { type ProgramResult, resourcesOfType, runProgram, stackFileConfig } from "../../testkit/run-program";
import { triggerEvent } from "../../testkit/trigger-event";
import { formBody, inboundMessage, signedEvent } from "../../testkit/twilio-webhook";
import { twimlMessages } from "../../twilio/twiml";

const prefix = "signon-urmston-dev";
let result: ProgramResult;
let services: LocalServices;
let trigger: DeployedFunction;
let webhook: DeployedFunction;
let exporter: DeployedFunction;
let status: DeployedFunction;
let reminders: DeployedFunction;
let webhookUrl: string;
/** Where the program told every send to ask for status callbacks (Parameter Store). */
let statusCallbackUrl: string;
/** The stand-ins' environment naming the registrations table as the program does; the deployed functions' table, written to directly. */
let registrationsTableEnv: Record<string, string>;
/** The export key's id, as the program wrote it to Parameter Store. */
let exportApiKeyId: string;

const functionNamed = (name: string): RecordedResource =>
  resourcesOfType(result, "aws:lambda/function:Function").find((fn) => fn.name === `${prefix}-${name}`)!;

async function deploy(name: string): Promise<DeployedFunction> {
  const fn = functionNamed(name);
  const { variables } = fn.inputs.environment as { variables: Record<string, string> };
  // What the Lambda service adds, then the function's own variables as declared.
  const { AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, TWILIO_API_BASE_URL } =
    services.env;
  return startDeployedFunction(fn.codeDir!, {
    AWS_ENDPOINT_URL,
    AWS_ENDPOINT_URL_DYNAMODB,
    AWS_REGION,
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    TWILIO_API_BASE_URL,
    ...variables,
  });
}

beforeAll(async () => {
  const run = await runProgram(
    stackFileConfig("dev", { twilioAccountSid: testCredentials.accountSid, twilioAuthToken: testCredentials.authToken }),
    {
      extractCode: true,
    },
  );
  if (!run.ok) throw new Error(run.stderr);
  result = run.result;
  webhookUrl = result.outputs.webhookUrl.value as string;
  const parameters = Object.fromEntries(
    resourcesOfType(result, "aws:ssm/parameter:Parameter").map((p) => [p.inputs.name, p.inputs.value]),
  ) as Record<string, string>;
  const { variables } = functionNamed("trigger").inputs.environment as { variables: Record<string, string> };
  // Each secret as the program writes it, under the name the functions are given.
  const secretString = (name: string) =>
    resourcesOfType(result, "aws:secretsmanager/secretVersion:SecretVersion").find((version) => version.name.endsWith(name))!.inputs
      .secretString as string;
  const exportVariables = (functionNamed("export").inputs.environment as { variables: Record<string, string> }).variables;
  services = await startLocalServices({
    parameters,
    secrets: {
      [variables.SIGNON_TWILIO_SECRET_NAME]: secretString("-twilio"),
      [exportVariables.SIGNON_CURSOR_KEY_SECRET_NAME]: secretString("-cursor-key"),
    },
  });
  await services.dynamoDb.createTable(
    (functionNamed("webhook").inputs.environment as { variables: Record<string, string> }).variables.SIGNON_IDEMPOTENCY_TABLE,
  );
  registrationsTableEnv = { ...services.env, SIGNON_REGISTRATIONS_TABLE: variables.SIGNON_REGISTRATIONS_TABLE };
  await createRegistrationsTableCall(registrationsTableEnv).call(
    "CreateTable",
    registrationsTableDefinition(variables.SIGNON_REGISTRATIONS_TABLE),
  );
  // The erasure log under the program's name for it (the export, webhook and remind functions are told it).
  const erasureLogTable = (functionNamed("export").inputs.environment as { variables: Record<string, string> }).variables
    .SIGNON_ERASURE_LOG_TABLE;
  await createRegistrationsTableCall(registrationsTableEnv).call("CreateTable", erasureLogTableDefinition(erasureLogTable));
  exportApiKeyId = parameters["/signon/urmston/dev/export-api-key-id"];
  statusCallbackUrl = parameters["/signon/urmston/dev/status-callback-url"];
  [trigger, webhook, exporter, status, reminders] = await Promise.all([
    deploy("trigger"),
    deploy("webhook"),
    deploy("export"),
    deploy("status"),
    deploy("remind"),
  ]);
});

afterAll(async () => {
  await Promise.all([trigger?.stop(), webhook?.stop(), exporter?.stop(), status?.stop(), reminders?.stop()]);
  await services?.close();
});

describe("the uploaded code packages", () => {
  it("hold the serialized handler, with npm packages required at run time and the program's own modules inlined", () => {
    for (const name of ["trigger", "webhook"]) {
      const fn = functionNamed(name);
      expect(fn.codeFiles).toContain("__index.js");
      const code = fs.readFileSync(path.join(fn.codeDir!, "__index.js"), "utf8");
      expect(code).toContain("exports.handler = ");
      expect(code).not.toContain(testCredentials.authToken);
    }
    expect(fs.readFileSync(path.join(functionNamed("webhook").codeDir!, "__index.js"), "utf8")).toMatch(
      /require\("twilio\/lib\/webhooks\/webhooks/,
    );
  });

  it("carry only the files their imports load: no twilio client, no AWS SDK, no Pulumi", () => {
    const webhookFiles = functionNamed("webhook").codeFiles!;
    // The phone library's files, for the emergency contact step, and besides them only these.
    expect(webhookFiles.filter((file) => !file.startsWith("node_modules/libphonenumber-js/")).sort()).toEqual([
      "__index.js",
      "node_modules/@aws-sdk/util-dynamodb/dist-cjs/index.js",
      "node_modules/@aws-sdk/util-dynamodb/package.json",
      "node_modules/twilio/lib/webhooks/webhooks.js",
      "node_modules/twilio/package.json",
    ]);
    expect(webhookFiles).toContain("node_modules/libphonenumber-js/min/index.cjs");
    const triggerFiles = functionNamed("trigger").codeFiles!;
    expect(triggerFiles).toContain("node_modules/zod/mini/index.cjs");
    expect(triggerFiles).toContain("node_modules/libphonenumber-js/min/index.cjs");
    // The SDK's marshaller alone, for the registration's items; no client, no Powertools.
    expect(triggerFiles).toContain("node_modules/@aws-sdk/util-dynamodb/dist-cjs/index.js");
    expect(
      triggerFiles.filter((file) => /^node_modules\/(twilio|axios|@aws-sdk|@smithy|@pulumi|@aws-lambda-powertools)\//.test(file)),
    ).toEqual(["node_modules/@aws-sdk/util-dynamodb/dist-cjs/index.js", "node_modules/@aws-sdk/util-dynamodb/package.json"]); // The reminders: the marshaller alone, the Twilio client being the project's own.
    expect(functionNamed("remind").codeFiles!.sort()).toEqual([
      "__index.js",
      "node_modules/@aws-sdk/util-dynamodb/dist-cjs/index.js",
      "node_modules/@aws-sdk/util-dynamodb/package.json",
    ]);
  });

  it("give the board no Twilio client, AWS SDK client or Pulumi: Verify over node:https, DynamoDB by signed request", () => {
    const boardFiles = functionNamed("board").codeFiles!;
    expect(boardFiles).toContain("node_modules/libphonenumber-js/min/index.cjs");
    expect(boardFiles.filter((file) => /^node_modules\/(twilio|axios|@aws-sdk\/client|@smithy|@pulumi)\//.test(file))).toEqual([]);
  });

  it("give the payment function the marshaller alone: GoCardless and Twilio over node:https, no SDK client", () => {
    expect(functionNamed("payment").codeFiles!.sort()).toEqual([
      "__index.js",
      "node_modules/@aws-sdk/util-dynamodb/dist-cjs/index.js",
      "node_modules/@aws-sdk/util-dynamodb/package.json",
    ]);
  });

  it("each get the memory size the bench chose for it (bench/results.json)", () => {
    type Choices = Record<"trigger" | "webhook", { memorySizeMb: number }>;
    const { choices } = (
      JSON.parse(fs.readFileSync(path.join(__dirname, "../../bench/results.json"), "utf8")) as { memory: { choices: Choices } }
    ).memory;
    for (const name of ["trigger", "webhook"] as const)
      expect(functionNamed(name).inputs.memorySize, name).toBe(choices[name].memorySizeMb);
  });

  it("stay under 5 MB zipped, so a deploy uploads little and a cold start reads little", () => {
    for (const name of ["trigger", "webhook", "export", "status", "remind", "board", "payment"]) {
      expect(packageSize(functionNamed(name).codeDir!).zippedBytes).toBeLessThan(5 * 1024 * 1024);
    }
  });
});

describe("the deployed trigger", () => {
  it("sends the invite through Twilio and answers the caller", async () => {
    const response = await trigger.invoke(triggerEvent(validInvite));
    expect(response.statusCode, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: "message_sent", player: "Alfie Testington", team: "Lions U11" });
    expect(services.twilio.messages).toHaveLength(1);
    const [sent] = services.twilio.messages;
    expect(sent).toMatchObject({
      From: "whatsapp:+14155238886",
      To: "whatsapp:+447700900123",
      ContentSid: "HXbd20683c439d5894ded688d2a667a02c",
    });
    expect(JSON.parse(sent.ContentVariables)).toEqual(validInviteVariables);
  });

  it("keeps the player's registration in the program's table: invited, the send recorded", async () => {
    const registrations = (await services.dynamoDb.items(registrationsTableEnv.SIGNON_REGISTRATIONS_TABLE)).map((item) =>
      unmarshall(item as never),
    );
    expect(registrations).toEqual([
      expect.objectContaining({
        status: "invited",
        player_first_name: "Alfie",
        invites_sent: 1,
        invite_message_sid: services.twilio.messages[0].sid,
        pk: "parent#+447700900123",
      }),
    ]);
  });

  it("sends the same invite again, with and without Idempotency-Keys in any order, not once more; a resend sends", async () => {
    const before = services.twilio.messages.length;
    const keyings: Record<string, string>[] = [
      {},
      { "Idempotency-Key": "deployed-1" },
      {},
      { "Idempotency-Key": "deployed-2" },
      { "Idempotency-Key": "deployed-1" },
    ];
    for (const headers of keyings) {
      const response = await trigger.invoke(triggerEvent(validInvite, headers));
      expect(response.statusCode, response.body).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({
        duplicate: true,
        registration_status: "invited",
        message_sid: services.twilio.messages[0].sid,
      });
    }
    expect(services.twilio.messages.length).toBe(before);
    const resent = await trigger.invoke(triggerEvent({ ...validInvite, resend: true }));
    expect(JSON.parse(resent.body)).toMatchObject({ status: "message_sent", duplicate: false });
    expect(services.twilio.messages.length).toBe(before + 1);
  });

  it("refuses a parent who opted out with 409, sending nothing", async () => {
    const optedOut = "+447700900125";
    const store = createRegistrationStore(registrationsTableEnv);
    const contact = { parent_tel: optedOut, version: 1, recent_messages: [], opted_out: true, opted_out_at: new Date().toISOString() };
    expect(await store.writeConversation({ tel: optedOut, contact: { after: contact }, registrations: [] })).toBe(true);
    const before = services.twilio.attempts;
    const response = await trigger.invoke(triggerEvent({ ...validInvite, parent_tel: "07700 900125" }));
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body)).toMatchObject({ error: "parent_opted_out" });
    expect(services.twilio.attempts).toBe(before);
  });

  it("retries a Twilio rate limit and still sends once", async () => {
    services.twilio.failNext({ status: 429, code: 20429 });
    const before = services.twilio.messages.length;
    const response = await trigger.invoke(triggerEvent({ ...validInvite, player_first_name: "Bobby" }));
    expect(response.statusCode).toBe(200);
    expect(services.twilio.messages.length - before).toBe(1);
  });

  it("reads UK mobiles without the phone library, and loads it for a team manager's landline, shown as dialled at home", async () => {
    const phoneLibraryLoaded = async () => (await trigger.loadedFiles()).some((file) => file.includes("libphonenumber-js"));
    expect(await phoneLibraryLoaded()).toBe(false);
    const landline = { ...validInvite, player_first_name: "Charlie", team_manager_1_tel: "+44 113 496 0123" };
    const response = await trigger.invoke(triggerEvent(landline));
    expect(response.statusCode, response.body).toBe(200);
    expect(JSON.parse(services.twilio.messages.at(-1)!.ContentVariables)["9"]).toBe("0113 496 0123");
    expect(await phoneLibraryLoaded()).toBe(true);
  });

  it("answers 400 naming the field for a bad payload", async () => {
    const response = await trigger.invoke(triggerEvent({ ...validInvite, parent_tel: "nope" }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual([{ field: "parent_tel", message: expect.stringContaining("not a phone number") }]);
  });
});

describe("the deployed webhook", () => {
  it("answers a signed message with TwiML, once per MessageSid", async () => {
    const fields = inboundMessage({ From: "whatsapp:+447700900301" });
    const event = () => signedEvent(fields, { url: webhookUrl });
    const first = await webhook.invoke(event());
    expect(first.statusCode).toBe(200);
    expect(first.headers?.["Content-Type"]).toBe("text/xml");
    expect(first.body).toContain("This is Omega, the Urmston Town Registration Assistant");
    const repeat = await webhook.invoke(event());
    expect(repeat.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  /** A parent's registration from Ready! to YES through the deployed webhook: each answer's replies. */
  async function register(tel: string, answers: readonly string[]) {
    const { variables } = functionNamed("webhook").inputs.environment as { variables: Record<string, string> };
    await invite({ ...services.env, ...variables }, invitedRegistration({ parent_tel: tel }));
    const say = async (text: string) => {
      const fields = inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1), Body: text });
      const response = await webhook.invoke(signedEvent(fields, { url: webhookUrl }));
      expect(response.statusCode).toBe(200);
      return twimlMessages(response.body).join("\n\n");
    };
    const replies = [];
    for (const text of ["Ready!", ...answers, "YES"]) replies.push(await say(text));
    return replies;
  }
  const phoneLibraryLoaded = async () => (await webhook.loadedFiles()).some((file) => file.includes("libphonenumber-js"));

  it("registers a player from Ready! to the payment link, reading a UK mobile without the phone library", async () => {
    const replies = await register("+447700900302", alfiesAnswerMessages);
    expect(replies[0]).toContain("let's register Alfie for Lions u11s");
    expect(replies.at(-2)).toContain("Jane Testington, 07700 900789");
    expect(replies.at(-1)).toContain("Alfie's registration for Lions u11s (2025-26) is submitted");
    expect(replies.at(-1)).toContain("https://");
    expect(await phoneLibraryLoaded()).toBe(false);
  });

  it("loads the phone library for an emergency contact's landline, shown as dialled at home", async () => {
    const answers = alfiesAnswerMessages.map((answer) => answer.replace("07700 900789", "+44 113 496 0789"));
    expect(answers).not.toEqual(alfiesAnswerMessages);
    const replies = await register("+447700900304", answers);
    expect(replies.at(-2)).toContain("Jane Testington, 0113 496 0789");
    expect(replies.at(-1)).toContain("is submitted");
    expect(await phoneLibraryLoaded()).toBe(true);
  });

  it("answers a question mid-way with the fees and asks again, storing it as no answer", async () => {
    const [name, dateOfBirth, ...rest] = alfiesAnswerMessages;
    const replies = await register("+447700900309", [name, dateOfBirth, "how much is it?", ...rest]);
    expect(replies[3]).toContain("The one-off membership fee is £40");
    expect(replies[3]).toContain("medical conditions, allergies or medication");
    expect(replies.at(-2)).toContain("Medical conditions, allergies, medication: None");
    expect(replies.at(-1)).toContain("is submitted");
  });

  it("refuses an unsigned message with 403", async () => {
    const response = await webhook.invoke(proxyEvent({ path: "/webhook", body: formBody(inboundMessage()) }));
    expect(response.statusCode).toBe(403);
  });
});

describe("the deployed status function", () => {
  const tel = "+447700900303";
  const registration = async () => (await createRegistrationStore(registrationsTableEnv).readParent(tel)).registrations[0];
  const callback = (sid: string, messageStatus: string, more: Record<string, string> = {}) => ({
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: testCredentials.accountSid,
    From: "whatsapp:+14155238886",
    To: `whatsapp:${tel}`,
    MessageStatus: messageStatus,
    SmsStatus: messageStatus,
    ApiVersion: "2010-04-01",
    ...more,
  });
  const post = (fields: Record<string, string>) => status.invoke(signedEvent(fields, { url: statusCallbackUrl }));

  it("is the stage URL + /status, which every invite asks Twilio to post its statuses to", async () => {
    expect(statusCallbackUrl).toBe(`${result.outputs.apiUrl.value}/status`);
    const response = await trigger.invoke(triggerEvent({ ...validInvite, parent_tel: tel }));
    expect(response.statusCode, response.body).toBe(200);
    expect(services.twilio.messages.at(-1)).toMatchObject({ To: `whatsapp:${tel}`, StatusCallback: statusCallbackUrl });
  });

  it("records signed statuses forward only, each once, and refuses an unsigned one", async () => {
    const sid = services.twilio.messages.at(-1)!.sid;
    for (const messageStatus of ["sent", "delivered"]) expect((await post(callback(sid, messageStatus))).statusCode).toBe(200);
    const delivered = await registration();
    expect(delivered).toMatchObject({ invite_message_sid: sid, invite_status: "delivered" });
    for (const messageStatus of ["delivered", "sent"]) expect((await post(callback(sid, messageStatus))).statusCode).toBe(200);
    expect(await registration()).toEqual(delivered);
    const unsigned = await status.invoke(proxyEvent({ path: "/status", body: formBody(callback(sid, "read")) }));
    expect(unsigned.statusCode).toBe(403);
    expect(await registration()).toEqual(delivered);
  });

  it("keeps a failure's error code, which the export shows", async () => {
    const resent = await trigger.invoke(triggerEvent({ ...validInvite, parent_tel: tel, resend: true }));
    const sid = JSON.parse(resent.body).message_sid as string;
    expect((await post(callback(sid, "undelivered", { ErrorCode: "63024" }))).statusCode).toBe(200);
    const response = await exporter.invoke(exportEvent({ apiKeyId: exportApiKeyId, query: { season: "2025-26" } }));
    const rows = JSON.parse(response.body).registrations as Record<string, string>[];
    const { registration_id } = await registration();
    expect(rows.find((row) => row.registration_id === registration_id)).toMatchObject({
      invite_status: "undelivered",
      invite_error_code: "63024",
    });
  });
});

describe("the deployed export", () => {
  const store = () => createRegistrationStore(registrationsTableEnv);
  // 3,000 players, written with the store a few at a time: dynalite is one process. A season of
  // their own, so the invites and conversations of the tests above are not among them, and one
  // parent's number that no test opts out (a STOP above would refuse the players of that number).
  const season = "2024-25";
  const parent_tel = "+447700900998";
  const players = Array.from({ length: 3_000 }, (_, index) =>
    registrationRecord({ season, parent_tel, team_name: index % 2 ? "Lions" : "Tigers", status: index % 3 ? "in_progress" : "submitted" }),
  );

  beforeAll(async () => {
    for (let start = 0; start < players.length; start += 50) {
      const outcomes = await Promise.all(players.slice(start, start + 50).map((player) => store().create(player)));
      expect(outcomes.filter((outcome) => outcome.outcome !== "created")).toEqual([]);
    }
  }, 120_000);

  it("answers every one of 3,000 registrations in one JSON answer, under Lambda's 6 MB", async () => {
    const response = await exporter.invoke(exportEvent({ apiKeyId: exportApiKeyId, query: { season } }));
    expect(response.statusCode).toBe(200);
    expect(Buffer.byteLength(response.body)).toBeLessThan(6 * 1024 * 1024);
    const body = JSON.parse(response.body) as { registrations: { registration_id: string }[]; next_cursor?: string };
    expect(body.next_cursor).toBeUndefined();
    expect(body.registrations.map((row) => row.registration_id).sort()).toEqual(players.map((player) => player.registration_id).sort());
  });

  it("filters, in any case, and answers CSV as an attachment", async () => {
    const response = await exporter.invoke(
      exportEvent({ apiKeyId: exportApiKeyId, query: { season, team_name: "LIONS", status: "submitted", format: "csv" } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["Content-Disposition"]).toBe('attachment; filename="registrations-2024-25.csv"');
    const lines = response.body.split("\r\n").filter(Boolean);
    const expected = players.filter((player) => player.team_name === "Lions" && player.status === "submitted");
    expect(lines).toHaveLength(expected.length + 1);
    expect(lines[0].startsWith("\uFEFFregistration_id,status,")).toBe(true);
    expect(lines.slice(1).every((line) => line.includes(",submitted,2024-25,Lions,"))).toBe(true);
  });

  it("refuses the invite key's id with 403", async () => {
    const response = await exporter.invoke(exportEvent({ apiKeyId: inviteApiKeyId }));
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([403, { error: "Forbidden: these routes need the export API key." }]);
  });

  it("erases a registration so that nothing personal of it is left in the table", async () => {
    const [erased] = players;
    const response = await exporter.invoke(exportEvent({ apiKeyId: exportApiKeyId, method: "DELETE", id: erased.registration_id }));
    expect([response.statusCode, JSON.parse(response.body).status]).toEqual([200, "erased"]);
    const items = await services.dynamoDb.items(registrationsTableEnv.SIGNON_REGISTRATIONS_TABLE);
    const table = JSON.stringify(items);
    for (const name of [erased.player_first_name, erased.player_legal_name!]) expect(table).not.toContain(`"${name}"`);
    // What is left of it is the tombstone: its id, status and date, keys that name no one, and when it expires.
    const left = items.filter((item) => JSON.stringify(item).includes(erased.registration_id));
    expect(left.map((item) => Object.keys(item).sort())).toEqual([
      ["erased_at", "pk", "registration_id", "retain_until", "season", "season_order", "sk", "status"],
    ]);
    expect(JSON.stringify(left)).not.toContain(erased.parent_tel);
    const { variables } = functionNamed("export").inputs.environment as { variables: Record<string, string> };
    const logged = (await services.dynamoDb.items(variables.SIGNON_ERASURE_LOG_TABLE)).map((item) => unmarshall(item as never));
    expect(logged).toContainEqual(expect.objectContaining({ registration_id: erased.registration_id, reason: "club" }));
  });
});

describe("the uploaded remind function", () => {
  it("sends a due reminder with the reminder template when EventBridge's scheduled event comes, and records it", async () => {
    const record = registrationRecord({ status: "invited", parent_tel: "+447700900871", invited_at: "2025-06-02T10:00:00.000Z" });
    expect(await createRegistrationStore(registrationsTableEnv).create(record)).toEqual({ outcome: "created" });
    const sentBefore = services.twilio.messages.length;
    // EventBridge's scheduled event, as the rule delivers it: its time is the run's clock.
    const scheduled = {
      version: "0",
      id: "5e1a6b1c-0d2e-4f3a-8b4c-5d6e7f8a9b0c",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "123456789012",
      time: "2025-06-05T10:00:00Z",
      region: "eu-north-1",
      resources: [`arn:aws:events:eu-north-1:123456789012:rule/${prefix}-remind`],
      detail: {},
    };
    const answer = await reminders.invoke<typeof scheduled, { sent: { registration_id: string }[] }>(scheduled);
    expect(answer.sent.map((sent) => sent.registration_id)).toContain(record.registration_id);
    const sent = services.twilio.messages.slice(sentBefore).filter((message) => message.To === "whatsapp:+447700900871");
    expect(sent).toHaveLength(1);
    expect(sent[0].ContentSid).toBe("HX3c1e5a7f9b2d4c6e8a0b1c2d3e4f5a6b");
    expect(sent[0].StatusCallback).toBe(statusCallbackUrl);
    expect(JSON.parse(sent[0].ContentVariables)).toEqual({
      "1": "Sarah",
      "2": "Urmston Town",
      "3": record.player_first_name,
      "4": "Lions u11s",
    });
    const { registrations } = await createRegistrationStore(registrationsTableEnv).readParent(record.parent_tel);
    expect(registrations[0]).toMatchObject({ reminders_sent: 1, last_reminder_at: "2025-06-05T10:00:00.000Z" });
    expect(reminders.logs()).toContain('"event":"reminder_sent"');

    // The same hour again, as a retried invocation would be: nothing more.
    await reminders.invoke(scheduled);
    expect(services.twilio.messages.filter((message) => message.To === "whatsapp:+447700900871")).toHaveLength(1);
  });
});

describe("the functions, having answered", () => {
  it.each([["trigger"], ["webhook"], ["export"], ["status"], ["remind"]])(
    "have loaded every module their %s package carries",
    async (name) => {
      const fn = functionNamed(name);
      const running = { trigger, webhook, export: exporter, status, remind: reminders }[name]!;
      const loaded = new Set((await running.loadedFiles()).map((file) => path.relative(fn.codeDir!, file)));
      const modules = fn.codeFiles!.filter((file) => file !== "__index.js" && !file.endsWith("package.json"));
      expect(modules.filter((file) => !loaded.has(file))).toEqual([]);
    },
  );
});

describe("the functions' logs", () => {
  it("hold no credential, name or full phone number", () => {
    const logs = trigger.logs() + webhook.logs() + exporter.logs() + status.logs() + reminders.logs();
    expect(logs).toContain('"event":"invite_sent"');
    expect(logs).toContain('"event":"status_recorded"');
    for (const secret of [testCredentials.authToken, testCredentials.accountSid, "Sarah", "Alfie", "Testington", "900123", "900456"]) {
      expect(logs).not.toContain(secret);
    }
  });
});
