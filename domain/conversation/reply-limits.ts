/**
 * How often the assistant answers messages that move nothing on: a number with no invite, and a
 * parent writing after the hand-over to the club. Another business's auto-reply bot answers every
 * message, so a reply to each of its replies would loop between the two for ever.
 */

/** At most one such reply in this long. */
export const replyLimitWindowSeconds = 24 * 60 * 60;

/** True when no such reply went in the last window: never one (`undefined`), or one at least a window before `now`. */
export function mayReplyAgain(lastReplyAt: string | undefined, now: Date): boolean {
  if (lastReplyAt === undefined) return true;
  const last = Date.parse(lastReplyAt);
  // An unreadable time must not silence the parent for good.
  return Number.isNaN(last) || now.getTime() - last >= replyLimitWindowSeconds * 1000;
}
