/** Exponential backoff with full jitter, bounded by attempts and by a deadline. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 2_000 };

export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry));
}

export interface RetryOptions<T> {
  /** Whether `result` ends the attempts: a success, or a failure another attempt cannot mend. */
  isFinal(result: T): boolean;
  policy: RetryPolicy;
  /** Epoch ms; no wait starts that would end past it. */
  deadline?: number;
  /** The backoff's base after `result`, where it differs from the policy's: a throttle waits longer than a fault. */
  baseDelayMs?(result: T): number;
  /** Told of each retry before its wait: the result that caused it, the attempts made so far and the wait. */
  onRetry?(result: T, attempts: number, delayMs: number): void;
}

/**
 * Runs `attempt` until `isFinal` accepts its result, the attempts run out or the next wait
 * would pass the deadline. Returns the last result and how many attempts were made.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  { isFinal, policy, deadline = Number.POSITIVE_INFINITY, baseDelayMs, onRetry }: RetryOptions<T>,
): Promise<{ result: T; attempts: number }> {
  let attempts = 0;
  for (;;) {
    const result = await attempt();
    attempts += 1;
    if (isFinal(result) || attempts >= policy.attempts) return { result, attempts };
    const delay = backoffDelay({ ...policy, baseDelayMs: baseDelayMs?.(result) ?? policy.baseDelayMs }, attempts - 1);
    if (Date.now() + delay >= deadline) return { result, attempts };
    onRetry?.(result, attempts, delay);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
