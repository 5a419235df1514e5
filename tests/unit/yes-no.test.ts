/** Yes, no and the global commands, in the ways parents type them on WhatsApp. */
import { describe, expect, it } from "vitest";
import { globalCommand } from "../../domain/conversation/commands";
import { isNotJoining, isReadyToStart, parseYesNo } from "../../domain/conversation/yes-no";

describe("parseYesNo", () => {
  it.each([
    "yes",
    "YES",
    "Yes!",
    "y",
    "yeah",
    "yep",
    "yup",
    "ok",
    "OK",
    "okay",
    "k",
    "sure",
    "ready",
    "Ready!",
    "I'm ready",
    "I\u2019m ready",
    "let's go",
    "Lets go!",
    "ok let's go",
    "yes please",
    "Yes, ready 👍",
    "👍",
    "👍🏽",
    "👍👍",
    "✅",
    "✔️",
    "👌",
    "agreed",
    "I agree",
    "correct",
    "that's right",
  ])("%s is yes", (typed) => expect(parseYesNo(typed)).toBe("yes"));

  it.each([
    "no",
    "NO",
    "No.",
    "n",
    "nope",
    "nah",
    "no thanks",
    "No thank you",
    "not joining",
    "Not joining",
    "he's not joining",
    "she is not joining",
    "not this season",
    "👎",
    "❌",
    "I don't agree",
    "disagree",
  ])("%s is no", (typed) => expect(parseYesNo(typed)).toBe("no"));

  it.each([
    "",
    "maybe",
    "yes no",
    "👍👎",
    "what time is training?",
    "yes but what's the fee",
    "Alfie Testington",
    "14/03/2015",
    "not sure",
  ])("%s is neither", (typed) => expect(parseYesNo(typed)).toBeUndefined());
});

describe("isReadyToStart and isNotJoining", () => {
  it.each([
    "ready",
    "READY!",
    "I'm ready",
    "we are ready",
    "let's go",
    "start",
    "let's start",
    "go",
    "yes",
    "Yes, ready to register",
    "Ready when you are",
    "ok let's do this 👍",
  ])("%s is ready to start", (typed) => expect(isReadyToStart(typed)).toBe(true));
  it.each([
    "no",
    "ready or not",
    "not ready",
    "not ready yet",
    "ready later",
    "Is it ok to pay later?",
    "Can I ask something first?",
    "What kit do we need",
  ])("%s is not ready to start", (typed) => expect(isReadyToStart(typed)).toBe(false));
  it.each(["not joining", "They're not joining", "not interested", "not playing"])("%s is not joining", (typed) =>
    expect(isNotJoining(typed)).toBe(true),
  );
  it.each(["no", "nope", "joining", "not sure"])("%s is not a decline", (typed) => expect(isNotJoining(typed)).toBe(false));
});

describe("globalCommand: whole messages, any case", () => {
  it.each([
    ["STOP", "stop"],
    ["stop", "stop"],
    ["Stop.", "stop"],
    [" stop ", "stop"],
    ["STOPALL", "stop"],
    ["unsubscribe", "stop"],
    ["Stop messaging me", "stop"],
    ["START", "start"],
    ["Unstop", "start"],
    ["help", "help"],
    ["HELP!", "help"],
    ["RESTART", "restart"],
    ["start again", "restart"],
    ["delete my data", "delete_my_data"],
    ["DELETE MY DATA", "delete_my_data"],
    ["Delete my details", "delete_my_data"],
  ])("%s is %s", (typed, command) => expect(globalCommand(typed)).toBe(command));

  it.each([
    "stop it",
    "please stop messaging me now",
    "help me with the date",
    "can I restart later?",
    "delete",
    "yes",
    "constructor",
    "toString",
    "__proto__",
  ])("%s is no command", (typed) => expect(globalCommand(typed)).toBeUndefined());
});
