/**
 * Remembers which Twilio MessageSids this container has already answered, so a retried
 * webhook does not make the assistant reply twice. Bounded in size and age.
 */
export interface ProcessedMessages {
  /** True the first time a MessageSid is seen, false on every repeat. */
  markFirstTime(messageSid: string): boolean;
}

export function createProcessedMessages({ maxEntries = 10_000, ttlMs = 24 * 60 * 60_000 } = {}): ProcessedMessages {
  // A Map iterates in insertion order, so the oldest entries come first when trimming.
  const seenAt = new Map<string, number>();
  return {
    markFirstTime(messageSid) {
      const now = Date.now();
      const previous = seenAt.get(messageSid);
      if (previous !== undefined && now - previous < ttlMs) return false;
      seenAt.delete(messageSid);
      seenAt.set(messageSid, now);
      for (const [sid, at] of seenAt) {
        if (seenAt.size <= maxEntries && now - at < ttlMs) break;
        seenAt.delete(sid);
      }
      return true;
    },
  };
}
