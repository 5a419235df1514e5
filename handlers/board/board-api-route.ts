/**
 * What a route of the board's API is (BOARD.md): the board's handler (board-handler.ts) finds
 * the session, checks the role and the request's origin, then calls the route with the person
 * signed in, and writes the audit entries the route's answer names. The routes themselves never
 * see a cookie or a session.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import type { TeamScope } from "../../domain/board/team";
import type { RemainingTime } from "../../plumbing/api-gateway-event";
import type { Log } from "../../plumbing/log";

export type BoardRole = "secretary" | "team_manager";

export interface SignedInPerson {
  name: string;
  /** E.164. */
  tel: string;
  role: BoardRole;
  teams: TeamScope;
}

export interface BoardApiRequest {
  method: "GET" | "POST" | "DELETE";
  /** Below `/board/api`: `/registrations/4f1c.../resend`. */
  path: string;
  /** The route's path parameters: `{ id: "4f1c..." }`. */
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  /** The body's bytes as sent (a squad sheet may be Windows-1252). */
  body: Buffer;
  contentType?: string;
  requestId: string;
  person: SignedInPerson;
  log: Log;
  remaining: RemainingTime;
}

/** What the audit log keeps of an action: who and when are the handler's; never a child's data. */
export interface AuditNote {
  action: "sign_in" | "sign_out" | "invite" | "resend" | "erase" | "export" | "person_added" | "person_removed";
  /** The registration acted on, if one. */
  registration_id?: string;
  /** How many, for an action on many (a squad sheet's invites). */
  count?: number;
  /** A team the action was for (`Lions U11`), or the person added or removed's masked number. */
  subject?: string;
}

export interface BoardApiAnswer {
  result: APIGatewayProxyResult;
  /** Written to the audit log after the answer is made; a failed write is logged, not the caller's problem. */
  audit?: readonly AuditNote[];
}

export interface BoardApiRoute {
  method: BoardApiRequest["method"];
  /** Below `/board/api`; `{name}` is a path parameter: `/registrations/{id}/resend`. */
  path: `/${string}`;
  /** Who may call it: anyone signed in (the route narrows to their teams), or a secretary only. */
  who: "signed in" | "secretary";
  handle(request: BoardApiRequest): Promise<BoardApiAnswer>;
}
