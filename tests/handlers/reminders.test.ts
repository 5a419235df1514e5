/**
 * The reminders (handlers/reminders.ts) against dynalite behind the transactions proxy, the SSM
 * stand-in and the Twilio stand-in, which holds each send to Twilio's Messages schema: who is
 * reminded over a week of runs, who never is, claims that overlapping runs cannot both win, a
 * refused send that gives its claim back, and the export showing what went.
 */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { createRegistrationStore } from "../../aws/registration-store";
import type { StoredRegistration } from "../../aws/stored-registration";
import { environmentVariables } from "../../config/settings";
import type { RemindersAnswer } from "../../handlers/reminders";
import { clubSettings, parameterPath, settingsParameters } from "../../testkit/fixtures";
import { bodyOf, standInsForFile, testExport, testReminders, testWebhook } from "../../testkit/handler-under-test";
import { withSsmContents } from "../../testkit/local-services";
import { exportEvent, registrationRecord } from "../../testkit/registration-records";
import { inboundMessage, signedEvent } from "../../testkit/twilio-webhook";

const { services, wiring, logLines } = standInsForFile();
const env = () => services().env;
const store = () => createRegistrationStore(env());
const reminders = (runEnv = env()) => testReminders({ ...wiring(), env: runEnv });
const runAt = (time: string, handler = reminders()) => handler({ id: `test-${time}`, time });
// Invited on Monday 2 June 2025 at 11:00 London time (BST).
const invitedAt = "2025-06-02T10:00:00.000Z";

/** A registration waiting on its parent (each call another player and parent), written as the trigger leaves one. */
async function waiting(overrides: Partial<StoredRegistration> = {}): Promise<StoredRegistration> {
  const record = { ...registrationRecord({ status: "invited", invited_at: invitedAt, version: 2 }), ...overrides };
  expect(await store().create(record)).toEqual({ outcome: "created" });
  return record;
}

const ran = (answer: RemindersAnswer) => {
  if ("error" in answer) throw new Error(answer.error);
  return answer;
};
const reasonOf = (answer: RemindersAnswer, id: string) => ran(answer).skipped.find((skip) => skip.registration_id === id)?.reason;
const sentIds = (answer: RemindersAnswer) => ran(answer).sent.map((sent) => sent.registration_id);

beforeEach(async () => {
  await services().reset();
});

describe("a week of hourly runs for one invited parent", () => {
  it("reminds on day 3 and day 6 with the reminder template, never in quiet hours or twice a day, then stops at the max", async () => {
    const registration = await waiting();
    const runs: [string, string, "sent" | string][] = [
      ["day 1", "2025-06-03T10:00:00Z", "too_soon"],
      ["day 3", "2025-06-05T10:00:00Z", "sent"],
      ["day 3 again", "2025-06-05T16:00:00Z", "reminded_today"],
      ["day 6, 08:30 London", "2025-06-08T07:30:00Z", "quiet_hours"],
      ["day 6", "2025-06-08T10:00:00Z", "sent"],
      ["day 9", "2025-06-11T10:00:00Z", "max_reached"],
    ];
    const seen = [];
    for (const [label, time] of runs) {
      const answer = ran(await runAt(time));
      const outcome = answer.quiet_hours
        ? "quiet_hours"
        : sentIds(answer).includes(registration.registration_id)
          ? "sent"
          : reasonOf(answer, registration.registration_id);
      seen.push([label, time, outcome]);
    }
    expect(seen).toEqual(runs);

    const { messages } = services().twilio;
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).toMatchObject({
        From: `whatsapp:${clubSettings.whatsappNumber}`,
        To: `whatsapp:${registration.parent_tel}`,
        ContentSid: clubSettings.reminderTemplateSid,
      });
      expect(JSON.parse(message.ContentVariables)).toEqual({
        "1": "Sarah",
        "2": "Urmston Town",
        "3": registration.player_first_name,
        "4": "Lions u11s",
      });
    }
    const { registrations } = await store().readParent(registration.parent_tel);
    expect(registrations[0]).toMatchObject({
      reminders_sent: 2,
      last_reminder_at: "2025-06-08T10:00:00.000Z",
      version: registration.version + 2,
      // The conversation's "latest registration" reads updated_at: a reminder leaves it.
      updated_at: registration.updated_at,
    });

    const exported = bodyOf(await testExport(wiring())(exportEvent())).registrations;
    expect(exported.find((row: { registration_id: string }) => row.registration_id === registration.registration_id)).toMatchObject({
      reminders_sent: 2,
      last_reminder_at: "2025-06-08T10:00:00.000Z",
    });
  });

  it("counts from the parent's last message, as the webhook records it", async () => {
    const registration = await waiting();
    const webhook = testWebhook(wiring(), { clock: () => new Date("2025-06-04T10:00:00Z") });
    const reply = await webhook(signedEvent(inboundMessage({ From: `whatsapp:${registration.parent_tel}` })));
    expect(reply.statusCode).toBe(200);
    expect((await store().readParent(registration.parent_tel)).contact?.last_message_at).toBe("2025-06-04T10:00:00.000Z");

    expect(reasonOf(await runAt("2025-06-05T10:00:00Z"), registration.registration_id)).toBe("too_soon");
    expect(sentIds(await runAt("2025-06-07T10:00:00Z"))).toEqual([registration.registration_id]);
  });
});

describe("who never gets a reminder", () => {
  it.each(["submitted", "declined", "needs_club", "opted_out"] as const)("a registration %s", async (status) => {
    const registration = await waiting({ status });
    const answer = await runAt("2025-06-05T10:00:00Z");
    expect(reasonOf(answer, registration.registration_id)).toBe("not_waiting");
    expect(services().twilio.messages).toEqual([]);
  });

  it("an erased registration, and a parent who sent STOP", async () => {
    const erased = await waiting();
    expect(await store().erase(erased, new Date("2025-06-03T10:00:00Z"), "club")).toBe(true);
    const stopped = await waiting({ status: "in_progress" });
    const optedOut = {
      parent_tel: stopped.parent_tel,
      version: 1,
      recent_messages: [],
      opted_out: true,
      opted_out_at: "2025-06-03T10:00:00Z",
    };
    expect(await store().writeConversation({ tel: stopped.parent_tel, contact: { after: optedOut }, registrations: [] })).toBe(true);

    const answer = await runAt("2025-06-05T10:00:00Z");
    expect(reasonOf(answer, erased.registration_id)).toBe("not_waiting");
    expect(reasonOf(answer, stopped.registration_id)).toBe("parent_opted_out");
    expect(services().twilio.messages).toEqual([]);
  });

  it("anyone, when the stack has no reminder template: the run says so", async () => {
    await waiting();
    const parameters = settingsParameters(parameterPath, { ...clubSettings, reminderTemplateSid: "none" });
    const answer = await withSsmContents(env(), { parameters }, (unconfigured) => runAt("2025-06-05T10:00:00Z", reminders(unconfigured)));
    expect(answer).toMatchObject({ configured: false, sent: [], skipped: [] });
    expect(services().twilio.messages).toEqual([]);
    expect(logLines.some((line) => line.includes('"reminders_not_configured"'))).toBe(true);
  });
});

describe("a change of season", () => {
  /** The stack moved on: `pulumi config set signon:registration.season 2026-27` and `pulumi up`. */
  const nextSeason = <T>(body: (runEnv: Record<string, string>) => Promise<T>) =>
    withSsmContents(env(), { parameters: settingsParameters(parameterPath, { ...clubSettings, season: "2026-27" }) }, body);
  const exportRows = async (query: Record<string, string>) =>
    bodyOf(await testExport(wiring())(exportEvent({ query }))).registrations as {
      registration_id: string;
      status: string;
    }[];

  it("closes last season's unfinished registrations as lapsed, at any hour, once: the export shows them, and only this season is reminded", async () => {
    const invited = await waiting();
    const inProgress = await waiting({ status: "in_progress" });
    // Closed lately: within the club's period for declined and handed-over registrations.
    const finished = await Promise.all(
      (["submitted", "needs_club", "declined", "opted_out"] as const).map((status) =>
        waiting({ status, updated_at: "2026-05-20T10:00:00.000Z" }),
      ),
    );
    // The same family, invited again for the new season.
    const thisSeason = await waiting({
      season: "2026-27",
      parent_tel: invited.parent_tel,
      player_first_name: invited.player_first_name,
      invited_at: "2026-06-01T10:00:00.000Z",
    });

    const atNight = await nextSeason((runEnv) => runAt("2026-06-04T22:00:00Z", reminders(runEnv)));
    expect(ran(atNight)).toMatchObject({ quiet_hours: true, sent: [] });
    expect(ran(atNight).lapsed.sort()).toEqual([invited.registration_id, inProgress.registration_id].sort());
    expect(logLines.some((line) => line.includes('"registrations_lapsed"') && line.includes('"count":2'))).toBe(true);

    const { registrations } = await store().readParent(invited.parent_tel);
    expect(registrations.find((registration) => registration.registration_id === invited.registration_id)).toEqual({
      ...invited,
      status: "lapsed",
      updated_at: "2026-06-04T22:00:00.000Z",
      version: invited.version + 1,
    });
    const lastSeason = await exportRows({ season: "2025/26" });
    const statusOf = (id: string) => lastSeason.find((row) => row.registration_id === id)?.status;
    expect([invited, inProgress, ...finished].map((registration) => statusOf(registration.registration_id))).toEqual([
      "lapsed",
      "lapsed",
      "submitted",
      "needs_club",
      "declined",
      "opted_out",
    ]);
    expect((await exportRows({ season: "2025-2026", status: "lapsed" })).map((row) => row.registration_id).sort()).toEqual(
      [invited.registration_id, inProgress.registration_id].sort(),
    );

    const morning = ran(await nextSeason((runEnv) => runAt("2026-06-05T10:00:00Z", reminders(runEnv))));
    expect(morning.lapsed).toEqual([]);
    expect(morning.sent.map((sent) => sent.registration_id)).toEqual([thisSeason.registration_id]);
    expect(services().twilio.messages.map((message) => JSON.parse(message.ContentVariables)["4"])).toEqual(["Lions u11s"]);
  });

  it("closes each once when two runs overlap: the write is conditional on the version read", async () => {
    const [first, second] = [await waiting(), await waiting({ status: "in_progress" })];
    const answers = await nextSeason((runEnv) =>
      Promise.all([runAt("2026-06-05T10:00:00Z", reminders(runEnv)), runAt("2026-06-05T10:00:00Z", reminders(runEnv))]),
    );
    expect(answers.flatMap((answer) => ran(answer).lapsed).sort()).toEqual([first.registration_id, second.registration_id].sort());
    for (const registration of [first, second]) {
      expect((await store().readParent(registration.parent_tel)).registrations[0]).toMatchObject({
        status: "lapsed",
        version: registration.version + 1,
      });
    }
  });

  it("leaves the stack's own season and a later one as they are", async () => {
    const current = await waiting();
    const later = await waiting({ season: "2026-27", invited_at: "2026-06-01T10:00:00.000Z" });
    expect(ran(await runAt("2025-06-05T10:00:00Z")).lapsed).toEqual([]);
    const stored = await Promise.all(
      [current, later].map(async (registration) => (await store().readParent(registration.parent_tel)).registrations[0]),
    );
    expect(stored.map((registration) => registration.status)).toEqual(["invited", "invited"]);
    expect(services().twilio.messages.map((message) => message.To)).toEqual([`whatsapp:${current.parent_tel}`]);
  });
});

describe("declined and handed-over registrations", () => {
  const erasureLog = async () =>
    (await services().dynamoDb.items(env()[environmentVariables.erasureLogTable])).map((item) => unmarshall(item as never));

  it("are reduced to a tombstone once unchanged for the club's 30 days, at any hour, with the erasure log's entry, and the contact with the last", async () => {
    const declined = await waiting({ status: "declined", player_first_name: "Zebedee", updated_at: "2025-06-03T10:00:00.000Z" });
    const handedOver = await waiting({ status: "needs_club", updated_at: "2025-06-20T10:00:00.000Z" });
    const submitted = await waiting({ status: "submitted", updated_at: "2025-06-03T10:00:00.000Z" });
    const contact = {
      parent_tel: declined.parent_tel,
      opted_out: false,
      version: 1,
      recent_messages: ["mark-1"],
      retain_until: declined.retain_until,
    };
    expect(await store().writeConversation({ tel: declined.parent_tel, contact: { after: contact }, registrations: [] })).toBe(true);

    // 29 days after the decline: nothing yet.
    expect(ran(await runAt("2025-07-02T09:00:00Z")).reduced).toEqual([]);
    // 30 days after it, at night: the declined one only; the handed-over one has days to go.
    const night = "2025-07-03T23:00:00.000Z";
    expect(ran(await runAt(night)).reduced).toEqual([declined.registration_id]);
    expect(logLines.some((line) => line.includes('"registrations_reduced"') && line.includes('"count":1'))).toBe(true);
    expect(await store().findById(declined.registration_id)).toEqual({
      registration_id: declined.registration_id,
      status: "erased",
      season: declined.season,
      erased_at: night,
      retain_until: declined.retain_until,
    });
    expect(await store().readParent(declined.parent_tel)).toEqual({ registrations: [] });
    expect(JSON.stringify(await services().dynamoDb.items(env()[environmentVariables.registrationsTable]))).not.toContain("Zebedee");
    expect(await erasureLog()).toEqual([
      { registration_id: declined.registration_id, erased_at: night, reason: "closed", retain_until: declined.retain_until },
    ]);

    expect(ran(await runAt("2025-07-20T10:00:00Z")).reduced).toEqual([handedOver.registration_id]);
    expect((await store().findById(submitted.registration_id))?.status).toBe("submitted");
    expect(ran(await runAt("2025-07-21T10:00:00Z")).reduced).toEqual([]);
  });

  it("after the club's own period, and in last season's registrations too", async () => {
    const lastSeason = await waiting({ status: "declined", season: "2024-25", updated_at: "2025-06-01T10:00:00.000Z" });
    const thisSeason = await waiting({ status: "declined", updated_at: "2025-06-01T10:00:00.000Z" });
    const parameters = settingsParameters(parameterPath, { ...clubSettings, closedRetentionDays: "7" });
    const answer = await withSsmContents(env(), { parameters }, (weekly) => runAt("2025-06-08T10:00:00Z", reminders(weekly)));
    expect(ran(answer).reduced.sort()).toEqual([lastSeason.registration_id, thisSeason.registration_id].sort());
    expect((await erasureLog()).map((entry) => entry.reason)).toEqual(["closed", "closed"]);
  });
});

describe("sending once", () => {
  it("two runs at once send each reminder once: the claim is a conditional write", async () => {
    const [first, second] = [await waiting(), await waiting()];
    const answers = await Promise.all([runAt("2025-06-05T10:00:00Z"), runAt("2025-06-05T10:00:00Z", reminders())]);
    expect(answers.flatMap(sentIds).sort()).toEqual([first.registration_id, second.registration_id].sort());
    expect(
      services()
        .twilio.messages.map((message) => message.To)
        .sort(),
    ).toEqual([`whatsapp:${first.parent_tel}`, `whatsapp:${second.parent_tel}`].sort());
  });

  it("a send Twilio refuses gives the claim back, so the next run sends it", async () => {
    const registration = await waiting();
    services().twilio.failNext({ status: 400, code: 63016, message: "Outside the allowed window" });
    const refused = await runAt("2025-06-05T10:00:00Z");
    expect(reasonOf(refused, registration.registration_id)).toBe("twilio_refused");
    const { registrations } = await store().readParent(registration.parent_tel);
    expect(registrations[0].reminders_sent).toBeUndefined();
    expect(registrations[0].last_reminder_at).toBeUndefined();

    expect(sentIds(await runAt("2025-06-05T11:00:00Z"))).toEqual([registration.registration_id]);
    expect(services().twilio.messages).toHaveLength(1);
  });

  it("claims nothing once the function's time is nearly up, so the next run sends what this one could not", async () => {
    const registration = await waiting();
    const nearlyOut = { getRemainingTimeInMillis: () => 4_000 };
    const answer = await reminders()({ id: "test-out-of-time", time: "2025-06-05T10:00:00Z" }, nearlyOut);
    expect(reasonOf(answer, registration.registration_id)).toBe("out_of_time");
    expect(services().twilio.messages).toEqual([]);
    expect(sentIds(await runAt("2025-06-05T11:00:00Z"))).toEqual([registration.registration_id]);
  });

  it("refuses a time that is not an instant, naming it, and sends nothing", async () => {
    await waiting();
    expect(await runAt("5 June 2025")).toEqual({
      error: "time must be an ISO 8601 instant with its offset, such as 2025-06-05T10:00:00Z",
    });
    expect(services().twilio.messages).toEqual([]);
  });
});
