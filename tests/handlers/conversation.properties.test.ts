/**
 * Property-based: random sequences of a parent's messages (answers, commands, media, repeated
 * deliveries and pairs sent at once) through the real webhook against dynalite. Whatever the
 * order, no 5xx, no second reply to one MessageSid, no message to an opted-out parent, and every
 * message applied exactly once (the contact's version counts them).
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { createRegistrationStore } from "../../aws/registration-store";
import { handlerUnderTest, testWebhook } from "../../testkit/handler-under-test";
import { alfiesAnswerMessages, conversationNow, invite, invitedRegistration } from "../../testkit/registrations";
import { inboundMessage, signedEvent } from "../../testkit/twilio-webhook";
import { twimlMessages } from "../../twilio/twiml";

// Thousands of real requests against the stand-ins: about 10 to 20 s on a quiet 2-CPU machine, several
// times that when the machine is busy. A generous bound, so load makes the run slower, not red.
vi.setConfig({ testTimeout: 300_000 });

const { handler, services } = handlerUnderTest((wiring) => testWebhook(wiring, { clock: () => conversationNow }));

const texts = [...alfiesAnswerMessages, "Ready!", "YES", "NO", "2", "HELP", "RESTART", "STOP", "START", "DELETE MY DATA", "banana", ""];

type Step =
  | { kind: "send"; text: string; media: boolean }
  | { kind: "repeat"; index: number }
  | { kind: "pair"; first: string; second: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("send" as const), text: fc.constantFrom(...texts), media: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("repeat" as const), index: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("pair" as const), first: fc.constantFrom(...texts), second: fc.constantFrom(...texts) }),
  },
);

let parentsUsed = 0;

describe("any sequence of messages from an invited parent", () => {
  it("is answered without a 5xx, once per MessageSid, never to an opted-out parent, each message applied once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        // A fresh parent per run, from Ofcom's drama range.
        const tel = `+4477009006${String(parentsUsed++).padStart(2, "0")}`;
        const store = createRegistrationStore(services().env);
        await invite(services().env, invitedRegistration({ parent_tel: tel }));
        const sent: Record<string, string>[] = [];
        const replied = new Set<string>();
        let everErased = false;

        const deliver = async (fields: Record<string, string>) => {
          const response = await handler(signedEvent(fields));
          expect(response.statusCode).toBe(200);
          const messages = twimlMessages(response.body);
          if (messages.length > 0) {
            expect(replied.has(fields.MessageSid)).toBe(false);
            replied.add(fields.MessageSid);
          }
          if (messages.join(" ").includes("I've deleted the registration details")) everErased = true;
          return messages;
        };
        const fresh = (text: string, media = false) => {
          const fields = inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1), Body: text, NumMedia: media ? "1" : "0" });
          sent.push(fields);
          return fields;
        };

        for (const next of steps) {
          if (next.kind === "pair") {
            await Promise.all([deliver(fresh(next.first)), deliver(fresh(next.second))]);
            continue;
          }
          const before = (await store.readParent(tel)).contact;
          const fields =
            next.kind === "repeat" && sent.length > 0
              ? sent[next.index % sent.length]
              : fresh(next.kind === "send" ? next.text : "HELP", next.kind === "send" && next.media);
          const messages = await deliver(fields);
          if (before?.opted_out && fields.Body.trim().toUpperCase() !== "START") expect(messages).toEqual([]);
        }

        const distinct = new Set(sent.map((fields) => fields.MessageSid)).size;
        const { contact } = await store.readParent(tel);
        // After DELETE MY DATA the number's contact is gone and later messages are a stranger's: nothing to count.
        if (!everErased) expect(contact?.version).toBe(distinct);
      }),
      { numRuns: 30 },
    );
  }, 120_000);
});
