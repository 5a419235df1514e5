import { describe, expect, it } from "vitest";
import { backoffDelay, retryUntil } from "../../plumbing/retry";

const policy = { attempts: 4, baseDelayMs: 10, maxDelayMs: 25 };

describe("backoffDelay", () => {
  it("doubles the ceiling each retry up to the maximum, with full jitter below it", () => {
    expect([0, 1, 2, 3].map((retry) => backoffDelay(policy, retry, () => 1))).toEqual([10, 20, 25, 25]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(10);
  });
});

describe("retryUntil", () => {
  it("stops at the first final result", async () => {
    let calls = 0;
    const { result, attempts } = await retryUntil(async () => ++calls, { isFinal: (n) => n === 2, policy });
    expect({ result, attempts, calls }).toEqual({ result: 2, attempts: 2, calls: 2 });
  });

  it("gives up after the policy's attempts with the last result", async () => {
    let calls = 0;
    const { result, attempts } = await retryUntil(async () => ++calls, { isFinal: () => false, policy });
    expect({ result, attempts }).toEqual({ result: 4, attempts: 4 });
  });

  it("does not start a wait that would end past the deadline", async () => {
    let calls = 0;
    const { attempts } = await retryUntil(async () => ++calls, {
      isFinal: () => false,
      policy: { attempts: 10, baseDelayMs: 1_000, maxDelayMs: 1_000 },
      deadline: Date.now() + 1,
    });
    expect(attempts).toBe(1);
  });

  it("waits on the base the result asks for, and tells of each retry before its wait", async () => {
    let calls = 0;
    const retries: [number, number, number][] = [];
    const { attempts } = await retryUntil(async () => ++calls, {
      isFinal: () => false,
      // On the policy's own base every wait would pass the deadline, and there would be no retry.
      policy: { attempts: 3, baseDelayMs: 1e9, maxDelayMs: 1e9 },
      deadline: Date.now() + 1_000,
      baseDelayMs: () => 0,
      onRetry: (n, attemptsSoFar, delayMs) => retries.push([n, attemptsSoFar, delayMs]),
    });
    expect(attempts).toBe(3);
    expect(retries).toEqual([
      [1, 1, 0],
      [2, 2, 0],
    ]);
  });
});
