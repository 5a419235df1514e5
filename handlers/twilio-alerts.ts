/**
 * POST /twilio/alerts, the status function's second route: Twilio Debugger's webhook, which posts
 * each error or warning on the account (a template disapproved, a webhook that failed) as a signed
 * form. Each alert is counted as TwilioAlerts by its error code, which the alarms watch.
 *
 * The form's Payload may quote a phone number or a message: only the code and level are read and
 * logged. Signed as Twilio signs /status, against the route's public URL, which is the status
 * callback URL's with this route's path in place of /status.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { SettingsReader } from "../aws/settings-reader";
import { plainTextResponse } from "../plumbing/api-gateway-event";
import type { Log } from "../plumbing/log";
import type { CountMetric } from "../plumbing/metrics";
import { firstValue, refusalUnlessSigned, twilioRequestOf, type WebhookFields } from "../twilio/webhook-request";
import type { Route } from "./function-declaration";

export const twilioAlertsRoute = { name: "alerts", method: "POST", path: "/twilio/alerts" } as const;

// Twilio's error codes are numbers of up to six digits (63016, 11200).
const errorCodePattern = /^\d{1,6}$/;
// Error and Warning, as the Debugger names them; a word in case Twilio adds one.
const levelPattern = /^[A-Za-z]{1,16}$/;

type ReadAlert = { errorCode: string; level: string } | { field: string; problem: string };

function alertOf(fields: WebhookFields): ReadAlert {
  const level = firstValue(fields.Level);
  const payload = firstValue(fields.Payload);
  if (!level || !levelPattern.test(level)) return { field: "Level", problem: "Level must be the alert's level, such as Error" };
  if (!payload) return { field: "Payload", problem: "Payload is missing" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return { field: "Payload", problem: "Payload must be JSON" };
  }
  const code = (parsed as { error_code?: unknown } | null)?.error_code;
  if ((typeof code !== "string" && typeof code !== "number") || !errorCodePattern.test(String(code)))
    return { field: "Payload.error_code", problem: "Payload's error_code must be Twilio's numeric error code" };
  return { errorCode: String(code), level: level.toLowerCase() };
}

/** Where Twilio signs alerts for: the status callback URL (`…/v1/status`) with this route's path in place of the status route's. */
export const alertsUrlOf = (statusCallbackUrl: string, statusRoute: Route) =>
  statusCallbackUrl.endsWith(statusRoute.path)
    ? `${statusCallbackUrl.slice(0, -statusRoute.path.length)}${twilioAlertsRoute.path}`
    : undefined;

export function createTwilioAlertsAnswer(
  declaration: { route: Route },
  { readSettings, metrics }: { readSettings: SettingsReader<"statusCallbackUrl">; metrics: CountMetric },
) {
  return async (event: APIGatewayProxyEvent, log: Log): Promise<APIGatewayProxyResult> => {
    const request = twilioRequestOf(event);
    if ("refusal" in request) return request.refusal;
    const { values, twilio } = await readSettings();
    const url = alertsUrlOf(values.statusCallbackUrl, declaration.route);
    if (url === undefined) {
      // The program writes the status URL from the API's; one that does not end in its route is not the program's.
      log("error", "alerts_url_unknown", { detail: "statusCallbackUrl" });
      return plainTextResponse(500, "signon cannot check this alert's signature; please try again.");
    }
    const refusal = refusalUnlessSigned(request, twilio.authToken, url, log);
    if (refusal) return refusal;
    const alert = alertOf(request.fields);
    if ("problem" in alert) {
      log("warn", "twilio_alert_rejected", { detail: alert.field });
      return plainTextResponse(400, `Bad request: ${alert.problem}`);
    }
    log(alert.level === "error" ? "warn" : "info", "twilio_alert", { twilio_code: Number(alert.errorCode), detail: alert.level });
    metrics("TwilioAlerts", { errorCode: alert.errorCode });
    return plainTextResponse(200, "");
  };
}
