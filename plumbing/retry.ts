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

/**
 * Runs `attempt` until `isFinal` accepts its result, the attempts run out or the next wait
 * would pass `deadline` (epoch ms). Returns the last result and how many attempts were made.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  isFinal: (result: T) => boolean,
  policy: RetryPolicy,
  deadline = Number.POSITIVE_INFINITY,
): Promise<{ result: T; attempts: number }> {
  let attempts = 0;
  for (;;) {
    const result = await attempt();
    attempts += 1;
    if (isFinal(result) || attempts >= policy.attempts) return { result, attempts };
    const delay = backoffDelay(policy, attempts - 1);
    if (Date.now() + delay >= deadline) return { result, attempts };
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
