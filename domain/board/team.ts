/**
 * A team as the board names it: its name and its age group, written as clubs write them
 * (`Lions u11s`, `Lions Under 11s`), kept in one form (`Lions U11`). A team manager is given
 * teams; they see and invite for those only (BOARD.md).
 */
import { canonicalAgeGroup } from "../conversation/age-group";

export interface BoardTeam {
  team_name: string;
  /** Canonical: `U11`, `U9 girls` (domain/conversation/age-group.ts). */
  age_group: string;
}

/** Which teams a signed-in person may see: a secretary every one. */
export type TeamScope = "every team" | readonly BoardTeam[];

const fold = (text: string) => text.normalize("NFKC").toLocaleLowerCase("en-GB").replace(/\s+/g, " ").trim();

/**
 * A team from its written name: the age group is the first word that starts one (`u11s`,
 * `Under 11s`, `U-11`) and everything after it; the team's name is what comes before.
 * Undefined when there is no age group or no name before it.
 */
export function parseTeam(text: string): BoardTeam | undefined {
  const words = text.normalize("NFKC").trim().split(/\s+/);
  for (let index = 1; index < words.length; index++) {
    const age_group = canonicalAgeGroup(words.slice(index).join(" "));
    if (age_group) return { team_name: words.slice(0, index).join(" "), age_group };
  }
  return undefined;
}

/** `Lions U11`: how the board shows and stores a team. */
export const teamLabel = (team: BoardTeam) => `${team.team_name} ${team.age_group}`;

/** Whether a registration's team and age group (as invited, in any form) is one of the scope's. */
export function inScope(scope: TeamScope, registration: { team_name: string; age_group: string }): boolean {
  if (scope === "every team") return true;
  const ageGroup = fold(canonicalAgeGroup(registration.age_group) ?? registration.age_group);
  const teamName = fold(registration.team_name);
  return scope.some((team) => fold(team.team_name) === teamName && fold(team.age_group) === ageGroup);
}
