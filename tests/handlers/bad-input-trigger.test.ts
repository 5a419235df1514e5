/**
 * POST /trigger under generated input (fast-check): wrong types, missing and extra fields,
 * unicode, control characters, malformed JSON and forms, base64 flags that lie, headers in
 * any case, huge bodies. Every body gets a 4xx whose message names the problem, or a 200
 * for an invite Twilio accepted; nothing else reaches Twilio, and nothing Twilio sees is a
 * value WhatsApp would refuse. The real handler, the Twilio stand-in on loopback.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { functions } from "../../handlers/functions";
import { createTriggerHandler, type TriggerHandler } from "../../handlers/trigger";
import { proxyEvent } from "../../local/gateway/proxy-event";
import { maxBodyBytes } from "../../plumbing/api-gateway-event";
import { anyCase } from "../../testkit/arbitraries";
import { requiredInviteFields, testApiKey, validInvite } from "../../testkit/fixtures";
import { handlerUnderTest, type TestWiring } from "../../testkit/handler-under-test";

// Thousands of real requests against the stand-ins: about 10 to 20 s on a quiet 2-CPU machine, several
// times that when the machine is busy. A generous bound, so load makes the run slower, not red.
vi.setConfig({ testTimeout: 300_000 });

const generatedBodies = 10_000;

/** The one place the handler under test is wired, so its dependencies can change here alone. */
function triggerUnderTest(wiring: TestWiring): TriggerHandler {
  return createTriggerHandler(functions.trigger, wiring);
}

const { handler, logLines, services } = handlerUnderTest(triggerUnderTest);

// ---- Generated values --------------------------------------------------------------------

const textFields = ["parent_first_name", "player_first_name", "team_name", "age_group", "team_manager_1_full_name"] as const;
const lengthLimits: Record<(typeof textFields)[number], number> = {
  parent_first_name: 50,
  player_first_name: 50,
  team_name: 60,
  age_group: 20,
  team_manager_1_full_name: 60,
};
const feeFields = ["membership_fee_amount", "subscription_fee_amount"] as const;
const optionalTextFields = ["parent_last_name", "player_last_name", "current_registration_season"] as const;
const allFields = [...requiredInviteFields, ...optionalTextFields, ...feeFields];

/** Characters WhatsApp refuses in a template value or that show as nothing: white space of every kind, controls, format marks, a lone surrogate. */
const invisible = fc.constantFrom(
  " ",
  "     ",
  "\n",
  "\r\n",
  "\t",
  "\v",
  "\f",
  "\u00a0",
  "\u2028",
  "\u3000",
  "\ufeff",
  "\u0000",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u200b",
  "\ud800",
);
const invisibleRun = fc.string({ unit: invisible, maxLength: 6 });

/** A value with something to read, wrapped in and broken up by what WhatsApp would refuse; at most 34 characters once cleaned. */
const nastyName = fc
  .tuple(
    invisibleRun,
    fc.constantFrom("Sam", "Zoë", "Siobhán", "Łukasz", "Ngozi", "李明", "محمد", "Ана", "O'Neil", "Jean-Luc", "😀", "<b>&amp;"),
    fc.array(fc.tuple(invisibleRun, fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 3 }),
    invisibleRun,
  )
  .map(([before, core, pieces, after]) => before + core + pieces.map(([gap, piece]) => gap + piece).join("") + after);

const nastyShort = (values: string[]) =>
  fc.tuple(invisibleRun, fc.constantFrom(...values), invisibleRun).map(([a, value, b]) => a + value + b);

/** A subscriber number in Ofcom's drama range, 900000 to 900999. */
const dramaSubscriber = fc.integer({ min: 900_000, max: 900_999 }).map(String);

/** A drama-range number typed as people type them, and the E.164 form it must become. */
const typedDramaNumber = fc
  .tuple(
    dramaSubscriber,
    fc.constantFrom(
      (n: string) => `07700 ${n}`,
      (n: string) => `+44 7700 ${n}`,
      (n: string) => `447700${n}`,
      (n: string) => `0044 7700 ${n}`,
      (n: string) => `(07700) ${n.slice(0, 3)}-${n.slice(3)}`,
      (n: string) => ` 07700${n}\t`,
    ),
  )
  .map(([subscriber, typed]) => ({ typed: typed(subscriber), e164: `+447700${subscriber}` }));

const fee = fc.oneof(
  fc.integer({ min: 0, max: 9999 }).map(String),
  fc.integer({ min: 0, max: 9999 }).map((pounds) => `£${pounds}`),
  fc.integer({ min: 0, max: 9999 }),
  fc.integer({ min: 0, max: 999_999 }).map((pence) => pence / 100),
  fc.integer({ min: 0, max: 99 }).map((pounds) => ` £ ${pounds}.5 `),
);

const absentOr = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });
const emptyCell = fc.constantFrom("", "   ", "\n");

/** JSON values of any shape, keys included: `__proto__`, `constructor` and the like come up. */
const anyJson = fc.jsonValue({ maxDepth: 3 });
const extraFields = fc.dictionary(fc.string({ unit: "binary", maxLength: 12 }), anyJson, { maxKeys: 3 });

const validPayload = fc
  .record({
    parent_first_name: nastyName,
    player_first_name: nastyName,
    team_name: nastyName,
    age_group: nastyShort(["u7s", "u11s", "U12", "Under 14s", "u9 Girls"]),
    team_manager_1_full_name: nastyName,
    parent_last_name: absentOr(fc.oneof(nastyName, emptyCell)),
    player_last_name: absentOr(fc.oneof(nastyName, emptyCell)),
    // The stack's season however it is written: any other is refused (trigger.test.ts).
    current_registration_season: absentOr(fc.oneof(nastyShort(["2025-26", "2025/26", "2025-2026", "2025 – 26"]), emptyCell)),
    membership_fee_amount: absentOr(fc.oneof(fee, emptyCell)),
    subscription_fee_amount: absentOr(fc.oneof(fee, emptyCell)),
    parent_tel: typedDramaNumber,
    team_manager_1_tel: typedDramaNumber,
    extra: extraFields,
  })
  .map(({ parent_tel, team_manager_1_tel, extra, ...fields }) => ({
    // Known fields last, so an extra field of the same name does not replace them.
    payload: { ...extra, ...withoutAbsent(fields), parent_tel: parent_tel.typed, team_manager_1_tel: team_manager_1_tel.typed },
    parentE164: parent_tel.e164,
  }));

function withoutAbsent(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** Header names in any case, and the content types callers get wrong. */
const headers = fc
  .tuple(
    fc.option(
      fc.tuple(
        anyCase("Content-Type"),
        fc.constantFrom(
          "application/json",
          "APPLICATION/JSON; charset=UTF-8",
          "text/plain",
          "application/x-www-form-urlencoded",
          "",
          "garbage/\u0000",
        ),
      ),
      { nil: undefined },
    ),
    anyCase("x-api-key"),
    fc.dictionary(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 2 }),
  )
  .map(([contentType, apiKeyName, extra]) => ({
    ...extra,
    [apiKeyName]: testApiKey,
    ...(contentType ? { [contentType[0]]: contentType[1] } : {}),
  }));

// ---- The cases: each is a request and what must come of it -------------------------------

type Expected =
  | { kind: "sent"; parentE164: string }
  | { kind: "problems"; fields: Record<string, string | RegExp> }
  | { kind: "body problem" }
  | { kind: "some problem" }
  | { kind: "too large" };

interface Case {
  name: string;
  body: string | null;
  base64: boolean;
  expected: Expected;
}

const json = (value: unknown) => JSON.stringify(value);
const toBase64 = (text: string) => Buffer.from(text).toString("base64");

/** Valid invites full of values WhatsApp would refuse until cleaned, as JSON or honestly base64-encoded. */
const validCase = fc.tuple(validPayload, fc.boolean()).map(
  ([{ payload, parentE164 }, base64]): Case => ({
    name: "valid",
    body: base64 ? toBase64(json(payload)) : json(payload),
    base64,
    expected: { kind: "sent", parentE164 },
  }),
);

/** A required text field that is empty once the white space WhatsApp refuses is gone. */
const blankCase = fc.tuple(validPayload, fc.constantFrom(...textFields), fc.string({ unit: invisible, maxLength: 12 })).map(
  ([{ payload }, field, blank]): Case => ({
    name: "blank",
    body: json({ ...payload, [field]: blank }),
    base64: false,
    expected: { kind: "problems", fields: { [field]: "must not be empty" } },
  }),
);

/** A text field too long once cleaned, up to strings that push the body past 64 KB. */
const tooLongCase = fc
  .tuple(
    validPayload,
    fc.constantFrom(...textFields),
    fc.constantFrom("x", "é", "李", "😀"),
    fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40_000 })),
  )
  .map(
    ([{ payload }, field, character, extra]): Case => ({
      name: "too long",
      body: json({ ...payload, [field]: ` ${character.repeat(lengthLimits[field] + extra)}\n` }),
      base64: false,
      expected: { kind: "problems", fields: { [field]: `must be at most ${lengthLimits[field]} characters` } },
    }),
  );

/** Any value that is not a string; fees also take numbers, so theirs are neither. */
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }),
);
const neitherStringNorNumber = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }),
);

/** Fields missing or of the wrong type: every one named, nothing else. */
const wrongFieldsCase = fc
  .tuple(
    validPayload,
    fc.uniqueArray(fc.constantFrom(...allFields), { minLength: 1, maxLength: 6 }),
    fc.array(fc.oneof(fc.constant<"delete">("delete"), notAString, neitherStringNorNumber), { minLength: 6, maxLength: 6 }),
  )
  .map(([{ payload }, fields, changes]): Case | undefined => {
    const changed: Record<string, unknown> = { ...payload };
    const expected: Record<string, string | RegExp> = {};
    fields.forEach((field, index) => {
      const change = changes[index];
      if (change === "delete") {
        delete changed[field];
        if ((requiredInviteFields as readonly string[]).includes(field)) expected[field] = "is required";
        return;
      }
      const isFee = (feeFields as readonly string[]).includes(field);
      // A number is a fee's right type; the cases for wrong fee amounts are in trigger.test.ts.
      if (isFee && typeof change === "number") return;
      changed[field] = change;
      // JSON has no NaN or Infinity: they go as null, still not a string.
      expected[field] = isFee ? /^must be an amount in pounds/ : "must be a string";
    });
    if (Object.keys(expected).length === 0) return undefined;
    return { name: "wrong fields", body: json(changed), base64: false, expected: { kind: "problems", fields: expected } };
  })
  .filter((value): value is Case => value !== undefined);

/** Bodies that are not an invite: noise, JSON of other shapes, broken JSON, a form, nothing. */
const garbageCase = fc
  .oneof(
    fc.string({ unit: "binary", maxLength: 200 }).map((body) => ({ body, expected: "some" as const })),
    fc.json({ maxDepth: 3 }).map((body) => ({ body, expected: "some" as const })),
    fc
      .jsonValue({ maxDepth: 2 })
      .filter((value) => typeof value !== "object" || value === null || Array.isArray(value))
      .map((value) => ({ body: json(value), expected: "body" as const })),
    fc
      .integer({ min: 1, max: json(validInvite).length - 1 })
      .map((length) => ({ body: json(validInvite).slice(0, length), expected: "body" as const })),
    fc.constant({ body: new URLSearchParams(validInvite).toString(), expected: "body" as const }),
    fc
      .constantFrom(
        "{'parent_first_name': 'Sam'}",
        '{"parent_first_name": "Sam",}',
        "{parent_first_name: Sam}",
        "NaN",
        "undefined",
        "[",
        "}",
      )
      .map((body) => ({ body, expected: "body" as const })),
    fc.constantFrom("", "   ", "\n\t", null).map((body) => ({ body, expected: "body" as const })),
  )
  .map(
    ({ body, expected }): Case => ({
      name: "garbage",
      body,
      base64: false,
      expected: { kind: expected === "body" ? "body problem" : "some problem" },
    }),
  );

/** isBase64Encoded that lies: JSON flagged as base64, base64 not flagged, noise flagged. */
const lyingBase64Case = fc
  .oneof(
    validPayload.map(({ payload }) => ({ body: json(payload), base64: true })),
    validPayload.map(({ payload }) => ({ body: toBase64(json(payload)), base64: false })),
    // Noise flagged as base64 decodes to anything, even to a JSON object.
    fc.string({ unit: "binary", minLength: 1, maxLength: 100 }).map((body) => ({ body, base64: true, noise: true })),
  )
  .map(
    ({ body, base64, ...rest }): Case => ({
      name: "lying base64 flag",
      body,
      base64,
      expected: { kind: "noise" in rest ? "some problem" : "body problem" },
    }),
  );

/** An invite padded past 64 KB, counted in bytes: 413 before anything is read. */
const tooLargeCase = fc
  .tuple(validPayload, fc.constantFrom("x", "é", "李", "😀"), fc.integer({ min: 1, max: 200_000 }), fc.boolean())
  .map(([{ payload }, character, excess, base64]): Case => {
    const padded = json({ ...payload, notes: character.repeat(Math.ceil((maxBodyBytes + excess) / Buffer.byteLength(character))) });
    return { name: "over 64 KB", body: base64 ? toBase64(padded) : padded, base64, expected: { kind: "too large" } };
  });

const triggerCase = fc.oneof(
  { arbitrary: validCase, weight: 3 },
  { arbitrary: blankCase, weight: 2 },
  { arbitrary: tooLongCase, weight: 1 },
  { arbitrary: wrongFieldsCase, weight: 4 },
  { arbitrary: garbageCase, weight: 5 },
  { arbitrary: lyingBase64Case, weight: 2 },
  { arbitrary: tooLargeCase, weight: 1 },
);

// ---- Checking each answer ----------------------------------------------------------------

const decodedBytes = (request: Case) => (request.body ? Buffer.byteLength(request.body, request.base64 ? "base64" : "utf8") : 0);

/** What WhatsApp accepts as a template value: something visible, on one line, no run of five spaces, no controls. */
function expectWhatsappAcceptable(value: string): void {
  expect(value).toBe(value.trim());
  expect(value).not.toBe("");
  expect(value).not.toMatch(/[\p{Cc}\p{Cs}]| {5}/u);
}

interface Tally {
  byStatus: Record<number, number>;
  byCase: Record<string, number>;
  newSends: number;
}

async function checkOne(request: Case, event: APIGatewayProxyEvent, tally: Tally, sentSids: Set<string>): Promise<void> {
  const attemptsBefore = services().twilio.attempts;
  const response = await handler(event);
  tally.byStatus[response.statusCode] = (tally.byStatus[response.statusCode] ?? 0) + 1;
  tally.byCase[request.name] = (tally.byCase[request.name] ?? 0) + 1;

  expect(response.headers?.["Content-Type"]).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as { message?: unknown; message_sid?: string; problems?: { field: string; message: string }[] };
  expect(typeof body.message).toBe("string");
  expect(response.body).not.toMatch(/\n\s+at |node_modules/);

  // Size comes first: a body too large for the limit is 413 whatever it holds.
  if (decodedBytes(request) > maxBodyBytes) {
    expect(response.statusCode).toBe(413);
    expect(body.message).toContain("64 KB");
    expect(services().twilio.attempts).toBe(attemptsBefore);
    return;
  }
  expect(request.expected.kind).not.toBe("too large");
  if (request.expected.kind === "sent") {
    expect(response.statusCode, response.body).toBe(200);
    const sid = body.message_sid!;
    const repeated = sentSids.has(sid);
    sentSids.add(sid);
    // An invite the duplicate check has seen is answered from its record, without a send.
    if (repeated) {
      expect(services().twilio.attempts).toBe(attemptsBefore);
      return;
    }
    tally.newSends += 1;
    expect(services().twilio.attempts).toBe(attemptsBefore + 1);
    const sent = services().twilio.messages.at(-1)!;
    expect(sent.sid).toBe(sid);
    expect(sent.To).toBe(`whatsapp:${request.expected.parentE164}`);
    const variables = JSON.parse(sent.ContentVariables) as Record<string, string>;
    expect(Object.keys(variables)).toHaveLength(9);
    Object.values(variables).forEach(expectWhatsappAcceptable);
    return;
  }

  // Refused: a 400 naming each problem in its message, and Twilio never asked.
  expect(response.statusCode, response.body).toBe(400);
  expect(services().twilio.attempts).toBe(attemptsBefore);
  const problems = body.problems ?? [];
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) expect(body.message).toContain(`${problem.field} ${problem.message}`);
  if (request.expected.kind === "body problem") {
    expect(problems).toEqual([
      {
        field: "body",
        message: expect.stringMatching(/^(is not valid JSON|is empty: send the invite as a JSON object|must be a JSON object)$/),
      },
    ]);
  }
  if (request.expected.kind === "problems") {
    const named = Object.fromEntries(problems.map((problem) => [problem.field, problem.message]));
    expect(Object.keys(named).sort()).toEqual(Object.keys(request.expected.fields).sort());
    for (const [field, message] of Object.entries(request.expected.fields)) {
      if (typeof message === "string") expect(named[field]).toBe(message);
      else expect(named[field]).toMatch(message);
    }
  }
}

describe("generated trigger bodies", () => {
  it(`answer ${generatedBodies} bodies with a 4xx naming the problem or a 200 for a send Twilio accepted`, async () => {
    const tally: Tally = { byStatus: {}, byCase: {}, newSends: 0 };
    const sentSids = new Set<string>();
    const attemptsBefore = services().twilio.attempts;
    const started = Date.now();

    await fc.assert(
      fc.asyncProperty(triggerCase, headers, async (request, requestHeaders) => {
        const event = proxyEvent({
          path: "/trigger",
          body: request.body ?? undefined,
          headers: requestHeaders,
          isBase64Encoded: request.base64,
        });
        await checkOne(request, event, tally, sentSids);
      }),
      { numRuns: generatedBodies },
    );

    const answered = Object.values(tally.byStatus).reduce((sum, count) => sum + count, 0);
    expect(answered).toBeGreaterThanOrEqual(generatedBodies);
    expect(
      Object.keys(tally.byStatus)
        .map(Number)
        .every((status) => status < 500),
    ).toBe(true);
    // Every Twilio call was an invite that was answered 200; Twilio refused none of them.
    expect(services().twilio.attempts - attemptsBefore).toBe(tally.newSends);
    expect(services().twilio.messages).toHaveLength(services().twilio.attempts);
    // The mix reached both paths: sends, refusals and the 64 KB limit.
    expect(tally.byStatus[200]).toBeGreaterThan(generatedBodies / 20);
    expect(tally.byStatus[400]).toBeGreaterThan(generatedBodies / 2);
    expect(tally.byStatus[413]).toBeGreaterThan(generatedBodies / 100);
    // Nothing thrown inside the handler, even where the answer was right.
    expect(logLines.filter((line) => JSON.parse(line).level === "error")).toEqual([]);
    console.info(
      `trigger: ${answered} generated bodies in ${Date.now() - started} ms; by status ${JSON.stringify(tally.byStatus)}; by case ${JSON.stringify(tally.byCase)}; Twilio sends ${tally.newSends}`,
    );
  });
});

describe("values WhatsApp would refuse", () => {
  it("are cleaned of control characters and lone surrogates before Twilio sees them", async () => {
    const response = await handler(
      proxyEvent({ path: "/trigger", body: json({ ...validInvite, team_name: "Lions\u0000\u001b Blue\ud800", age_group: "u11s\u007f" }) }),
    );
    expect(response.statusCode).toBe(200);
    const { message_sid } = JSON.parse(response.body) as { message_sid: string };
    const sent = services().twilio.messages.find((message) => message.sid === message_sid)!;
    expect(JSON.parse(sent.ContentVariables)).toMatchObject({ "3": "Lions Blue", "4": "U11" });
  });

  it("are refused with a 400 naming the field when nothing visible is left", async () => {
    const attempts = services().twilio.attempts;
    const response = await handler(
      proxyEvent({ path: "/trigger", body: json({ ...validInvite, parent_first_name: "\u200b\u200d\u0000 " }) }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).problems).toEqual([{ field: "parent_first_name", message: "must not be empty" }]);
    expect(services().twilio.attempts).toBe(attempts);
  });
});

describe("the 64 KB limit", () => {
  const paddedTo = (bytes: number) => {
    const base = json({ ...validInvite, notes: "" });
    return json({ ...validInvite, notes: "x".repeat(bytes - Buffer.byteLength(base)) });
  };

  it("takes a body of exactly 64 KB", async () => {
    const body = paddedTo(maxBodyBytes);
    expect(Buffer.byteLength(body)).toBe(maxBodyBytes);
    expect((await handler(proxyEvent({ path: "/trigger", body }))).statusCode).toBe(200);
  });

  it("answers 413 naming the size and the limit one byte over, and sends nothing", async () => {
    const attempts = services().twilio.attempts;
    const response = await handler(proxyEvent({ path: "/trigger", body: paddedTo(maxBodyBytes + 1) }));
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({
      error: "body_too_large",
      message: `The body is ${maxBodyBytes + 1} bytes; the most accepted is ${maxBodyBytes} bytes (64 KB).`,
    });
    expect(services().twilio.attempts).toBe(attempts);
  });

  it("counts a base64 body by its decoded size", async () => {
    const fits = toBase64(paddedTo(maxBodyBytes - 10));
    expect(fits.length).toBeGreaterThan(maxBodyBytes);
    expect((await handler(proxyEvent({ path: "/trigger", body: fits, isBase64Encoded: true }))).statusCode).toBe(200);
  });
});
