/** The handlers' errors (plumbing/errors.ts): each is told apart by its class, never by a name another error could carry. */
import { describe, expect, it } from "vitest";
import {
  AwsError,
  IdempotencyStoreError,
  isAwsError,
  isIdempotencyStoreError,
  isRequestTimeoutError,
  isSettingsError,
  RequestTimeoutError,
  SettingsError,
} from "../../plumbing/errors";

describe("each error", () => {
  it.each([
    ["SettingsError", new SettingsError("missing parameters /signon/urmston/test/season"), isSettingsError],
    [
      "IdempotencyStoreError",
      new IdempotencyStoreError("environment variable SIGNON_IDEMPOTENCY_TABLE is not set"),
      isIdempotencyStoreError,
    ],
    ["RequestTimeoutError", new RequestTimeoutError(), isRequestTimeoutError],
  ] as const)("%s carries its name, the one a log line shows, and its guard knows it", (name, error, guard) => {
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(Error);
    expect(guard(error)).toBe(true);
    expect(guard(new Error("something else"))).toBe(false);
  });

  it("is not mistaken for another that merely shares its name", () => {
    const lookalike = Object.assign(new Error("a lookalike"), { name: "SettingsError" });
    expect(isSettingsError(lookalike)).toBe(false);
    expect(isAwsError(Object.assign(new Error(), { name: "AwsError", type: "ThrottlingException" }), "ThrottlingException")).toBe(false);
  });
});

describe("an AWS error", () => {
  it("is named after the API's error type and keeps the answer", () => {
    const answer = { __type: "ConditionalCheckFailedException", Item: { id: { S: "trigger.invite#x" } } };
    const error = new AwsError("dynamodb", "ConditionalCheckFailedException", answer, 400);
    expect(error).toMatchObject({
      name: "ConditionalCheckFailedException",
      message: "dynamodb answered ConditionalCheckFailedException",
      answer,
    });
    expect(isAwsError(error, "ConditionalCheckFailedException")).toBe(true);
    expect(isAwsError(error, "ParameterNotFound")).toBe(false);
  });

  it("is told apart from an error that only carries the same name and an answer", () => {
    const lookalike = Object.assign(new Error("not from AWS"), { name: "ConditionalCheckFailedException", answer: {} });
    expect(isAwsError(lookalike, "ConditionalCheckFailedException")).toBe(false);
  });
});

describe("a request timeout", () => {
  it("has the socket's own code, so a sender treats it as a timeout", () => {
    expect(new RequestTimeoutError()).toMatchObject({ code: "ETIMEDOUT", message: "request timed out" });
  });
});
