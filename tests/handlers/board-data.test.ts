/**
 * The board's data routes (handlers/board/data-routes.ts) against dynalite, the SSM stand-in and
 * the Twilio stand-in, called as the board's handler calls them: a BoardApiRequest for a
 * secretary or a team manager. Scope (a manager sees and invites for their own team only; an id
 * of another team is 404), the CSV byte for byte the export's, an invite, a squad sheet (a
 * Windows-1252 semicolon sheet with a repeated row and a bad row; sent twice, sent once), a
 * resend and an erasure, each with its audit notes.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRegistrationStore } from "../../aws/registration-store";
import { createSettingsReader } from "../../aws/settings-reader";
import type { StoredRegistration } from "../../aws/stored-registration";
import type { BoardApiAnswer, BoardApiRequest, SignedInPerson } from "../../handlers/board/board-api-route";
import { boardDataNpmImports, boardDataSettingKeys, createBoardDataRoutes } from "../../handlers/board/data-routes";
import { functions } from "../../handlers/functions";
import { createAwsCallScope } from "../../plumbing/aws-call-scope";
import { createLog } from "../../plumbing/log";
import { createMetrics } from "../../plumbing/metrics";
import { validInvite } from "../../testkit/fixtures";
import { bodyOf, fastRetry, standInsForFile, testExport } from "../../testkit/handler-under-test";
import { exportEvent, registrationRecord } from "../../testkit/registration-records";
import { sheetRow, windowsSheet } from "../../testkit/squad-sheets";
import { createMessagesClient } from "../../twilio/messages-client";

const erasedAt = new Date("2025-07-01T12:00:00.000Z");
const secretary: SignedInPerson = { name: "Sam Secretary", tel: "+447700900050", role: "secretary", teams: "every team" };
const lionsManager: SignedInPerson = {
  name: "Tess Manager",
  tel: "+447700900060",
  role: "team_manager",
  teams: [{ team_name: "Lions", age_group: "U11" }],
};

const { services, wiring } = standInsForFile();
let routes: ReturnType<typeof createBoardDataRoutes>;
beforeAll(() => {
  const { env, writeLog } = wiring();
  routes = createBoardDataRoutes(
    { timeoutSeconds: 20 },
    {
      env,
      awsCalls: createAwsCallScope(),
      metrics: createMetrics(env, writeLog),
      readSettings: createSettingsReader(boardDataSettingKeys, { env }),
      messagesClient: createMessagesClient({ apiBaseUrl: env.TWILIO_API_BASE_URL, retry: fastRetry }),
      clock: () => erasedAt,
    },
  );
});
beforeEach(() => services().reset());

interface Call {
  person?: SignedInPerson;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: Buffer | string | object;
  remainingMs?: number;
}

let requests = 0;
/** The route `method path` answers this request, as the board's handler would make it. */
function call(
  method: BoardApiRequest["method"],
  path: string,
  { person = secretary, params = {}, query = {}, body, remainingMs = 20_000 }: Call = {},
) {
  const route = routes.find((candidate) => candidate.method === method && candidate.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  const requestId = `board-test-${++requests}`;
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body));
  return route.handle({
    method,
    path,
    params,
    query,
    body: bytes,
    requestId,
    person,
    log: createLog({ request_id: requestId, route: `${method} /board/api${path}` }, wiring().writeLog),
    remaining: { getRemainingTimeInMillis: () => remainingMs },
  });
}

const store = () => createRegistrationStore(services().env);
async function written(...records: StoredRegistration[]) {
  for (const record of records) expect(await store().create(record)).toEqual({ outcome: "created" });
  return records;
}
const idsOf = (answer: BoardApiAnswer) =>
  (bodyOf(answer.result).registrations as { registration_id: string }[]).map((row) => row.registration_id);
const statusOf = (result: APIGatewayProxyResult) => result.statusCode;

const lions = () => registrationRecord({ team_name: "Lions", age_group: "u11s" });
const tigers = () => registrationRecord({ team_name: "Tigers", age_group: "U12" });

describe("GET /registrations", () => {
  it("shows a secretary every team and a team manager their own team only, each row the export's with the page's extras", async () => {
    const [lion, tiger] = await written(
      registrationRecord({
        team_name: "Lions",
        age_group: "u11s",
        invite_status: "undelivered",
        invite_error_code: "63016",
        invite_status_at: "2025-06-03T10:00:00.000Z",
      }),
      tigers(),
    );
    const forSecretary = await call("GET", "/registrations");
    expect(statusOf(forSecretary.result)).toBe(200);
    expect(idsOf(forSecretary).sort()).toEqual([lion.registration_id, tiger.registration_id].sort());
    expect(bodyOf(forSecretary.result).complete).toBe(true);

    const forManager = await call("GET", "/registrations", { person: lionsManager });
    expect(idsOf(forManager)).toEqual([lion.registration_id]);
    const [row] = bodyOf(forManager.result).registrations;
    expect(row).toMatchObject({
      team_name: "Lions",
      medical_notes: "Mild asthma, inhaler in bag",
      invite_error_code: "63016",
      invite_error_meaning: "outside WhatsApp's 24-hour window: the message was not the approved template",
      // Later than updated_at (2025-06-02).
      last_activity_at: "2025-06-03T10:00:00.000Z",
    });
    expect(forManager.audit ?? []).toEqual([]);
  });

  it("carries each payment's statuses, and says why a failed fee needs the club; a paid one or none says nothing", async () => {
    const submitted = { team_name: "Lions", age_group: "u11s", status: "submitted" } as const;
    const [failed, paid, none] = await written(
      registrationRecord({
        ...submitted,
        payment: {
          fee_status: "failed",
          mandate_status: "cancelled",
          subscription_status: "none",
          fee_charged_back_at: "2025-06-09T00:00:00.000Z",
        },
      }),
      registrationRecord({
        ...submitted,
        payment: { fee_status: "paid", mandate_status: "active", subscription_status: "active", fee_paid_at: "2025-06-03T08:15:00.000Z" },
      }),
      registrationRecord(submitted),
    );
    const rows = bodyOf((await call("GET", "/registrations", { person: lionsManager })).result).registrations as Record<string, unknown>[];
    const rowOf = (record: StoredRegistration) => rows.find((row) => row.registration_id === record.registration_id);
    expect(rowOf(failed)).toMatchObject({ fee_status: "failed", mandate_status: "cancelled", subscription_status: "none" });
    expect(rowOf(failed)?.payment_problem).toBe(
      "The signing-on fee was not paid: the bank payment failed, was cancelled, or was taken back by the bank. The Direct Debit was cancelled too.",
    );
    expect(rowOf(paid)).toMatchObject({ fee_status: "paid", fee_paid_at: "2025-06-03T08:15:00.000Z" });
    expect(rowOf(paid)).not.toHaveProperty("payment_problem");
    expect(rowOf(none)).not.toHaveProperty("fee_status");
    expect(rowOf(none)).not.toHaveProperty("payment_problem");
  });

  it("filters as the export does, and refuses a parameter it does not take, naming it", async () => {
    const [, submitted] = await written(lions(), registrationRecord({ team_name: "Lions", age_group: "u11s", status: "submitted" }));
    expect(idsOf(await call("GET", "/registrations", { query: { status: "Submitted" } }))).toEqual([submitted.registration_id]);
    const refused = await call("GET", "/registrations", { query: { cursor: "x" } });
    expect(statusOf(refused.result)).toBe(400);
    expect(bodyOf(refused.result).message).toContain('"cursor"');
  });

  it("shows a secretary an erased registration and a team manager none", async () => {
    const [lion] = await written(lions());
    expect(statusOf((await call("DELETE", "/registrations/{id}", { params: { id: lion.registration_id } })).result)).toBe(200);
    expect(bodyOf((await call("GET", "/registrations")).result).registrations).toEqual([
      {
        registration_id: lion.registration_id,
        status: "erased",
        updated_at: erasedAt.toISOString(),
        last_activity_at: erasedAt.toISOString(),
      },
    ]);
    expect(idsOf(await call("GET", "/registrations", { person: lionsManager }))).toEqual([]);
  });
});

describe("GET /registrations.csv", () => {
  it("is byte for byte the export's CSV, and notes the export in the audit log", async () => {
    await written(lions(), tigers(), registrationRecord({ player_first_name: "=cmd", status: "needs_club" }));
    const board = await call("GET", "/registrations.csv");
    const exported = await testExport(wiring())(exportEvent({ query: { format: "csv" } }));
    expect(board.result.statusCode).toBe(200);
    expect(board.result.body).toBe(exported.body);
    expect(board.result.headers).toEqual(exported.headers);
    expect(board.audit).toEqual([{ action: "export", count: 3 }]);
  });
});

describe("POST /invites", () => {
  it("sends a team manager's invite for their team as the trigger does, and notes it", async () => {
    const answer = await call("POST", "/invites", { person: lionsManager, body: validInvite });
    expect(statusOf(answer.result)).toBe(200);
    const body = bodyOf(answer.result);
    expect(body).toMatchObject({
      status: "message_sent",
      team: "Lions U11",
      duplicate: false,
      request_id: expect.stringMatching(/^board-test-/),
    });
    expect(services().twilio.messages).toHaveLength(1);
    expect(answer.audit).toEqual([{ action: "invite", registration_id: body.registration_id, subject: "Lions U11" }]);

    const again = await call("POST", "/invites", { person: lionsManager, body: validInvite });
    expect(bodyOf(again.result)).toMatchObject({ duplicate: true, registration_id: body.registration_id });
    expect(again.audit).toBeUndefined();
    expect(services().twilio.messages).toHaveLength(1);
  });

  it("refuses a team manager's invite for another team with 403 naming it, and sends nothing", async () => {
    const answer = await call("POST", "/invites", {
      person: lionsManager,
      body: { ...validInvite, team_name: "Tigers", age_group: "under 12s" },
    });
    expect(statusOf(answer.result)).toBe(403);
    expect(bodyOf(answer.result)).toMatchObject({ error: "team_not_yours" });
    expect(bodyOf(answer.result).message).toContain("Tigers U12");
    expect(services().twilio.messages).toHaveLength(0);
    expect(await store().listSeason("2025-26", {})).toEqual({ registrations: [] });
  });

  it("answers a bad invite with the trigger's own 400, naming each field", async () => {
    const answer = await call("POST", "/invites", { body: { ...validInvite, parent_tel: "not a number" } });
    expect(statusOf(answer.result)).toBe(400);
    expect(bodyOf(answer.result)).toMatchObject({ error: "invalid_request", problems: [{ field: "parent_tel" }] });
  });
});

describe("POST /registrations/{id}/resend and DELETE /registrations/{id}", () => {
  it("resends a team manager's own registration, and answers 404 for another team's, as for an id that does not exist", async () => {
    const sent = bodyOf((await call("POST", "/invites", { body: validInvite })).result);
    const [tiger] = await written(tigers());
    const resent = await call("POST", "/registrations/{id}/resend", { person: lionsManager, params: { id: sent.registration_id } });
    expect(statusOf(resent.result)).toBe(200);
    expect(bodyOf(resent.result)).toMatchObject({ registration_id: sent.registration_id, duplicate: false, status: "message_sent" });
    expect(services().twilio.messages).toHaveLength(2);
    expect(resent.audit).toEqual([{ action: "resend", registration_id: sent.registration_id }]);

    const otherTeam = await call("POST", "/registrations/{id}/resend", { person: lionsManager, params: { id: tiger.registration_id } });
    const noSuch = await call("POST", "/registrations/{id}/resend", {
      person: lionsManager,
      params: { id: "00000000-1111-4222-8333-000000000000" },
    });
    expect([otherTeam.result.statusCode, otherTeam.result.body]).toEqual([noSuch.result.statusCode, noSuch.result.body]);
    expect(statusOf(otherTeam.result)).toBe(404);
    expect(services().twilio.messages).toHaveLength(2);
  });

  it("erases through the export's erasure, its answers and all, and notes only an erasure that happened", async () => {
    const [lion] = await written(lions());
    const erased = await call("DELETE", "/registrations/{id}", { params: { id: lion.registration_id } });
    expect([erased.result.statusCode, bodyOf(erased.result)]).toEqual([
      200,
      { registration_id: lion.registration_id, status: "erased", erased_at: erasedAt.toISOString() },
    ]);
    expect(erased.audit).toEqual([{ action: "erase", registration_id: lion.registration_id }]);
    expect(await store().findById(lion.registration_id)).toMatchObject({ status: "erased" });

    const again = await call("DELETE", "/registrations/{id}", { params: { id: lion.registration_id } });
    expect(bodyOf(again.result)).toMatchObject({ message: "already erased" });
    expect(again.audit).toEqual([]);
    const unknown = await call("DELETE", "/registrations/{id}", { params: { id: "no such id!" } });
    expect(statusOf(unknown.result)).toBe(400);
  });
});

describe("POST /invites/sheet", () => {
  // Row 2 new, row 3 invited before, row 4 repeats row 2, row 5 a bad number, row 6 another team.
  const sheet = windowsSheet([
    sheetRow("Aoife", "07700 900201"),
    sheetRow("Bríd", "07700 900202"),
    sheetRow("Aoife", "+44 7700 900201"),
    sheetRow("Cara", "not a number"),
    sheetRow("Dara", "07700 900204", "Tigers", "U12"),
  ]);

  it("previews every row of a Windows-1252 semicolon sheet: one bad row shown, a repeat and an invited player flagged, nothing sent", async () => {
    await call("POST", "/invites", {
      body: { ...validInvite, player_first_name: "Bríd", player_last_name: "Ó Briain", parent_tel: "07700 900202" },
    });
    const preview = await call("POST", "/invites/sheet", { person: lionsManager, query: { dry_run: "true" }, body: sheet });
    expect(statusOf(preview.result)).toBe(200);
    const body = bodyOf(preview.result);
    expect(body.read_as).toBe("Windows-1252, cells separated by semicolons");
    expect(body.rows.map(({ row, player, status }: Record<string, unknown>) => [row, player, status])).toEqual([
      [2, "Aoife Ó Briain", "would_send"],
      [3, "Bríd Ó Briain", "already_invited"],
      [4, "Aoife Ó Briain", "repeated"],
      [5, "Cara Ó Briain", "invalid"],
      [6, "Dara Ó Briain", "invalid"],
    ]);
    expect(body.rows[2].problems).toEqual(["row 4: same player as row 2"]);
    expect(body.rows[3].problems).toEqual([expect.stringMatching(/^row 5: Parent tel is not a phone number/)]);
    expect(body.rows[4].problems).toEqual(["row 6: Tigers U12 is not one of your teams"]);
    expect(body.summary).toEqual({ rows: 5, would_send: 1, already_invited: 1, repeated: 1, invalid: 2 });
    expect(services().twilio.messages).toHaveLength(1);
    expect(preview.audit).toEqual([]);
  });

  it("sends each valid row once, and sending the same sheet again sends nothing twice", async () => {
    const first = await call("POST", "/invites/sheet", { body: sheet });
    const statuses = (answer: BoardApiAnswer) => bodyOf(answer.result).rows.map((row: { status: string }) => row.status);
    expect(statuses(first)).toEqual(["sent", "sent", "repeated", "invalid", "sent"]);
    expect(
      services()
        .twilio.messages.map((message) => message.To)
        .sort(),
    ).toEqual(["whatsapp:+447700900201", "whatsapp:+447700900202", "whatsapp:+447700900204"].sort());
    expect(first.audit).toEqual(
      expect.arrayContaining([
        { action: "invite", count: 2, subject: "Lions U11" },
        { action: "invite", count: 1, subject: "Tigers U12" },
      ]),
    );

    const second = await call("POST", "/invites/sheet", { body: sheet });
    expect(statuses(second)).toEqual(["already_invited", "already_invited", "repeated", "invalid", "already_invited"]);
    expect(services().twilio.messages).toHaveLength(3);
    expect(second.audit).toEqual([]);
  });

  it("leaves the rows it has no time for as not_sent, to be sent by sending the sheet again", async () => {
    const late = await call("POST", "/invites/sheet", { body: sheet, remainingMs: 1_000 });
    expect(bodyOf(late.result).rows.map((row: { status: string }) => row.status)).toEqual([
      "not_sent",
      "not_sent",
      "repeated",
      "invalid",
      "not_sent",
    ]);
    expect(services().twilio.messages).toHaveLength(0);
  });

  it("refuses a sheet it cannot read at all with 400, naming each problem", async () => {
    const answer = await call("POST", "/invites/sheet", { body: "Parent first name,Shoe size\nSarah,5\n" });
    expect(statusOf(answer.result)).toBe(400);
    const body = bodyOf(answer.result);
    expect(body.error).toBe("invalid_sheet");
    expect(body.problems).toContain('row 1: column B "Shoe size" is not a field of the invite: rename it or delete the column');
    expect(body.hint).toMatch(/^The columns are/);
  });
});

it("uses the trigger's settings, no more, and the trigger's and the export's npm modules with the squad sheet's", () => {
  expect(boardDataSettingKeys).toEqual(functions.trigger.settingKeys.filter((key) => key !== "exportApiKeyId"));
  expect(new Set(boardDataNpmImports)).toEqual(
    new Set([...functions.trigger.npmImports, ...functions.export.npmImports, "csv-parse/sync", "safe-stable-stringify"]),
  );
});
