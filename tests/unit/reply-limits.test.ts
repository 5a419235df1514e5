import { describe, expect, it } from "vitest";
import { mayReplyAgain } from "../../domain/conversation/reply-limits";

describe("mayReplyAgain: at most one reply a day to messages that move nothing on", () => {
  const now = new Date("2025-07-01T12:00:00.000Z");
  it.each([
    { last: undefined, may: true, label: "never replied" },
    { last: "2025-07-01T11:59:59.000Z", may: false, label: "a second ago" },
    { last: "2025-06-30T12:00:00.001Z", may: false, label: "a millisecond short of a day ago" },
    { last: "2025-06-30T12:00:00.000Z", may: true, label: "a day ago" },
    { last: "2025-06-20T08:00:00.000Z", may: true, label: "days ago" },
    { last: "not a time", may: true, label: "an unreadable time, which must not silence the parent for good" },
  ])("$label: $may", ({ last, may }) => {
    expect(mayReplyAgain(last, now)).toBe(may);
  });
});
