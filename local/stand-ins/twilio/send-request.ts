/**
 * What Twilio takes of a request to send a message, or the error it answers: Twilio's published
 * contract first, then what WhatsApp adds for a template send (a `whatsapp:` sender, variables
 * that are non-empty single lines, a known template with a value for each placeholder).
 */
import type { TemplateMessage } from "../../../twilio/messages-client";
import { contractError, type TwilioError, twilioError } from "./errors";
import { renderTemplate } from "./invite-template";
import type { MessagesContract } from "./openapi-contract";

/** A send Twilio accepts, its variables read, and the text the parent receives. */
export interface AcceptedSend extends TemplateMessage {
  variables: Record<string, string>;
  body: string;
}

const whatsappAddress = /^whatsapp:\+[1-9]\d{6,14}$/;

/** What WhatsApp adds to the API's contract for a template send; undefined when it is fine. */
function whatsappRefusal(form: URLSearchParams): TwilioError | undefined {
  const to = form.get("To")!;
  if (!whatsappAddress.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
  if (!whatsappAddress.test(form.get("From") ?? "")) {
    return twilioError(400, 63007, "Twilio could not find a Channel with the specified From address");
  }
  if (!form.get("ContentSid") && !form.get("Body")) return twilioError(400, 21619, "A text message body or media urls must be specified.");
  return undefined;
}

/** ContentVariables must be a JSON object of non-empty, single-line values. */
function templateVariables(form: URLSearchParams): { variables: Record<string, string> } | { refused: TwilioError } {
  const invalid = { refused: twilioError(400, 21656, "The ContentVariables Parameter is invalid.") };
  let variables: unknown;
  try {
    variables = JSON.parse(form.get("ContentVariables") ?? "{}");
  } catch {
    return invalid;
  }
  if (!variables || typeof variables !== "object" || Array.isArray(variables)) return invalid;
  const acceptable = (value: unknown) => typeof value === "string" && value.trim() !== "" && !/[\n\t]| {5}/.test(value);
  return Object.values(variables).every(acceptable) ? { variables: variables as Record<string, string> } : invalid;
}

/**
 * The send, or Twilio's refusal of it. With `templates` (text by ContentSid) an unknown template
 * is refused and a known one is rendered; without, every well-formed SID is taken and shown as its variables.
 */
export function checkSendRequest(
  form: URLSearchParams,
  contract: MessagesContract,
  templates?: Record<string, string>,
): { accepted: AcceptedSend } | { refused: TwilioError } {
  const problems = contract.checkCreateRequest(form);
  if (problems.length > 0) return { refused: contractError(problems) };
  const refused = whatsappRefusal(form);
  if (refused) return { refused };
  const checked = templateVariables(form);
  if ("refused" in checked) return checked;
  const { variables } = checked;

  const contentSid = form.get("ContentSid") ?? "";
  const template = templates?.[contentSid];
  if (templates && contentSid && !template) return { refused: twilioError(400, 21655, `The ContentSid ${contentSid} was not found.`) };
  let body = form.get("Body") ?? JSON.stringify(variables);
  if (template) {
    const rendered = renderTemplate(template, variables);
    if (!rendered.ok) {
      return {
        refused: twilioError(400, 21656, `The ContentVariables Parameter is invalid: no value for {{${rendered.missing.join("}}, {{")}}}.`),
      };
    }
    body = rendered.text;
  }
  const accepted = {
    from: form.get("From")!,
    to: form.get("To")!,
    contentSid,
    contentVariables: form.get("ContentVariables") ?? "",
    statusCallback: form.get("StatusCallback") ?? undefined,
    variables,
    body,
  };
  return { accepted };
}
