/** Twilio's protocol (twilio/): TwiML both ways, the webhook's form and its signature. */
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks";
import { describe, expect, it } from "vitest";
import { otherAuthToken, testCredentials, webhookUrl } from "../../testkit/fixtures";
import { twimlMessages, twimlResponse } from "../../twilio/twiml";
import { firstValue, parseForm, signedByTwilio } from "../../twilio/webhook-request";

describe("twimlResponse", () => {
  it("is an empty Response without a reply", () => {
    expect(twimlResponse()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it("escapes the reply's XML characters", () => {
    expect(twimlResponse(`Tom & Jerry's <"club">`)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tom &amp; Jerry&apos;s &lt;&quot;club&quot;&gt;</Message></Response>',
    );
  });
});

describe("reading TwiML", () => {
  it("reads back what the webhook's TwiML says, entities and all", () => {
    expect(twimlMessages(twimlResponse(`Fees: £40 & "£26" <monthly>`))).toEqual([`Fees: £40 & "£26" <monthly>`]);
    expect(twimlMessages(twimlResponse())).toEqual([]);
    expect(twimlMessages('<Response><Message to="x"><Body>One</Body></Message><Message>Two</Message></Response>')).toEqual(["One", "Two"]);
  });
});

describe("the webhook's form", () => {
  it("keeps every value of a repeated field, as the signature covers them all", () => {
    expect(parseForm("A=1&B=x%20y&A=2&C=")).toEqual({ A: ["1", "2"], B: "x y", C: "" });
    expect(firstValue(parseForm("A=1&A=2").A)).toBe("1");
  });

  it("is signed by Twilio only with the account's token, for the URL it was posted to, over every field", () => {
    const fields = parseForm("MessageSid=SM0&Body=Ready&Body=again");
    const signature = getExpectedTwilioSignature(testCredentials.authToken, webhookUrl, fields);
    expect(signedByTwilio(testCredentials.authToken, signature, webhookUrl, fields)).toBe(true);
    expect(signedByTwilio(otherAuthToken, signature, webhookUrl, fields)).toBe(false);
    expect(signedByTwilio(testCredentials.authToken, signature, `${webhookUrl}?x=1`, fields)).toBe(false);
    expect(signedByTwilio(testCredentials.authToken, signature, webhookUrl, { ...fields, Body: "Ready" })).toBe(false);
  });
});
