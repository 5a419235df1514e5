/** The handlers' errors (plumbing/errors.ts): each a real Error, told apart by its own mark, never by a name another error could carry. */
import { describe, expect, it } from "vitest";
import {
  awsError,
  conversationConflictError,
  idempotencyStoreError,
  isAwsError,
  isIdempotencyStoreError,
  isRequestTimeoutError,
  isSettingsError,
  registrationStoreError,
  requestTimeoutError,
  settingsError,
  statusConflictError,
} from "../../plumbing/errors";

describe("each error", () => {
  it.each([
    ["SettingsError", settingsError("missing parameters /signon/urmston/test/season"), isSettingsError],
    ["IdempotencyStoreError", idempotencyStoreError("environment variable SIGNON_IDEMPOTENCY_TABLE is not set"), isIdempotencyStoreError],
    ["RequestTimeoutError", requestTimeoutError(), isRequestTimeoutError],
  ] as const)("%s carries its name, the one a log line shows, and its guard knows it", (name, error, guard) => {
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(Error);
    expect(guard(error)).toBe(true);
    expect(guard(new Error("something else"))).toBe(false);
  });

  it.each([
    ["RegistrationStoreError", registrationStoreError("environment variable SIGNON_REGISTRATIONS_TABLE is not set")],
    ["ConversationConflictError", conversationConflictError(5)],
    ["StatusConflictError", statusConflictError(5)],
  ] as const)("%s carries its name and message", (name, error) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toMatch(/SIGNON_REGISTRATIONS_TABLE is not set|moved on at each of 5 attempts/);
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
    const error = awsError("dynamodb", "ConditionalCheckFailedException", answer, 400);
    expect(error).toMatchObject({
      name: "ConditionalCheckFailedException",
      message: "dynamodb answered ConditionalCheckFailedException",
      type: "ConditionalCheckFailedException",
      answer,
      status: 400,
    });
    expect(error).toBeInstanceOf(Error);
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
    expect(requestTimeoutError()).toMatchObject({ code: "ETIMEDOUT", message: "request timed out" });
  });
});
