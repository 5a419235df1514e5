/**
 * The board's sessions and who may sign in (BOARD.md): pure rules, the clock passed in. A session
 * ends 2 hours after its last request or 12 hours after sign-in, whichever is first; a person may
 * sign in while they are a secretary in the stack's config or a team manager on People, and is
 * looked up again at every request, so one removed is locked out at their next.
 */
import type { BoardTeam } from "./team";

export const sessionIdleMs = 2 * 60 * 60_000;
export const sessionAbsoluteMs = 12 * 60 * 60_000;

export interface SessionTimes {
  /** Epoch ms of the sign-in. */
  created: number;
  /** Epoch ms of the last request made with it. */
  lastSeen: number;
}

/** Whether the session may still be used at `now`. */
export function sessionLive({ created, lastSeen }: SessionTimes, now: Date): boolean {
  const at = now.getTime();
  return at - lastSeen < sessionIdleMs && at - created < sessionAbsoluteMs;
}

/** Epoch seconds after which the session is of no use: its record's TTL. */
export const sessionExpiresAt = (created: number) => Math.ceil((created + sessionAbsoluteMs) / 1000);

export interface Secretary {
  name: string;
  /** E.164. */
  tel: string;
}

export interface TeamManager {
  name: string;
  tel: string;
  teams: readonly BoardTeam[];
}

export type BoardPerson = (Secretary & { role: "secretary" }) | (TeamManager & { role: "team_manager" });

/**
 * Who `tel` is on the board, if anyone: a secretary in the config first (a secretary also added
 * as a team manager keeps every team), then the team manager People holds.
 */
export function boardPersonFor(
  tel: string,
  secretaries: readonly Secretary[],
  teamManager: TeamManager | undefined,
): BoardPerson | undefined {
  const secretary = secretaries.find((candidate) => candidate.tel === tel);
  if (secretary) return { ...secretary, role: "secretary" };
  return teamManager?.tel === tel ? { ...teamManager, role: "team_manager" } : undefined;
}
