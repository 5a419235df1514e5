/**
 * POST /webhook in-process: Twilio's signature checked with the twilio package against the
 * public URL from SSM, TwiML answers, one reply per MessageSid. The conversation itself:
 * tests/handlers/conversation.test.ts.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { afterAll, describe, expect, it } from "vitest";
import { proxyEvent } from "../../local/gateway/proxy-event";
import { otherAuthToken, testCredentials } from "../../testkit/fixtures";
import { handlerUnderTest, testWebhook } from "../../testkit/handler-under-test";
import { withSsmContents } from "../../testkit/local-services";
import { capturing } from "../../testkit/log-capture";
import { formBody, inboundMessage, signedEvent } from "../../testkit/twilio-webhook";

const { handler, logLines, services } = handlerUnderTest(testWebhook);

/** A message from `tel`, a number with no invite: each test that expects a reply its own, as a number gets one a day. */
const messageFrom = (tel: string) => inboundMessage({ From: `whatsapp:${tel}`, WaId: tel.slice(1) });

const expectForbidden = (response: APIGatewayProxyResult) => {
  expect(response.statusCode).toBe(403);
  expect(response.body).not.toContain("<Message>");
};

afterAll(() => {
  const logs = logLines.join("\n");
  for (const personal of [testCredentials.authToken, "Sarah", "Testington", "Alfie", "Ready to register", "900123"]) {
    expect(logs).not.toContain(personal);
  }
});

describe("a message signed by Twilio", () => {
  it("is answered with TwiML as the club's assistant (to a number with no invite, by saying so)", async () => {
    const response = await handler(signedEvent(messageFrom("+447700900401")));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["Content-Type"]).toBe("text/xml");
    expect(response.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>.*<\/Message><\/Response>$/);
    expect(response.body).toContain("This is Omega, the Urmston Town Registration Assistant");
  });

  it("is accepted with the header in lower case, as API Gateway may pass it", async () => {
    expect((await handler(signedEvent(inboundMessage(), { header: "x-twilio-signature" }))).statusCode).toBe(200);
  });

  it("is accepted when API Gateway hands the body over base64-encoded", async () => {
    expect((await handler(signedEvent(inboundMessage(), { base64: true }))).statusCode).toBe(200);
  });

  it("is accepted with fields Twilio added without notice, since the signature covers them", async () => {
    const response = await handler(signedEvent(inboundMessage({ ChannelMetadata: '{"type":"whatsapp"}', Latitude: "53.45" })));
    expect(response.statusCode).toBe(200);
  });

  it("is answered once: a retried delivery of the same MessageSid gets an empty Response", async () => {
    const message = messageFrom("+447700900402");
    const first = await handler(signedEvent(message));
    const retry = await handler(signedEvent(message));
    expect(first.body).toContain("<Message>");
    expect(retry.statusCode).toBe(200);
    expect(retry.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
});

describe("a forged or altered request", () => {
  it("is 403 without a signature", async () => {
    const event = proxyEvent({ path: "/webhook", body: formBody(inboundMessage()) });
    expectForbidden(await handler(event));
  });

  it("is 403 when the body was changed after signing", async () => {
    const fields = inboundMessage();
    expectForbidden(await handler(signedEvent(fields, { body: formBody({ ...fields, Body: "Please send it to someone else" }) })));
  });

  it("is 403 when signed for another URL", async () => {
    expectForbidden(await handler(signedEvent(inboundMessage(), { url: "https://example.invalid/v1/webhook" })));
  });

  it("is 403 when signed with another auth token", async () => {
    expectForbidden(await handler(signedEvent(inboundMessage(), { token: otherAuthToken })));
  });

  it("is 403 with a signature that is not base64 at all", async () => {
    const event = signedEvent(inboundMessage());
    event.headers["X-Twilio-Signature"] = "not-a-signature";
    expectForbidden(await handler(event));
  });

  it("does not count a forged MessageSid as seen", async () => {
    const message = messageFrom("+447700900403");
    expectForbidden(await handler(signedEvent(message, { token: otherAuthToken })));
    expect((await handler(signedEvent(message))).body).toContain("<Message>");
  });
});

describe("a deployment problem", () => {
  it("answers 500 so Twilio may retry, without detail, when the Twilio secret cannot be read", async () => {
    const lines: string[] = [];
    await withSsmContents(services().env, { secrets: {} }, async (env) => {
      const response = await testWebhook({ env, writeLog: capturing((line) => lines.push(line)) })(signedEvent(inboundMessage()));
      expect(response.statusCode).toBe(500);
      expect(response.body).toBe("signon could not handle this message; please try again.");
      expect(lines.map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ level: "error", event: "unexpected_error", error: "ParameterNotFound" }),
        expect.objectContaining({ event: "request_done", status: 500 }),
      ]);
    });
  });
});
