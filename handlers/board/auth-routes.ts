/**
 * The board's own routes behind a session (BOARD.md): who is signed in, signing out, People (the
 * team managers a secretary adds and removes) and the audit log. The handler (board-handler.ts)
 * has already found the person and checked their role; sign-out's session is revoked there.
 */
import type { TeamManager } from "../../domain/board/session";
import { type BoardTeam, parseTeam, teamLabel } from "../../domain/board/team";
import { toE164 } from "../../domain/phone";
import { jsonResponse } from "../../plumbing/api-gateway-event";
import { jsonObject } from "../../plumbing/json";
import { maskPhone } from "../../plumbing/log";
import type { BoardApiRoute, SignedInPerson } from "./board-api-route";
import type { BoardDependencies } from "./board-dependencies";

// The newest entries the audit answers with: a season's sign-ins and actions, and then some.
const auditPageSize = 500;
const maxTeams = 20;

/** What `me` and a sign-in answer: the person's name, role and teams as the board writes them (a secretary's: "every team"). */
export function meOf(person: SignedInPerson) {
  return { name: person.name, role: person.role, teams: person.teams === "every team" ? "every team" : person.teams.map(teamLabel) };
}

const problem = (message: string) => ({ result: jsonResponse(400, { error: "invalid_person", message }) });

const personJson = (person: TeamManager) => ({ name: person.name, tel: person.tel, teams: person.teams.map(teamLabel) });

/** A team manager from a People form: a name, a WhatsApp number, and teams as clubs write them (`Lions u11s`). */
function personFrom(body: Record<string, unknown>): TeamManager | string {
  const name = typeof body.name === "string" ? body.name.trim() : "";
  if (!name || name.length > 60 || /[\p{Cc}]/u.test(name))
    return "name must be the team manager's name, on one line, at most 60 characters.";
  const tel = typeof body.tel === "string" ? toE164(body.tel) : undefined;
  if (!tel) return 'tel must be the team manager\'s WhatsApp number, such as "07700 900060".';
  if (!Array.isArray(body.teams) || body.teams.length === 0 || body.teams.length > maxTeams) {
    return `teams must list 1 to ${maxTeams} teams, each its name and age group, such as "Lions u11s".`;
  }
  const teams: BoardTeam[] = [];
  for (const written of body.teams) {
    const team = typeof written === "string" ? parseTeam(written) : undefined;
    if (!team) return `${JSON.stringify(String(written).slice(0, 40))} is not a team: write its name and age group, such as "Lions u11s".`;
    if (!teams.some((known) => teamLabel(known) === teamLabel(team))) teams.push(team);
  }
  return { name, tel, teams };
}

export function createAuthRoutes({ store, readSettings }: Pick<BoardDependencies, "store" | "readSettings">): BoardApiRoute[] {
  return [
    { method: "GET", path: "/me", who: "signed in", handle: async ({ person }) => ({ result: jsonResponse(200, meOf(person)) }) },
    {
      method: "POST",
      path: "/sign-out",
      who: "signed in",
      handle: async () => ({ result: { statusCode: 204, headers: {}, body: "" }, audit: [{ action: "sign_out" }] }),
    },
    {
      method: "GET",
      path: "/people",
      who: "secretary",
      handle: async () => ({ result: jsonResponse(200, { people: (await store.listPeople()).map(personJson) }) }),
    },
    {
      method: "POST",
      path: "/people",
      who: "secretary",
      async handle({ body }) {
        const person = personFrom(jsonObject(body.toString("utf8")));
        if (typeof person === "string") return problem(person);
        const { values } = await readSettings();
        const secretaries = JSON.parse(values.boardSecretaries) as { tel: string }[];
        if (secretaries.some((secretary) => secretary.tel === person.tel)) {
          return problem("That number is a secretary's, who sees every team already.");
        }
        await store.putPerson(person);
        return { result: jsonResponse(201, personJson(person)), audit: [{ action: "person_added", subject: maskPhone(person.tel) }] };
      },
    },
    {
      method: "DELETE",
      path: "/people",
      who: "secretary",
      async handle({ body }) {
        const written = jsonObject(body.toString("utf8")).tel;
        const tel = typeof written === "string" ? toE164(written) : undefined;
        if (!tel) return problem('tel must be the team manager\'s WhatsApp number, such as "07700 900060".');
        if (!(await store.deletePerson(tel))) {
          return { result: jsonResponse(404, { error: "not_found", message: "No team manager has that number." }) };
        }
        return { result: { statusCode: 204, headers: {}, body: "" }, audit: [{ action: "person_removed", subject: maskPhone(tel) }] };
      },
    },
    {
      method: "GET",
      path: "/audit",
      who: "secretary",
      handle: async () => ({ result: jsonResponse(200, { entries: await store.listAudit(auditPageSize) }) }),
    },
  ];
}
