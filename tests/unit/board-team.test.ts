import { describe, expect, it } from "vitest";
import { inScope, parseTeam, teamLabel } from "../../domain/board/team";

describe("a team as the board names it", () => {
  it.each([
    ["Lions u11s", { team_name: "Lions", age_group: "U11" }],
    ["Lions Under 11s", { team_name: "Lions", age_group: "U11" }],
    ["Red Lions U-9 girls", { team_name: "Red Lions", age_group: "U9 girls" }],
    ["  Lions   u11  ", { team_name: "Lions", age_group: "U11" }],
  ])("reads %j", (text, team) => {
    expect(parseTeam(text)).toEqual(team);
  });

  it.each(["Lions", "u11s", "", "Lions U40"])("refuses %j: no name or no age group", (text) => {
    expect(parseTeam(text)).toBeUndefined();
  });

  it("labels a team in its one form", () => {
    expect(teamLabel({ team_name: "Lions", age_group: "U11" })).toBe("Lions U11");
  });

  it("keeps a team manager to their own teams, in any form the invite wrote them", () => {
    const scope = [{ team_name: "Lions", age_group: "U11" }];
    expect(inScope(scope, { team_name: "lions", age_group: "u11s" })).toBe(true);
    expect(inScope(scope, { team_name: "Lions", age_group: "U12" })).toBe(false);
    expect(inScope(scope, { team_name: "Tigers", age_group: "U11" })).toBe(false);
    expect(inScope("every team", { team_name: "Tigers", age_group: "U12" })).toBe(true);
  });
});
