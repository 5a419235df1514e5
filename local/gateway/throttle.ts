/**
 * A usage plan's throttle as API Gateway applies it: a token bucket holding `burstLimit`
 * requests, refilled at `rateLimit` per second. A request that finds it empty gets 429.
 */
export interface ThrottleLimits {
  rateLimit: number;
  burstLimit: number;
}

export type Throttle = (now?: number) => boolean;

export function createThrottle({ rateLimit, burstLimit }: ThrottleLimits, start = Date.now()): Throttle {
  let tokens = burstLimit;
  let refilledAt = start;
  return (now = Date.now()) => {
    tokens = Math.min(burstLimit, tokens + ((now - refilledAt) / 1000) * rateLimit);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}
