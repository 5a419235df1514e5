/**
 * GoCardless's protocol as signon speaks it, without the network: amounts in pence from the fees
 * as the invite gives them, the API by environment, and the webhook signature, checked against
 * the gocardless-nodejs package's own parse().
 */
import { parse } from "gocardless-nodejs";
import { describe, expect, it } from "vitest";
import { penceOf } from "../../domain/money";
import { goCardlessBaseUrl } from "../../gocardless/gocardless-client";
import { goCardlessSignature, isGoCardlessSignatureValid } from "../../gocardless/webhook-signature";

describe("penceOf", () => {
  it.each([
    ["26.50", 2650],
    ["40", 4000],
    [40, 4000],
    ["£26.5", 2650],
    ["0.07", 7],
    ["9999.99", 999_999],
    ["4.35", 435],
    ["1.15", 115],
  ])("makes %s into %i pence", (fee, pence) => {
    expect(penceOf(fee)).toBe(pence);
  });

  it("counts every amount from 0.01 to 99.99 exactly, where multiplying the pounds by 100 would land a penny out", () => {
    for (let pence = 1; pence < 10_000; pence++) {
      const fee = `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, "0")}`;
      expect(penceOf(fee)).toBe(pence);
    }
    expect(Math.trunc(Number("4.35") * 100)).not.toBe(435);
  });

  it.each(["", "forty", "26.505", "-5", "10000"])("has no amount for %j", (fee) => {
    expect(penceOf(fee)).toBeUndefined();
  });
});

describe("GoCardless's API by environment", () => {
  it("is the sandbox or the live API unless GOCARDLESS_API_BASE_URL points elsewhere", () => {
    expect(goCardlessBaseUrl("sandbox")).toBe("https://api-sandbox.gocardless.com");
    expect(goCardlessBaseUrl("live")).toBe("https://api.gocardless.com");
    expect(goCardlessBaseUrl("live", "http://127.0.0.1:4010/")).toBe("http://127.0.0.1:4010");
    expect(goCardlessBaseUrl("sandbox", "")).toBe("https://api-sandbox.gocardless.com");
  });
});

describe("the webhook's signature", () => {
  const secret = "whsec-0123456789abcdefghij";
  const body = JSON.stringify({
    events: [{ id: "EV0123456789", resource_type: "payments", action: "confirmed", links: { payment: "PM01" } }],
  });
  const signature = goCardlessSignature(body, secret);

  it("is the hex HMAC-SHA256 of the raw body, as gocardless-nodejs's parse() verifies it", () => {
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(parse(body, secret, signature)).toHaveLength(1);
    expect(isGoCardlessSignatureValid(body, signature, secret)).toBe(true);
    expect(isGoCardlessSignatureValid(body, signature.toUpperCase(), secret)).toBe(true);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["made with another secret", goCardlessSignature(body, "another-secret-0123456789")],
    ["cut short", signature.slice(0, 63)],
    ["not hex", "z".repeat(64)],
  ])("is refused when %s", (_what, wrong) => {
    expect(isGoCardlessSignatureValid(body, wrong, secret)).toBe(false);
  });

  it("is refused for a body changed after signing, as gocardless-nodejs refuses it", () => {
    const changed = body.replace("confirmed", "failed");
    expect(isGoCardlessSignatureValid(changed, signature, secret)).toBe(false);
    expect(() => parse(changed, secret, signature)).toThrow();
  });
});
