/**
 * The registration conversation through POST /webhook, in-process against dynalite (behind the
 * transactions proxy) and the SSM stand-in: each message read, applied by the engine and written
 * in one conditional transaction, every reply in the TwiML answer.
 */
import { createHash, createHmac } from "node:crypto";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { parse } from "csv-parse/sync";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createRegistrationStore } from "../../aws/registration-store";
import type { StoredRegistration } from "../../aws/stored-registration";
import { environmentVariables } from "../../config/settings";
import { functions } from "../../handlers/functions";
import { createRegistrationsHandler } from "../../handlers/registrations";
import { testCredentials } from "../../testkit/fixtures";
import { bodyOf, handlerUnderTest, testWebhook } from "../../testkit/handler-under-test";
import { capturing } from "../../testkit/log-capture";
import { exportEvent } from "../../testkit/registration-records";
import { alfiesAnswerMessages, conversationNow, invite, invitedRegistration, parentPhone } from "../../testkit/registrations";
import { inboundMessage, signedEvent } from "../../testkit/twilio-webhook";
import { twimlMessages } from "../../twilio/twiml";

// A test that moves the clock puts it back after (afterEach).
let clockNow = conversationNow;
const { handler, logLines, services } = handlerUnderTest((wiring) => testWebhook(wiring, { clock: () => clockNow }));
const aDayInMs = 24 * 60 * 60 * 1000;
const later = (ms: number) => {
  clockNow = new Date(conversationNow.getTime() + ms);
};

const env = () => services().env;
const store = () => createRegistrationStore(env());
const registrationsTable = () => services().dynamoDb.items(env()[environmentVariables.registrationsTable]);
const paymentUrl = "https://pay.urmstontownjfc.example/join";
const emptyResponse = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Each test its own parent, so none sees another's registrations. */
function parentOf(tel: string, overrides: Partial<StoredRegistration> = {}) {
  const phone = parentPhone(handler, tel);
  return { ...phone, invite: () => invite(env(), invitedRegistration({ parent_tel: tel, ...overrides })) };
}

afterEach(() => {
  clockNow = conversationNow;
});

afterAll(() => {
  // Names, dates of birth, medical notes and emergency contacts never reach a log line.
  const logs = logLines.join("\n");
  for (const personal of ["Alfie", "Testington", "Jane", "14/03/2015", "2015-03-14", "Peanut", "900789", "Ready"]) {
    expect(logs).not.toContain(personal);
  }
});

describe("a parent with an invite", () => {
  it("registers from Ready! to the payment link, and the answers are stored", async () => {
    const parent = parentOf("+447700900201");
    const invited = await parent.invite();
    const first = await parent.says("Ready!");
    expect(first).toContain("let's register Alfie for Lions u11s");
    // The privacy notice comes with the first question, before any answer is given.
    expect(first).toContain("privacy notice (https://www.urmstontownjfc.example/privacy)");
    expect(first).toContain("keep Alfie safe at training and matches");
    const answers = [];
    for (const answer of alfiesAnswerMessages) answers.push(await parent.says(answer));
    expect(answers.at(-1)).toContain("Alfie James Testington");
    const done = await parent.says("Yes");
    expect(done).toContain("is submitted");
    expect(done).toContain(paymentUrl);

    const { registrations, contact } = await store().readParent("+447700900201");
    expect(registrations).toEqual([
      expect.objectContaining({
        registration_id: invited.registration_id,
        status: "submitted",
        player_legal_name: "Alfie James Testington",
        date_of_birth: "2015-03-14",
        medical_notes: "None",
        emergency_contact_name: "Jane Testington",
        emergency_contact_tel: "+447700900789",
        photo_consent: false,
        code_of_conduct_agreed: true,
        retain_until: invited.retain_until,
      }),
    ]);
    // One version per message applied: Ready!, six answers and the confirmation.
    expect(registrations[0].version).toBe(invited.version + 8);
    expect(contact?.recent_messages).toHaveLength(8);
  });

  it("is answered once per MessageSid: a repeated delivery gets an empty Response and changes nothing", async () => {
    const parent = parentOf("+447700900202");
    await parent.invite();
    const message = inboundMessage({ From: "whatsapp:+447700900202", Body: "Ready!" });
    const first = await handler(signedEvent(message));
    const before = await store().readParent("+447700900202");
    const repeat = await handler(signedEvent(message));
    expect(first.body).toContain("<Message>");
    expect(repeat.statusCode).toBe(200);
    expect(repeat.body).toBe(emptyResponse);
    expect(await store().readParent("+447700900202")).toEqual(before);
  });

  it("is told text is needed when a photo comes instead, and asked again", async () => {
    const parent = parentOf("+447700900203");
    await parent.invite();
    await parent.says("Ready!");
    const { replies } = await parent.send("", { NumMedia: "1", MediaContentType0: "image/jpeg" });
    expect(replies.join("\n")).toMatch(/I can only read text.*legal name/s);
    expect((await store().readParent("+447700900203")).registrations[0].player_legal_name).toBeUndefined();
  });

  it("is asked again for an emergency contact whose number is not a valid one (07700 9001), and nothing is stored", async () => {
    const parent = parentOf("+447700900231");
    await parent.invite();
    await parent.says("Ready!");
    for (const answer of alfiesAnswerMessages.slice(0, 3)) await parent.says(answer);
    for (const contact of ["Jane Testington 07700 9001", "Jane Testington 07700 9007890"]) {
      expect(await parent.says(contact)).toMatch(/That phone number doesn't look right.*Jane Testington 07700 900456/s);
    }
    const [registration] = (await store().readParent("+447700900231")).registrations;
    expect(registration).toMatchObject({ conversation: { step: "emergency_contact" } });
    expect(registration.emergency_contact_tel).toBeUndefined();
    expect(await parent.says("Jane Testington 07700 900789")).toContain("photo");
  });

  it("applies two messages sent at once, both, one after the other, neither twice", async () => {
    const parent = parentOf("+447700900204");
    const invited = await parent.invite();
    await parent.says("Ready!");
    const [name, birthday] = await Promise.all([parent.send("Alfie James Testington"), parent.send("14/03/2015")]);
    expect([name.status, birthday.status]).toEqual([200, 200]);
    const { registrations, contact } = await store().readParent("+447700900204");
    // Whichever was applied first, each was applied once: two versions on from Ready!'s.
    expect(registrations[0].version).toBe(invited.version + 3);
    expect(contact?.recent_messages).toHaveLength(3);
    expect(name.replies.length + birthday.replies.length).toBeGreaterThanOrEqual(2);
  });
});

describe("a parent with last season's registrations on the number", () => {
  it("is asked about this season's invite: last season's unfinished one neither takes over Ready! nor moves on", async () => {
    const parent = parentOf("+447700900225");
    const lastSeason = await invite(
      env(),
      invitedRegistration({ parent_tel: "+447700900225", season: "2024-25", age_group: "u10s", invited_at: "2024-06-01T10:00:00.000Z" }),
    );
    const thisSeason = await parent.invite();
    const ready = await parent.says("Ready!");
    expect(ready).toContain("let's register Alfie for Lions u11s");
    expect(ready).not.toContain("u10s");
    const { registrations } = await store().readParent("+447700900225");
    const byId = new Map(registrations.map((registration) => [registration.registration_id, registration]));
    expect(byId.get(thisSeason.registration_id)).toMatchObject({ status: "in_progress", conversation: { step: "legal_name" } });
    expect(byId.get(lastSeason.registration_id)).toEqual(lastSeason);
  });

  it("is never offered last season's answers: another family's emergency contact and photo consent stay theirs", async () => {
    const parent = parentOf("+447700900226");
    await invite(
      env(),
      invitedRegistration({
        parent_tel: "+447700900226",
        season: "2024-25",
        age_group: "u10s",
        status: "submitted",
        player_legal_name: "Alfie Testington",
        date_of_birth: "2015-03-14",
        medical_notes: "None",
        emergency_contact_name: "Pat Otherfamily",
        emergency_contact_tel: "+447700900654",
        photo_consent: true,
        code_of_conduct_agreed: true,
        invited_at: "2024-06-01T10:00:00.000Z",
        submitted_at: "2024-06-20T18:00:00.000Z",
      }),
    );
    await parent.invite();
    await parent.says("Ready!");
    await parent.says("Alfie James Testington");
    await parent.says("14/03/2015");
    const contactQuestion = await parent.says("None");
    expect(contactQuestion).toContain("Send their name and phone number");
    expect(contactQuestion).not.toMatch(/same as|Otherfamily|900654/i);
    const photoQuestion = await parent.says("Jane Testington 07700 900789");
    expect(photoQuestion).not.toMatch(/you said|SAME/);
  });
});

describe("the contact's retention date", () => {
  it("is the latest of the number's registrations', and none once the number sends STOP, until START", async () => {
    const parent = parentOf("+447700900227", { retain_until: 1_819_584_000 });
    await invite(
      env(),
      invitedRegistration({ parent_tel: "+447700900227", season: "2024-25", age_group: "u10s", retain_until: 1_788_048_000 }),
    );
    await parent.invite();
    const contact = async () => (await store().readParent("+447700900227")).contact;
    await parent.says("Ready!");
    expect(await contact()).toMatchObject({ retain_until: 1_819_584_000 });
    await parent.says("STOP");
    expect(await contact()).toMatchObject({ opted_out: true });
    expect(await contact()).not.toHaveProperty("retain_until");
    await parent.says("START");
    expect(await contact()).toMatchObject({ opted_out: false, retain_until: 1_819_584_000 });
  });
});

describe("STOP", () => {
  it("is kept for good: silence to every message, no new invite, until START", async () => {
    const parent = parentOf("+447700900205");
    await parent.invite();
    await parent.says("Ready!");
    expect(await parent.says("STOP")).toContain("You're unsubscribed");
    const silent = await parent.send("HELP");
    expect(silent.body).toBe(emptyResponse);
    expect(await store().create(invitedRegistration({ parent_tel: "+447700900205", player_first_name: "Mia" }))).toEqual({
      outcome: "opted_out",
    });

    const back = await parent.says("START");
    expect(back).toContain("Welcome back!");
    expect(back).toContain("legal name");
    expect(await store().create(invitedRegistration({ parent_tel: "+447700900205", player_first_name: "Mia" }))).toEqual({
      outcome: "created",
    });
  });

  it("from a number with no invite is kept too, so the trigger refuses to invite it", async () => {
    const parent = parentOf("+447700900206");
    expect(await parent.says("STOP")).toContain("You're unsubscribed");
    expect((await parent.send("Hello?")).body).toBe(emptyResponse);
    expect(await store().create(invitedRegistration({ parent_tel: "+447700900206" }))).toEqual({ outcome: "opted_out" });
  });
});

describe("DELETE MY DATA", () => {
  it("erases every registration of the number once confirmed: the table keeps nothing personal", async () => {
    const parent = parentOf("+447700900207");
    const invited = await parent.invite();
    await parent.says("Ready!");
    await parent.says("Alfie James Testington");
    await parent.says("14/03/2015");
    await parent.says("Peanut allergy");
    expect(await parent.says("DELETE MY DATA")).toContain("permanently deletes");
    const yes = inboundMessage({ From: "whatsapp:+447700900207", Body: "YES" });
    expect(twimlMessages((await handler(signedEvent(yes))).body).join("")).toContain("I've deleted the registration details for Alfie");
    // A retried delivery of the confirmation gets nothing more.
    expect((await handler(signedEvent(yes))).body).toBe(emptyResponse);

    expect(await store().findById(invited.registration_id)).toEqual(expect.objectContaining({ status: "erased" }));
    // Other tests' parents share the table: this parent's items are those naming the number or the registration.
    const items = (await registrationsTable()).map((item) => JSON.stringify(item));
    const left = items.filter((item) => item.includes("900207") || item.includes(invited.registration_id));
    expect(left).toHaveLength(1);
    for (const personal of ["900207", "Alfie", "Testington", "Sarah", "Peanut", "2015-03-14"]) expect(left[0]).not.toContain(personal);
    // The erasure log, which a restore of the registrations table does not undo, has its id, date and why.
    const logged = (await services().dynamoDb.items(env()[environmentVariables.erasureLogTable])).map((item) => unmarshall(item as never));
    expect(logged.filter((entry) => entry.registration_id === invited.registration_id)).toEqual([
      {
        registration_id: invited.registration_id,
        erased_at: conversationNow.toISOString(),
        reason: "parent",
        retain_until: invited.retain_until,
      },
    ]);
  });

  it("gets no second reply to a message Twilio delivers again after the erasure, though the contact that marked it is gone", async () => {
    const parent = parentOf("+447700900219");
    await parent.invite();
    const deleteMyData = inboundMessage({ From: "whatsapp:+447700900219", Body: "DELETE MY DATA" });
    expect(twimlMessages((await handler(signedEvent(deleteMyData))).body).join("")).toContain("permanently deletes");
    expect(await parent.says("YES")).toContain("I've deleted the registration details");
    // Twilio did not get the first answer in time and delivers DELETE MY DATA again: to a number with no contact now.
    expect((await handler(signedEvent(deleteMyData))).body).toBe(emptyResponse);
    // A new message from the number is a stranger's, and answered as one.
    expect(await parent.says("Hello?")).toContain("I don't have an invitation for this number");
  });

  it("keeps every message the contact remembered from a second reply after the erasure, a dozen of them included", async () => {
    const parent = parentOf("+447700900220");
    await parent.invite();
    const first = inboundMessage({ From: "whatsapp:+447700900220", Body: "Ready!" });
    expect(twimlMessages((await handler(signedEvent(first))).body).join("")).toContain("let's register Alfie");
    for (const answer of [...alfiesAnswerMessages.slice(0, 3), "HELP", "HELP", "HELP", "HELP", "HELP", "HELP", "HELP"])
      await parent.says(answer);
    expect((await store().readParent("+447700900220")).contact?.recent_messages).toHaveLength(11);
    await parent.says("DELETE MY DATA");
    expect(await parent.says("YES")).toContain("I've deleted the registration details");
    // The first message, eleven back, delivered again.
    expect((await handler(signedEvent(first))).body).toBe(emptyResponse);
  });
});

describe("a number with no invite", () => {
  it("gets a polite reply naming the club, once per MessageSid, and nothing is stored", async () => {
    const message = inboundMessage({ From: "whatsapp:+447700900208", Body: "Hi, can my son join?" });
    const first = await handler(signedEvent(message));
    expect(first.body).toContain("the Urmston Town Registration Assistant. I don&apos;t have an invitation for this number");
    expect((await handler(signedEvent(message))).body).toBe(emptyResponse);
    expect(JSON.stringify(await registrationsTable())).not.toContain("900208");
  });

  it("gets one reply a day, however often it writes (another business's auto-reply bot must not loop with ours)", async () => {
    const stranger = parentOf("+447700900240");
    expect(await stranger.says("Hi, can my son join?")).toContain("I don't have an invitation for this number");
    later(60 * 60 * 1000);
    expect((await stranger.send("Thank you for your message. We will reply shortly.")).body).toBe(emptyResponse);
    later(aDayInMs - 1000);
    expect((await stranger.send("Thank you for your message. We will reply shortly.")).body).toBe(emptyResponse);
    later(aDayInMs);
    expect(await stranger.says("Hello again")).toContain("I don't have an invitation for this number");
    later(aDayInMs + 60 * 1000);
    expect((await stranger.send("Thank you for your message. We will reply shortly.")).body).toBe(emptyResponse);
    // Its slot is kept under a digest: the number is stored nowhere, in neither table.
    const idempotency = services().dynamoDb.items(env()[environmentVariables.idempotencyTable]);
    expect(JSON.stringify(await idempotency)).not.toContain("900240");
    expect(JSON.stringify(await registrationsTable())).not.toContain("900240");
  });

  it("is claimed under a digest keyed with the webhook's auth token, so the number cannot be recovered by hashing every number", async () => {
    const tel = "+447700900249";
    expect(await parentOf(tel).says("Hello?")).toContain("I don't have an invitation for this number");
    const ids = (await services().dynamoDb.items(env()[environmentVariables.idempotencyTable])).map((item) => String(item.id.S));
    const keyed = createHmac("sha256", testCredentials.authToken).update(tel).digest("base64url");
    expect(ids).toContain(`webhook.reply-limit#${keyed}`);
    expect(ids).not.toContain(`webhook.reply-limit#${createHash("sha256").update(tel).digest("base64url")}`);
  });

  it("is limited per number: another stranger the same day is answered", async () => {
    expect(await parentOf("+447700900241").says("Hello?")).toContain("I don't have an invitation for this number");
    expect(await parentOf("+447700900242").says("Hello?")).toContain("I don't have an invitation for this number");
    expect((await parentOf("+447700900241").send("Hello??")).body).toBe(emptyResponse);
  });
});

describe("replies outside an open registration's conversation: one a day per number", () => {
  it("after submission: the first message is answered where things stand, then nothing until a day has passed", async () => {
    const parent = parentOf("+447700900244");
    await parent.invite();
    // Mid-registration, every message is answered, however many.
    for (const answer of ["Ready!", ...alfiesAnswerMessages]) expect((await parent.send(answer)).replies).not.toEqual([]);
    expect(await parent.says("Yes")).toContain("is submitted");
    expect(await parent.says("Thanks!")).toContain("is submitted");
    later(60 * 60 * 1000);
    expect((await parent.send("Thank you for your message. We will reply shortly.")).body).toBe(emptyResponse);
    later(aDayInMs);
    expect(await parent.says("Thank you for your message. We will reply shortly.")).toContain("is submitted");
    expect((await store().readParent("+447700900244")).contact?.standing_replied_at).toBe(clockNow.toISOString());
  });

  it("after declining", async () => {
    const parent = parentOf("+447700900245");
    await parent.invite();
    await parent.says("Not joining");
    expect(await parent.says("Yes")).toContain("Thanks for letting us know");
    expect(await parent.says("hi")).toContain("won't be joining");
    expect((await parent.send("hi")).body).toBe(emptyResponse);
  });

  it("after a hand-over, to a message with no text", async () => {
    const parent = parentOf("+447700900246");
    await parent.invite();
    for (const answer of ["Ready!", alfiesAnswerMessages[0]]) await parent.says(answer);
    expect(await parent.says("01/01/2005")).toContain("passed Alfie's registration to the club");
    const photo = { NumMedia: "1", MediaContentType0: "image/jpeg" };
    expect((await parent.send("", photo)).replies.join("")).toContain("The club is looking at Alfie's registration");
    expect((await parent.send("", photo)).body).toBe(emptyResponse);
  });

  it("with only last season's registrations: no invite this season", async () => {
    const parent = parentOf("+447700900247", { season: "2024-25", age_group: "u10s", invited_at: "2024-06-01T10:00:00.000Z" });
    await parent.invite();
    expect(await parent.says("Hello")).toContain("I don't have an invitation for this number");
    expect((await parent.send("Out of office")).body).toBe(emptyResponse);
  });

  it("RESTART after a hand-over: the second hand-over gets its first acknowledgement", async () => {
    const parent = parentOf("+447700900248");
    await parent.invite();
    for (const answer of ["Ready!", alfiesAnswerMessages[0]]) await parent.says(answer);
    expect(await parent.says("01/01/2005")).toContain("passed Alfie's registration to the club");
    expect(await parent.says("Please call me")).toContain("I've passed your message on to the club");
    await parent.says("RESTART");
    await parent.says(alfiesAnswerMessages[0]);
    expect(await parent.says("01/01/2005")).toContain("passed Alfie's registration to the club");
    expect(await parent.says("Please call me again")).toContain("I've passed your message on to the club");
  });
});

describe("what parents type", () => {
  it("a question at the medical step gets the fees and the question again, and is not stored as a medical note", async () => {
    const parent = parentOf("+447700900232");
    await parent.invite();
    for (const answer of ["Ready!", ...alfiesAnswerMessages.slice(0, 2)]) await parent.says(answer);
    const answered = await parent.says("how much is it?");
    expect(answered).toContain("The one-off membership fee is £40 and the monthly direct debit is £26");
    expect(answered).toContain("medical conditions, allergies or medication");
    const [atMedical] = (await store().readParent("+447700900232")).registrations;
    expect(atMedical).not.toHaveProperty("medical_notes");
    expect(atMedical.conversation).toEqual({ step: "medical", editing: false, unusable_answers: 0 });
    expect(await parent.says("None")).toContain("emergency");
    expect((await store().readParent("+447700900232")).registrations[0].medical_notes).toBe("None");
  });

  it("after a hand-over, the first message is acknowledged, then one a day; every message is kept for the club", async () => {
    const parent = parentOf("+447700900243");
    await parent.invite();
    for (const answer of ["Ready!", alfiesAnswerMessages[0]]) await parent.says(answer);
    expect(await parent.says("01/01/2005")).toContain("passed Alfie's registration to the club");
    expect(await parent.says("Please call me")).toContain("I've passed your message on to the club");
    later(60 * 60 * 1000);
    const outOfOffice = await parent.send("I am out of the office until Monday");
    expect(outOfOffice.status).toBe(200);
    expect(outOfOffice.body).toBe(emptyResponse);
    later(aDayInMs);
    expect(await parent.says("Any news?")).toContain("I've passed your message on to the club");

    const [registration] = (await store().readParent("+447700900243")).registrations;
    expect(registration.messages_for_club?.map((message) => message.text)).toEqual([
      "Please call me",
      "I am out of the office until Monday",
      "Any news?",
    ]);
    expect(registration.club_acknowledged_at).toBe(clockNow.toISOString());
  });

  it("after a hand-over, what the parent writes is kept for the club, shown in the export, and erased with the rest", async () => {
    const parent = parentOf("+447700900223");
    const invited = await parent.invite();
    for (const answer of ["Ready!", alfiesAnswerMessages[0]]) await parent.says(answer);
    expect(await parent.says("01/01/2005")).toContain("passed Alfie's registration to the club");
    const passedOn = await parent.says("He's been playing for the u18s, please call me after 6");
    expect(passedOn).toContain("I've passed your message on to the club");

    const kept = [{ at: conversationNow.toISOString(), text: "He's been playing for the u18s, please call me after 6" }];
    expect((await store().readParent("+447700900223")).registrations[0]).toMatchObject({ status: "needs_club", messages_for_club: kept });
    const exported = createRegistrationsHandler(functions.export, { env: env(), writeLog: capturing((line) => logLines.push(line)) });
    const rows = bodyOf(await exported(exportEvent())).registrations as Record<string, unknown>[];
    const shown = `${conversationNow.toISOString()} He's been playing for the u18s, please call me after 6`;
    expect(rows.find((row) => row.registration_id === invited.registration_id)).toMatchObject({ messages_for_club: shown });
    const [header, ...lines] = parse((await exported(exportEvent({ query: { format: "csv" } }))).body.slice(1)) as string[][];
    const line = lines.find((cells) => cells[0] === invited.registration_id)!;
    expect(line[header.indexOf("messages_for_club")]).toBe(shown);

    await parent.says("DELETE MY DATA");
    expect(await parent.says("YES")).toContain("I've deleted the registration details");
    const items = (await registrationsTable()).map((item) => JSON.stringify(item));
    const left = items.filter((item) => item.includes("900223") || item.includes(invited.registration_id));
    expect(left).toHaveLength(1);
    expect(left[0]).not.toContain("please call me");
    expect(left[0]).not.toContain("messages_for_club");
  });

  it("is logged by the digest its contact keeps, never by its MessageSid", async () => {
    const parent = parentOf("+447700900224");
    await parent.invite();
    const message = inboundMessage({ From: "whatsapp:+447700900224", Body: "Ready!" });
    const mark = createHash("sha256").update(message.MessageSid).digest("base64url").slice(0, 22);
    const from = logLines.length;
    await handler(signedEvent(message));
    await handler(signedEvent(message));
    expect((await store().readParent("+447700900224")).contact?.recent_messages).toEqual([mark]);
    const lines = logLines.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
    // Not request_done, nor the business metrics' EMF lines (tests/handlers/metrics.test.ts).
    expect(lines.filter((line) => line.event !== "request_done" && !("_aws" in line))).toEqual([
      expect.objectContaining({ event: "message_received", message_mark: mark, from: "+44•••••••224" }),
      expect.objectContaining({ event: "message_applied", message_mark: mark }),
      expect.objectContaining({ event: "message_received", message_mark: mark }),
      expect.objectContaining({ event: "duplicate_ignored", message_mark: mark }),
    ]);
    expect(logLines.join("\n")).not.toContain(message.MessageSid);
  });
});
