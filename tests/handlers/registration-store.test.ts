/**
 * The registration store against dynalite behind the transactions proxy: one registration per
 * player, opt-outs honoured, Idempotency-Keys kept, conversation steps all or nothing, erasure
 * that leaves nothing personal, and a season listed complete page by page.
 */
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistrationStore, createRegistrationsTableCall } from "../../aws/registration-store";
import type { StoredRegistration } from "../../aws/stored-registration";
import { erasureLogTableDefinition } from "../../config/erasure-log";
import { registrationsTableDefinition } from "../../config/registrations-table";
import { environmentVariables } from "../../config/settings";
import { startTransactionsProxy, type TransactionsProxy } from "../../local/stand-ins/dynamodb-transactions";
import { invitedRegistration } from "../../testkit/registrations";

let server: ReturnType<typeof dynalite>;
let proxy: TransactionsProxy;
let env: Record<string, string>;
let tableCounter = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  proxy = await startTransactionsProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  env = {
    AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
    AWS_REGION: "eu-north-1",
    AWS_ACCESS_KEY_ID: "fake-access-key-for-local-stand-ins",
    AWS_SECRET_ACCESS_KEY: "fake-secret-key-for-local-stand-ins",
  };
});

afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

/** A store on a table of its own, so each test starts empty. */
async function freshStore() {
  const tableEnv = {
    ...env,
    [environmentVariables.registrationsTable]: `registrations-${++tableCounter}`,
    [environmentVariables.erasureLogTable]: `erasures-${tableCounter}`,
  };
  const { call, tableName } = createRegistrationsTableCall(tableEnv);
  await call("CreateTable", registrationsTableDefinition(tableName()));
  await call("CreateTable", erasureLogTableDefinition(tableEnv[environmentVariables.erasureLogTable]));
  const scan = async () => JSON.stringify((await call("Scan", { TableName: tableName() })).Items);
  return { store: createRegistrationStore(tableEnv), scan };
}

let idCounter = 0;
function registration(overrides: Partial<StoredRegistration> = {}): StoredRegistration {
  ++idCounter;
  return invitedRegistration({
    registration_id: `reg-${idCounter}`,
    invited_at: `2025-06-01T10:00:${String(idCounter % 60).padStart(2, "0")}.000Z`,
    retain_until: 1_819_584_000,
    ...overrides,
  });
}

describe("the registration store", () => {
  it("keeps one registration per player, however the name is typed", async () => {
    const { store } = await freshStore();
    const first = registration();
    expect(await store.create(first)).toEqual({ outcome: "created" });
    const again = await store.create(registration({ player_first_name: " alfie ", player_last_name: "TESTINGTON", team_name: "lions" }));
    expect(again).toEqual({ outcome: "exists", registration: first });
    expect((await store.readParent("+447700900123")).registrations).toEqual([first]);
  });

  it("refuses a parent who opted out (the conversation's STOP), and creates nothing; START lets invites through again", async () => {
    const { store } = await freshStore();
    const tel = "+447700900124";
    const optedOut = { parent_tel: tel, version: 1, recent_messages: [], opted_out: true, opted_out_at: "2025-06-01T09:00:00.000Z" };
    expect(await store.writeConversation({ tel, contact: { after: optedOut }, registrations: [] })).toBe(true);
    expect(await store.create(registration({ parent_tel: tel }))).toEqual({ outcome: "opted_out" });
    expect((await store.readParent(tel)).registrations).toEqual([]);
    const optedIn = { parent_tel: tel, version: 2, recent_messages: [], opted_out: false };
    expect(await store.writeConversation({ tel, contact: { before: optedOut, after: optedIn }, registrations: [] })).toBe(true);
    expect(await store.create(registration({ parent_tel: tel }))).toEqual({ outcome: "created" });
  });

  it("tells a retried Idempotency-Key from one reused for another invite", async () => {
    const { store } = await freshStore();
    const first = registration();
    expect(await store.create(first, "key-1")).toEqual({ outcome: "created" });
    // The retry learns where the registration stands now.
    expect(await store.create(registration(), "key-1")).toEqual({ outcome: "key_repeated", registration: first });
    expect(await store.create(registration({ player_first_name: "Mia" }), "key-1")).toEqual({ outcome: "key_reused" });
    expect((await store.readParent("+447700900123")).registrations).toHaveLength(1);
  });

  it("claims a re-send once: a second claim from the same read has moved on", async () => {
    const { store } = await freshStore();
    const invited = registration();
    await store.create(invited);
    const resent = { ...invited, version: 2, invites_sent: 2 };
    expect(await store.claimResend(invited, resent)).toEqual({ outcome: "created" });
    expect(await store.claimResend(invited, { ...resent })).toEqual({ outcome: "moved" });
  });

  it("applies one of two conversation steps read at the same version", async () => {
    const { store } = await freshStore();
    const invited = registration();
    await store.create(invited);
    const { contact, registrations } = await store.readParent(invited.parent_tel);
    const step = (answer: string) =>
      store.writeConversation({
        tel: invited.parent_tel,
        contact: {
          before: contact,
          after: { parent_tel: invited.parent_tel, opted_out: false, version: (contact?.version ?? 0) + 1, recent_messages: [answer] },
        },
        registrations: [
          {
            before: registrations[0],
            after: { ...registrations[0], status: "in_progress", version: registrations[0].version + 1, player_legal_name: answer },
          },
        ],
      });
    const outcomes = await Promise.all([step("first"), step("second")]);
    expect(outcomes.sort()).toEqual([false, true]);
    const after = await store.readParent(invited.parent_tel);
    expect(after.registrations[0].player_legal_name).toBe(after.contact?.recent_messages[0]);
  });

  it("erases a registration: its id, status and date stay, nothing personal does", async () => {
    const { store, scan } = await freshStore();
    const invited = registration({ parent_tel: "+447700900125", medical_notes: "Peanut allergy" });
    await store.create(invited);
    expect(await store.erase(invited, new Date("2025-07-01T12:00:00.000Z"), "club")).toBe(true);
    expect(await store.findById(invited.registration_id)).toEqual({
      registration_id: invited.registration_id,
      status: "erased",
      season: "2025-26",
      erased_at: "2025-07-01T12:00:00.000Z",
      retain_until: invited.retain_until,
    });
    expect((await store.readParent("+447700900125")).registrations).toEqual([]);
    const everything = await scan();
    for (const personal of ["900125", "Alfie", "Testington", "Sarah", "Examplesson", "Peanut"]) expect(everything).not.toContain(personal);
  });

  it("lists a season complete, page by page, in team order, and by team", async () => {
    const { store } = await freshStore();
    const teams = ["Lions", "Cubs", "Lionesses"];
    for (let index = 0; index < 30; index++) {
      await store.create(
        registration({
          team_name: teams[index % 3],
          player_first_name: `Player${index}`,
          parent_tel: `+4477009002${String(index).padStart(2, "0")}`,
        }),
      );
    }
    const listed: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listSeason("2025-26", {}, cursor, 7);
      listed.push(...page.registrations.map((entry) => entry.registration_id));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(new Set(listed).size).toBe(30);
    expect(pages).toBeGreaterThanOrEqual(5);
    const lions = await store.listSeason("2025-26", { team_name: "LIONS" });
    expect(lions.registrations.map((entry) => (entry as StoredRegistration).team_name)).toEqual(Array(10).fill("Lions"));
  });
});
