/**
 * `POST /local/reminders` under `npm start`: runs the reminders handler, as EventBridge would,
 * with the caller's clock (`{ "now": "2025-06-05T10:00:00Z" }`), and answers what it sent and
 * skipped, by registration id. On the loopback server only; nothing deployed has this route.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RemindersHandler } from "../handlers/reminders";
import { refusedUnlessJson, sendJson } from "./loopback";

export const localRemindersPath = "/local/reminders";
const usage = 'POST a JSON body such as {"now": "2025-06-05T10:00:00Z"}: the instant the run takes as its clock';

function nowOf(body: string): string | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { problem: `the body is not JSON; ${usage}` };
  }
  const now = (parsed as { now?: unknown } | null)?.now;
  return typeof now === "string" ? now : { problem: `now is missing or not text; ${usage}` };
}

/** Answers `POST /local/reminders`; false for any other path. */
export function createLocalRemindersRoute(runReminders: RemindersHandler) {
  let runs = 0;
  return (request: IncomingMessage, body: string, response: ServerResponse): boolean => {
    if (new URL(request.url ?? "/", "http://local").pathname !== localRemindersPath) return false;
    if (request.method !== "POST") {
      sendJson(response, 405, { error: "method_not_allowed", message: usage }, { Allow: "POST" });
    } else if (!refusedUnlessJson(request, response, usage)) {
      const now = nowOf(body);
      if (typeof now !== "string") {
        sendJson(response, 400, { error: "invalid_request", message: now.problem });
      } else {
        runReminders({ id: `local-reminders-${++runs}`, time: now }).then(
          (answer) => sendJson(response, "error" in answer ? 400 : 200, answer),
          () => sendJson(response, 500, { error: "reminders_failed", message: "the run stopped; the log has its request id" }),
        );
      }
    }
    return true;
  };
}
