/**
 * POST /status: Twilio's status callbacks for the messages signon sends. Checks Twilio's
 * signature against the stack's status URL, finds the registration whose current invite the
 * callback is about (the parent's partition, one consistent Query, then its MessageSid), and
 * records the status if it moves the invite forward (domain/delivery-status.ts). The write is
 * conditional on the version read: when the parent's conversation got there first, it reads
 * again and applies the status to what it finds.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { createRegistrationStore, type RegistrationStore } from "../aws/registration-store";
import type { SettingsReader } from "../aws/settings-reader";
import type { SettingKey } from "../config/settings";
import { advanceDelivery, isDeliveryStatus, type StatusCallback } from "../domain/delivery-status";
import { answerProxyInvocation } from "../plumbing/answer-logged";
import { type ProxyHandler, plainTextResponse } from "../plumbing/api-gateway-event";
import { statusConflictError } from "../plumbing/errors";
import { type LineWriter, type Log, maskPhone } from "../plumbing/log";
import type { CountMetric } from "../plumbing/metrics";
import { firstValue, refusalUnlessSigned, telOf, twilioRequestOf } from "../twilio/webhook-request";
import type { FunctionDeclaration } from "./function-declaration";
import { handlerSetup } from "./handler-setup";
import { createTwilioAlertsAnswer, twilioAlertsRoute } from "./twilio-alerts";

/** The settings the status callbacks read: its role may read these parameters and no others. */
export const statusSettingKeys = ["statusCallbackUrl"] as const satisfies readonly SettingKey[];
export type StatusSettingKey = (typeof statusSettingKeys)[number];

export interface StatusDependencies {
  /** The Lambda's environment unless given. */
  env: NodeJS.ProcessEnv;
  readSettings: SettingsReader<StatusSettingKey>;
  store: RegistrationStore;
  clock: () => Date;
  writeLog?: LineWriter;
}

/** The parent's conversation may win a race or two; a few tries fit well inside Twilio's 15 s. */
const statusAttempts = 5;
// Twilio's error codes are numbers of up to six digits (63016, 30008).
const errorCodePattern = /^\d{1,6}$/;
// Twilio's MessageSid: SM or MM and 32 hex digits.
const messageSidPattern = /^[SM]M[0-9a-f]{32}$/;
const whatsappAddress = /^whatsapp:\+[1-9]\d{6,14}$/;

/** Twilio reads only the status code of a callback's answer. */
const noted = () => plainTextResponse(200, "");

type ReadCallback =
  | { callback: StatusCallback; to: string }
  /** A status signon does not track (one Twilio adds later, say): noted, nothing changed. */
  | { untracked: true }
  /** Twilio signed the fields, so a problem here means Twilio changed what it sends. */
  | { field: string; problem: string };

function callbackOf(fields: Record<string, string | string[]>): ReadCallback {
  const messageSid = firstValue(fields.MessageSid);
  const status = firstValue(fields.MessageStatus);
  const to = firstValue(fields.To);
  const errorCode = firstValue(fields.ErrorCode) || undefined;
  if (!messageSid || !messageSidPattern.test(messageSid))
    return { field: "MessageSid", problem: "MessageSid must be a Twilio message SID" };
  if (!status) return { field: "MessageStatus", problem: "MessageStatus is missing" };
  if (!to || !whatsappAddress.test(to)) return { field: "To", problem: "To must be a WhatsApp address such as whatsapp:+447700900123" };
  if (errorCode !== undefined && !errorCodePattern.test(errorCode)) {
    return { field: "ErrorCode", problem: "ErrorCode must be Twilio's numeric error code" };
  }
  if (!isDeliveryStatus(status)) return { untracked: true };
  return { callback: { messageSid, status, errorCode }, to: telOf(to) };
}

/** Twilio could not deliver the message: counted by its error code (a disapproved template shows here). */
const failedDelivery = (metrics: CountMetric, callback: StatusCallback) => {
  if (callback.status === "failed" || callback.status === "undelivered") metrics("DeliveriesFailed", { errorCode: callback.errorCode });
};

export function createStatusHandler(
  declaration: FunctionDeclaration<StatusSettingKey>,
  dependencies: Partial<StatusDependencies> = {},
): ProxyHandler {
  const { env, awsCalls, readSettings, writeLog, route, metrics } = handlerSetup(declaration, dependencies);
  const store = dependencies.store ?? createRegistrationStore(env, awsCalls);
  const clock = dependencies.clock ?? (() => new Date());
  const answerAlert = createTwilioAlertsAnswer(declaration, { readSettings, metrics });

  return async (event, context) => {
    const { timeoutSeconds } = declaration;
    if (event.resource === twilioAlertsRoute.path) {
      const alertsRoute = `${twilioAlertsRoute.method} ${twilioAlertsRoute.path}`;
      return answerProxyInvocation(
        awsCalls,
        { event, context, route: alertsRoute, timeoutSeconds, writeLog },
        (log) => answerAlert(event, log),
        () => plainTextResponse(500, "signon could not record this alert; please try again."),
      );
    }
    const respond = async (log: Log): Promise<APIGatewayProxyResult> => {
      const request = twilioRequestOf(event);
      if ("refusal" in request) return request.refusal;
      const { values, twilio } = await readSettings();
      const refusal = refusalUnlessSigned(request, twilio.authToken, values.statusCallbackUrl, log);
      if (refusal) return refusal;
      const parsed = callbackOf(request.fields);
      if ("untracked" in parsed) {
        log("info", "status_not_tracked");
        return noted();
      }
      if ("problem" in parsed) {
        log("warn", "status_callback_rejected", { detail: parsed.field });
        return plainTextResponse(400, `Bad request: ${parsed.problem}`);
      }
      const { callback, to } = parsed;
      const twilioCode = callback.errorCode === undefined ? undefined : Number(callback.errorCode);
      for (let attempt = 1; attempt <= statusAttempts; attempt++) {
        const { registrations } = await store.readParent(to);
        const registration = registrations.find((candidate) => candidate.invite_message_sid === callback.messageSid);
        if (!registration) {
          // An older invite since resent, a reminder, or a message no registration knows: nothing to record.
          log("info", "status_not_current_invite", { message_sid: callback.messageSid, to: maskPhone(to) });
          // A reminder's or a payment message's failure counts too; Twilio posts each status once.
          failedDelivery(metrics, callback);
          return noted();
        }
        const advanced = advanceDelivery(registration, callback, clock());
        if (!advanced) {
          log("info", "status_unchanged", { message_sid: callback.messageSid, registration_id: registration.registration_id });
          return noted();
        }
        if (await store.replace(registration, advanced)) {
          log("info", "status_recorded", {
            message_sid: callback.messageSid,
            registration_id: registration.registration_id,
            detail: callback.status,
            twilio_code: twilioCode,
            attempts: attempt,
          });
          failedDelivery(metrics, callback);
          return noted();
        }
        log("info", "status_conflict", { message_sid: callback.messageSid, attempts: attempt });
      }
      throw statusConflictError(statusAttempts);
    };

    return answerProxyInvocation(awsCalls, { event, context, route, timeoutSeconds, writeLog }, respond, () =>
      plainTextResponse(500, "signon could not record this status; please try again."),
    );
  };
}
