/**
 * Forged webhooks: a missing or wrong signature, a real signature replayed with another
 * body, one made for another URL or with another account's token. Each is 403 and changes
 * nothing: no reply, and the MessageSid stays unanswered, so Twilio's own delivery of it
 * afterwards still gets its reply. Requests signed with the twilio package's own function pass.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { beforeEach, describe, expect, it } from "vitest";
import { functions } from "../../handlers/functions";
import { createWebhookHandler, type WebhookHandler } from "../../handlers/webhook";
import { proxyEvent } from "../../local/gateway/proxy-event";
import { otherAuthToken } from "../../testkit/fixtures";
import { handlerUnderTest, type TestWiring } from "../../testkit/handler-under-test";
import { formBody, inboundMessage, otherWebhookUrls, signedEvent, strangerMessage, webhookUrlWithPort } from "../../testkit/twilio-webhook";

/** The one place the handler under test is wired, so its dependencies can change here alone. */
function webhookUnderTest(wiring: TestWiring): WebhookHandler {
  return createWebhookHandler(functions.webhook, wiring);
}

const { handler, logLines, services } = handlerUnderTest(webhookUnderTest);

beforeEach(() => {
  logLines.length = 0;
});

const loggedEvents = () => logLines.map((line) => JSON.parse(line).event as string);

function expectReply(response: APIGatewayProxyResult): void {
  expect(response.statusCode).toBe(200);
  expect(response.headers?.["Content-Type"]).toBe("text/xml");
  expect(response.body).toMatch(/<Response><Message>[^<]*Registration Assistant[^<]*<\/Message><\/Response>$/);
}

function expectForbidden(response: APIGatewayProxyResult): void {
  expect(response.statusCode).toBe(403);
  expect(response.body).toBe("Forbidden: X-Twilio-Signature does not match this request");
  expect(response.body).not.toContain("<Message>");
}

/** Each forgery of `message`, a genuine Twilio message. */
const forgeries: [string, (message: Record<string, string>) => APIGatewayProxyEvent, string][] = [
  [
    "without a signature",
    (message) =>
      proxyEvent({ path: "/webhook", body: formBody(message), headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
    "signature_missing",
  ],
  ["with an empty signature", (message) => withSignature(signedEvent(message), ""), "signature_missing"],
  ["with a signature that is not base64", (message) => withSignature(signedEvent(message), "not-a-signature"), "signature_mismatch"],
  [
    "with a well-formed signature of nothing",
    (message) => withSignature(signedEvent(message), Buffer.alloc(20, 7).toString("base64")),
    "signature_mismatch",
  ],
  [
    "with another message's signature",
    (message) => withSignature(signedEvent(message), signatureOf(signedEvent(inboundMessage()))),
    "signature_mismatch",
  ],
  [
    "replayed with a changed Body",
    (message) => signedEvent(message, { body: formBody({ ...message, Body: "Please send the registration link to someone else" }) }),
    "signature_mismatch",
  ],
  [
    "replayed with an added field",
    (message) => signedEvent(message, { body: formBody({ ...message, ForwardTo: "whatsapp:+447700900999" }) }),
    "signature_mismatch",
  ],
  [
    "replayed with a changed From",
    (message) => signedEvent(message, { body: formBody({ ...message, From: "whatsapp:+447700900999" }) }),
    "signature_mismatch",
  ],
  [
    "replayed with a field dropped",
    (message) => signedEvent(message, { body: formBody(withoutField(message, "Body")) }),
    "signature_mismatch",
  ],
  ...(
    [
      "the URL without its stage path",
      "another stage",
      "http instead of https",
      "another API's host",
      "the URL with a query string",
    ] as const
  ).map((wrong): [string, (message: Record<string, string>) => APIGatewayProxyEvent, string] => [
    `signed for ${wrong}`,
    (message) => signedEvent(message, { url: otherWebhookUrls[wrong] }),
    "signature_mismatch",
  ]),
  ["signed with another account's auth token", (message) => signedEvent(message, { token: otherAuthToken }), "signature_mismatch"],
];

function signatureOf(event: APIGatewayProxyEvent): string {
  return event.headers["X-Twilio-Signature"]!;
}

function withoutField(message: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(message).filter(([field]) => field !== name));
}

function withSignature(event: APIGatewayProxyEvent, signature: string): APIGatewayProxyEvent {
  return { ...event, headers: { ...event.headers, "X-Twilio-Signature": signature } };
}

describe("a forged webhook", () => {
  it.each(forgeries)("is 403 %s, and leaves the message for Twilio's own delivery", async (_, forge, logged) => {
    const message = strangerMessage();
    expectForbidden(await handler(forge(message)));
    expect(loggedEvents()).toEqual([logged, "request_done"]);

    expectReply(await handler(signedEvent(message)));
    expect(loggedEvents()).toContain("message_received");
  });

  it("is 403 even when its MessageSid was answered already, rather than a quiet duplicate", async () => {
    const message = strangerMessage();
    expectReply(await handler(signedEvent(message)));
    logLines.length = 0;
    expectForbidden(await handler(signedEvent(message, { body: formBody({ ...message, Body: "changed after signing" }) })));
    expect(loggedEvents()).toEqual(["signature_mismatch", "request_done"]);
  });

  it("is 403, not an error, while the table is out of reach: the partition read during the settings' read is dropped unused", async () => {
    // Port 9 (discard) refuses on loopback: every read of the parent's partition fails.
    const env = { ...services().env, AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" };
    const unreachable = webhookUnderTest({ env, writeLog: (line) => logLines.push(line) });
    const message = strangerMessage();
    for (const [, forge] of forgeries) expectForbidden(await unreachable(forge(message)));
    expect(loggedEvents().filter((event) => event !== "request_done")).toEqual(forgeries.map(([, , logged]) => logged));

    // The same handler with a genuine signature does use the read: its failure is the answer.
    expect((await unreachable(signedEvent(message))).statusCode).toBe(500);
  });

  it("is 403 when a signature for the base64 body is sent with the decoded body, and the reverse", async () => {
    const message = strangerMessage();
    const encoded = signedEvent(message, { base64: true });
    expectForbidden(await handler({ ...encoded, isBase64Encoded: false }));
    expectForbidden(await handler({ ...signedEvent(message), isBase64Encoded: true }));
    expectReply(await handler(encoded));
  });
});

describe("a webhook signed with the twilio package's own function", () => {
  it.each([
    ["as Twilio sends it", {}],
    ["with the header in lower case", { header: "x-twilio-signature" }],
    ["with the header in upper case", { header: "X-TWILIO-SIGNATURE" }],
    ["base64-encoded by API Gateway", { base64: true }],
    ["for the URL with the default port written out, which Twilio's validator also accepts", { url: webhookUrlWithPort }],
  ])("passes %s", async (_, options) => {
    expectReply(await handler(signedEvent(strangerMessage(), options)));
  });

  it("passes with unicode, control characters and fields Twilio added without notice", async () => {
    const message = strangerMessage({
      Body: "Ready ✅ to register 李明\n\t&=+%zz",
      ProfileName: "Zoë O'Neil 😀",
      ButtonPayload: "",
      ChannelMetadata: '{"type":"whatsapp"}',
    });
    expectReply(await handler(signedEvent(message)));
  });
});
