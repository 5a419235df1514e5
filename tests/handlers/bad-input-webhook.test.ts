/**
 * POST /webhook under generated input (fast-check). Requests Twilio signed (with the twilio
 * package's own function) carry extra, repeated and unicode fields and huge Bodies: each is
 * 200 TwiML with the assistant's reply, or 413 past 64 KB. Everything else (no signature,
 * noise, a signature for other fields, URL or token, a base64 flag that lies) is 403 and
 * leaves the MessageSid unanswered. Never a 5xx, never a thrown error, never a Twilio call.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { functions } from "../../handlers/functions";
import { createWebhookHandler, type WebhookHandler } from "../../handlers/webhook";
import { proxyEvent } from "../../local/gateway/proxy-event";
import { maxBodyBytes } from "../../plumbing/api-gateway-event";
import { anyCase } from "../../testkit/arbitraries";
import { otherAuthToken } from "../../testkit/fixtures";
import { handlerUnderTest, type TestWiring } from "../../testkit/handler-under-test";
import { aDayPerMessage, inboundMessage, otherWebhookUrls, type SigningOptions, twilioSignature } from "../../testkit/twilio-webhook";

// Thousands of real requests against the stand-ins: about 10 to 20 s on a quiet 2-CPU machine, several
// times that when the machine is busy. A generous bound, so load makes the run slower, not red.
vi.setConfig({ testTimeout: 300_000 });

const generatedBodies = 10_000;

/**
 * The one place the handler under test is wired, so its dependencies can change here alone. Every
 * message comes from the one number with no invite, which gets one reply a day: its clock moves a
 * day with each message, as this file is about what a message is answered with, not how often.
 */
function webhookUnderTest(wiring: TestWiring): WebhookHandler {
  return createWebhookHandler(functions.webhook, { ...wiring, clock: aDayPerMessage() });
}

const { handler, logLines, services } = handlerUnderTest(webhookUnderTest);

// ---- Forms and their signatures ----------------------------------------------------------

type Pair = [name: string, value: string];

/** What Twilio posts is well-formed text: a lone surrogate would reach the wire as U+FFFD. */
const wellFormed = (text: string) => Buffer.from(text, "utf8").toString("utf8");

/** The fields as Twilio signs them: every value of a repeated name. */
function signedFields(pairs: Pair[]): Record<string, string[]> {
  // No prototype: a field may be called __proto__ or constructor.
  const fields = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of pairs) fields[name] = [...(fields[name] ?? []), value];
  return fields;
}

/** Form encoding with `+` for a space, as URLSearchParams writes it, or `%20`. */
function formOf(pairs: Pair[], spaceAsPercent: boolean): string {
  const form = new URLSearchParams(pairs).toString();
  return spaceAsPercent ? form.replaceAll("+", "%20") : form;
}

interface Delivery {
  body: string;
  base64: boolean;
  signature?: string;
  signatureHeader: string;
  contentTypeHeader: string;
}

function eventOf(delivery: Delivery): APIGatewayProxyEvent {
  const headers: Record<string, string> = {
    [delivery.contentTypeHeader]: "application/x-www-form-urlencoded",
    "User-Agent": "TwilioProxy/1.1",
  };
  if (delivery.signature !== undefined) headers[delivery.signatureHeader] = delivery.signature;
  return proxyEvent({ path: "/webhook", body: delivery.body, headers, isBase64Encoded: delivery.base64 });
}

// ---- Generated values --------------------------------------------------------------------

const basicNames = Object.keys(inboundMessage());
const anyText = fc
  .oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.string({
      unit: fc.constantFrom("\u0000", "\r\n", "\t", "     ", "&", "=", "+", "%", "%zz", "<", "]]>", "\ud800", "😀", "é"),
      maxLength: 10,
    }),
  )
  .map(wellFormed);
/** Names Twilio may add without notice, and any other, __proto__ and constructor included. */
const extraName = fc
  .oneof(
    fc.constantFrom(
      "ChannelMetadata",
      "Latitude",
      "MediaUrl0",
      "MediaContentType0",
      "ButtonText",
      "OriginalRepliedMessageSid",
      "__proto__",
      "constructor",
      "toString",
    ),
    anyText,
  )
  .filter((name) => !basicNames.includes(name));
const hugeText = fc
  .tuple(fc.constantFrom("x", "é", "李", "😀", "a b&c=d"), fc.integer({ min: 1_000, max: 40_000 }))
  .map(([piece, count]) => piece.repeat(count));

/** A message Twilio signed: extra fields, repeated ones, any Body, in any encoding and header case. */
const signedShape = fc.record({
  body: fc.oneof({ arbitrary: anyText, weight: 9 }, { arbitrary: hugeText, weight: 1 }),
  extras: fc.array(fc.tuple(extraName, anyText), { maxLength: 5 }),
  repeats: fc.array(fc.tuple(fc.constantFrom("Body", "ProfileName", "NumMedia"), anyText), { maxLength: 2 }),
  spaceAsPercent: fc.boolean(),
  base64: fc.boolean(),
  signatureHeader: anyCase("X-Twilio-Signature"),
  contentTypeHeader: anyCase("Content-Type"),
});

type SignedShape = typeof signedShape extends fc.Arbitrary<infer T> ? T : never;
type Encoding = Pick<SignedShape, "spaceAsPercent" | "base64" | "signatureHeader" | "contentTypeHeader">;

/** A delivery of `pairs` in the shape drawn, signed as Twilio signs, for the fixtures' URL and token unless told otherwise. */
function deliveryOf(pairs: Pair[], encoding: Encoding, signing: SigningOptions = {}): Delivery {
  const form = formOf(pairs, encoding.spaceAsPercent);
  return {
    body: encoding.base64 ? Buffer.from(form).toString("base64") : form,
    base64: encoding.base64,
    signature: twilioSignature(signedFields(pairs), signing),
    signatureHeader: encoding.signatureHeader,
    contentTypeHeader: encoding.contentTypeHeader,
  };
}

/** A new message (its own MessageSid) with the shape's Body, extra and repeated fields. */
const messagePairs = (shape: SignedShape): Pair[] => [
  ...Object.entries(inboundMessage({ Body: shape.body })),
  ...shape.extras,
  ...shape.repeats,
];

/** `name`, or it with underscores added until no field has it: an added field must be a new one. */
function unusedName(pairs: Pair[], name: string): string {
  return pairs.some(([existing]) => existing === name) ? unusedName(pairs, `${name}_`) : name;
}

/** How a forger changes a signed message before sending it on. Repeats are left out so every change changes what was signed. */
const change = fc.oneof(
  anyText.map(
    (suffix) =>
      (pairs: Pair[]): Pair[] =>
        pairs.map(([name, value]) => [name, name === "Body" ? `${value}${suffix || "!"}` : value]),
  ),
  // Twilio signs names and values run together, so an added field with an empty name and value changes nothing signed.
  fc.tuple(extraName, anyText).map(([name, value]) => (pairs: Pair[]): Pair[] => [...pairs, [unusedName(pairs, name || "Added"), value]]),
  fc
    .integer({ min: 900_000, max: 900_999 })
    .map((subscriber) => `whatsapp:+447700${subscriber}`)
    .filter((from) => from !== inboundMessage().From)
    .map(
      (from) =>
        (pairs: Pair[]): Pair[] =>
          pairs.map(([name, value]) => [name, name === "From" ? from : value]),
    ),
  fc.constantFrom("Body", "From", "To", "AccountSid").map(
    (dropped) =>
      (pairs: Pair[]): Pair[] =>
        pairs.filter(([name]) => name !== dropped),
  ),
);

const garbageSignature = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString("base64")),
  fc.constantFrom("", " ", "null", "sha1=", "=".repeat(28)),
);

type Forgery =
  | { kind: "unsigned" }
  | { kind: "garbage signature"; signature: string }
  | { kind: "changed after signing"; change: (pairs: Pair[]) => Pair[] }
  | { kind: "other URL"; url: string }
  | { kind: "other token" }
  | { kind: "base64 flag that lies" };

const forgery: fc.Arbitrary<Forgery> = fc.oneof(
  fc.constant({ kind: "unsigned" as const }),
  garbageSignature.map((signature) => ({ kind: "garbage signature" as const, signature })),
  change.map((changed) => ({ kind: "changed after signing" as const, change: changed })),
  fc.constantFrom(...Object.values(otherWebhookUrls)).map((url) => ({ kind: "other URL" as const, url })),
  fc.constant({ kind: "other token" as const }),
  fc.constant({ kind: "base64 flag that lies" as const }),
);

/** The forged delivery of a genuine message. */
function forgedDelivery(pairs: Pair[], shape: SignedShape, forged: Forgery): Delivery {
  const genuine = deliveryOf(pairs, shape);
  switch (forged.kind) {
    case "unsigned":
      return { ...genuine, signature: undefined };
    case "garbage signature":
      return { ...genuine, signature: forged.signature };
    case "changed after signing":
      return { ...deliveryOf(forged.change(pairs), shape), signature: genuine.signature };
    case "other URL":
      return deliveryOf(pairs, shape, { url: forged.url });
    case "other token":
      return deliveryOf(pairs, shape, { token: otherAuthToken });
    case "base64 flag that lies":
      return { ...genuine, base64: !genuine.base64 };
  }
}

/** Noise for a body, with no signature or a made-up one. */
const noiseDelivery = fc
  .record({
    body: fc.oneof(
      { arbitrary: fc.string({ unit: "binary", maxLength: 300 }), weight: 3 },
      { arbitrary: fc.json({ maxDepth: 2 }), weight: 3 },
      { arbitrary: hugeText, weight: 1 },
    ),
    base64: fc.boolean(),
    signature: fc.option(garbageSignature, { nil: undefined }),
    signatureHeader: anyCase("X-Twilio-Signature"),
    contentTypeHeader: anyCase("Content-Type"),
  })
  .map((delivery): Delivery => delivery);

type WebhookCase =
  | { kind: "signed"; shape: SignedShape }
  | { kind: "forged"; shape: SignedShape; forged: Forgery }
  | { kind: "noise"; delivery: Delivery };

const webhookCase: fc.Arbitrary<WebhookCase> = fc.oneof(
  { arbitrary: signedShape.map((shape) => ({ kind: "signed" as const, shape })), weight: 4 },
  {
    arbitrary: fc
      .tuple(
        signedShape.map((shape) => ({ ...shape, repeats: [] })),
        forgery,
      )
      .map(([shape, forged]) => ({ kind: "forged" as const, shape, forged })),
    weight: 4,
  },
  { arbitrary: noiseDelivery.map((delivery) => ({ kind: "noise" as const, delivery })), weight: 2 },
);

// ---- Checking each answer ----------------------------------------------------------------

const decodedBytes = (delivery: Delivery) => Buffer.byteLength(delivery.body, delivery.base64 ? "base64" : "utf8");
const twimlReply = /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>[^<]*Registration Assistant[^<]*<\/Message><\/Response>$/;

interface Tally {
  byStatus: Record<number, number>;
  byCase: Record<string, number>;
}

async function answer(delivery: Delivery, tally: Tally, label: string) {
  const response = await handler(eventOf(delivery));
  tally.byStatus[response.statusCode] = (tally.byStatus[response.statusCode] ?? 0) + 1;
  tally.byCase[label] = (tally.byCase[label] ?? 0) + 1;
  expect(response.statusCode).toBeLessThan(500);
  expect(response.body).not.toMatch(/\n\s+at |node_modules/);
  return response;
}

function expectTooLarge(response: { statusCode: number; body: string }) {
  expect(response.statusCode).toBe(413);
  expect(response.body).toContain("64 KB");
}

/** Twilio's genuine delivery: its reply, or 413 when it is past the limit. */
async function expectAnswered(delivery: Delivery, tally: Tally, label: string) {
  const response = await answer(delivery, tally, label);
  if (decodedBytes(delivery) > maxBodyBytes) return expectTooLarge(response);
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers?.["Content-Type"]).toBe("text/xml");
  expect(response.body).toMatch(twimlReply);
}

async function expectForbidden(delivery: Delivery, tally: Tally, label: string) {
  const response = await answer(delivery, tally, label);
  if (decodedBytes(delivery) > maxBodyBytes) return expectTooLarge(response);
  expect(response.statusCode, response.body).toBe(403);
  expect(response.body).toBe("Forbidden: X-Twilio-Signature does not match this request");
}

async function checkOne(request: WebhookCase, tally: Tally): Promise<void> {
  if (request.kind === "noise") return expectForbidden(request.delivery, tally, "noise");
  const pairs = messagePairs(request.shape);
  if (request.kind === "signed") return expectAnswered(deliveryOf(pairs, request.shape), tally, "signed");
  await expectForbidden(forgedDelivery(pairs, request.shape, request.forged), tally, request.forged.kind);
  // The forgery changed nothing: Twilio's own delivery of the message still gets its reply.
  await expectAnswered(deliveryOf(pairs, request.shape), tally, "signed after a forgery");
}

describe("generated webhook bodies", () => {
  it(`answer ${generatedBodies} bodies: signed ones with TwiML or 413, the rest 403, nothing marked answered by a forgery`, async () => {
    const tally: Tally = { byStatus: {}, byCase: {} };
    const started = Date.now();

    await fc.assert(
      fc.asyncProperty(webhookCase, (request) => checkOne(request, tally)),
      { numRuns: generatedBodies },
    );

    const answered = Object.values(tally.byStatus).reduce((sum, count) => sum + count, 0);
    expect(answered).toBeGreaterThanOrEqual(generatedBodies);
    expect(
      Object.keys(tally.byStatus)
        .map(Number)
        .every((status) => status < 500),
    ).toBe(true);
    // The mix reached every path.
    expect(tally.byStatus[200]).toBeGreaterThan(generatedBodies / 4);
    expect(tally.byStatus[403]).toBeGreaterThan(generatedBodies / 4);
    expect(tally.byStatus[413]).toBeGreaterThan(generatedBodies / 100);
    // A webhook answers with TwiML; it never calls Twilio's API.
    expect(services().twilio.attempts).toBe(0);
    expect(logLines.filter((line) => JSON.parse(line).level === "error")).toEqual([]);
    console.info(
      `webhook: ${answered} requests (${generatedBodies} generated) in ${Date.now() - started} ms; by status ${JSON.stringify(tally.byStatus)}; by case ${JSON.stringify(tally.byCase)}`,
    );
  });
});

describe("a signed message with a field named like an object's own properties", () => {
  it.each([["__proto__"], ["constructor"], ["toString"], ["hasOwnProperty"]])("is answered when a field is called %s", async (name) => {
    const pairs: Pair[] = [...Object.entries(inboundMessage()), [name, "x"]];
    const encoding = { spaceAsPercent: false, base64: false, signatureHeader: "X-Twilio-Signature", contentTypeHeader: "Content-Type" };
    await expectAnswered(deliveryOf(pairs, encoding), { byStatus: {}, byCase: {} }, name);
  });
});
