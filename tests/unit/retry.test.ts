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
    const { result, attempts } = await retryUntil(async () => ++calls, (n) => n === 2, policy);
    expect({ result, attempts, calls }).toEqual({ result: 2, attempts: 2, calls: 2 });
  });

  it("gives up after the policy's attempts with the last result", async () => {
    let calls = 0;
    const { result, attempts } = await retryUntil(async () => ++calls, () => false, policy);
    expect({ result, attempts }).toEqual({ result: 4, attempts: 4 });
  });

  it("does not start a wait that would end past the deadline", async () => {
    let calls = 0;
    const { attempts } = await retryUntil(async () => ++calls, () => false, { attempts: 10, baseDelayMs: 1_000, maxDelayMs: 1_000 }, Date.now() + 1);
    expect(attempts).toBe(1);
  });
});
