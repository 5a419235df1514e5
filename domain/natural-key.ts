/**
 * What makes one player's registration: the season, team, age group, player and parent. The
 * registrations table keys a registration by it (aws/registration-store.ts), so a second invite
 * of the player is one registration; a squad sheet finds its repeated rows by it.
 */
import type { InviteFields } from "./registration";

/**
 * Case and spacing do not make another player: "Alfie  testington" is "Alfie Testington". The
 * age group comes in its one form from the trigger (`U11` for `u11s`: domain/invite.ts).
 */
export function naturalKey(
  registration: Pick<InviteFields, "season" | "team_name" | "age_group" | "player_first_name" | "player_last_name" | "parent_tel">,
): string {
  const fold = (text: string | undefined) => (text ?? "").normalize("NFKC").toLocaleLowerCase("en-GB").replace(/\s+/g, " ").trim();
  const player = fold(`${registration.player_first_name} ${registration.player_last_name ?? ""}`);
  return JSON.stringify([
    fold(registration.season),
    fold(registration.team_name),
    fold(registration.age_group),
    player,
    registration.parent_tel,
  ]);
}
