/** Twilio's error answers as its REST API sends them: the HTTP status, Twilio's code, its message and a link to the code's page. */
import type { ContractProblem } from "./openapi-contract";

export interface TwilioError {
  status: number;
  body: { code: number; message: string; more_info: string; status: number };
}

export function twilioError(status: number, code: number, message: string): TwilioError {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

export const authenticationError = () => twilioError(401, 20003, "Authentication Error - invalid username");

// Twilio's error codes for the fields a send can get wrong; anything else is a generic bad request.
const fieldCodes: Record<string, { missing?: number; invalid: number }> = {
  To: { missing: 21604, invalid: 21211 },
  From: { missing: 21603, invalid: 21212 },
  StatusCallback: { invalid: 21609 },
  MaxPrice: { invalid: 21627 },
  ContentSid: { invalid: 21655 },
  ContentVariables: { invalid: 21656 },
};

/** The answer to a request the API's contract refuses: the code for its first problem's field. */
export function contractError(problems: ContractProblem[]): TwilioError {
  const [first] = problems;
  const codes = fieldCodes[first.field];
  const missing = first.message.endsWith("is required");
  const code = (missing ? codes?.missing : codes?.invalid) ?? 20001;
  return twilioError(400, code, `Invalid parameter: ${problems.map((problem) => problem.message).join("; ")}`);
}

/** The answer to a list query the contract refuses. */
export function queryError(problems: ContractProblem[]): TwilioError {
  return twilioError(400, 20001, `Invalid parameter: ${problems.map((problem) => problem.message).join("; ")}`);
}
