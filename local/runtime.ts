/**
 * signon on one loopback port: the real handlers behind a local API Gateway, the Twilio
 * stand-in they send through, and the simulator page. Settings come from the stack file,
 * through the same schema as `pulumi up`. A stack with signon:payments gets the GoCardless
 * stand-in on a port of its own (its pay page is where the chat's payment link goes), posting
 * its signed events to the local POST /payments/gocardless.
 */
import { randomBytes } from "node:crypto";
import { createRegistrationStore } from "../aws/registration-store";
import { stageRouteThrottles } from "../config/api-limits";
import { type StackConfig, settingValues } from "../config/schema";
import { environmentVariables, paymentReturnPath } from "../config/settings";
import { penceOf } from "../domain/money";
import { type HandlerWiring, routesOf } from "../handlers/function-declaration";
import { functionDeclarations, functions } from "../handlers/functions";
import type { LineWriter } from "../plumbing/log";
import { createApiGateway, localApiKeyId, sendRefusal } from "./gateway/api-gateway";
import { type LoopbackHandler, sendJson, serveOnLoopback } from "./loopback";
import type { LocalOptions } from "./options";
import { createLocalRemindersRoute } from "./reminders-route";
import { createSimulatorRoutes } from "./simulator/routes";
import { loadStackFile, stackFileValues } from "./stack-file";
import { startDynamoDbStandIn } from "./stand-ins/dynamodb-stand-in";
import type { PayPageFactsReader } from "./stand-ins/gocardless/pay-page";
import { type GoCardlessStandIn, startGoCardlessStandIn } from "./stand-ins/gocardless/stand-in";
import { inviteTemplateText } from "./stand-ins/twilio/invite-template";
import { paymentTemplateText } from "./stand-ins/twilio/payment-template";
import { reminderTemplateText } from "./stand-ins/twilio/reminder-template";
import { createTwilioStandIn } from "./stand-ins/twilio/stand-in";

export interface LocalRuntime {
  url: string;
  webhookUrl: string;
  /** Where every send asks for its delivery statuses: the stand-in posts them there. */
  statusCallbackUrl: string;
  settings: StackConfig;
  /** Where the handlers' Twilio client sends: the built-in stand-in, another one, or Twilio. */
  twilioTarget: "built-in stand-in" | "Twilio (live)" | string;
  /** A stack with signon:payments: where the GoCardless client sends, and the built-in stand-in when that is where. */
  goCardless?: { target: string; standIn?: GoCardlessStandIn; secretsMadeUp: boolean };
  close(): Promise<void>;
}

// API Gateway's own limit on a request body.
const maxBodyBytes = 10 * 1024 * 1024;

export interface LocalRuntimeHooks {
  writeLog?: LineWriter;
  /** Awaited once the port listens and before the routes are wired: a test holds the start there to see what a request gets meanwhile. */
  beforeRoutes?: (url: string) => Promise<void>;
}

/**
 * The answer while the routes are not wired yet: come back in a second. Not API Gateway's 403
 * for a path it does not know, which would tell a script waiting for `GET /` that signon is up
 * and its key is wrong.
 */
const starting: LoopbackHandler = (_request, _body, response) =>
  sendJson(
    response,
    503,
    { error: "starting", message: "signon is starting: try again in a second." },
    { "Retry-After": "1", "Cache-Control": "no-store" },
  );

/** Where GoCardless's events go: the payments function's route (handlers/functions.ts, `payments`). */
export const goCardlessWebhookPath = "/payments/gocardless";

/**
 * GoCardless's secrets for the run: the operator's, or made up, the token in the form the stack's
 * environment asks for (the schema holds a sandbox stack to a sandbox_ token).
 */
function goCardlessSecrets(options: LocalOptions) {
  const payments = stackFileValues(options.stack).payments as { environment?: unknown } | undefined;
  const environment = payments?.environment === "live" ? "live" : "sandbox";
  return {
    accessToken: options.goCardlessAccessToken ?? `${environment}_local-made-up-${randomBytes(16).toString("hex")}`,
    webhookSecret: options.goCardlessWebhookSecret ?? `local-made-up-${randomBytes(24).toString("hex")}`,
    madeUp: options.goCardlessAccessToken === undefined || options.goCardlessWebhookSecret === undefined,
  };
}

export async function startLocalRuntime(options: LocalOptions, { writeLog, beforeRoutes }: LocalRuntimeHooks = {}): Promise<LocalRuntime> {
  const paymentSecrets = goCardlessSecrets(options);
  const settings = loadStackFile(options.stack, {
    twilioAccountSid: options.twilioAccountSid,
    twilioAuthToken: options.twilioAuthToken,
    apiKey: options.apiKey,
    exportApiKey: options.exportApiKey,
    gocardlessAccessToken: paymentSecrets.accessToken,
    gocardlessWebhookSecret: paymentSecrets.webhookSecret,
  });

  // Served first: the port, and with it the webhook URL Twilio signs, is known only then.
  let dispatch = starting;
  const server = await serveOnLoopback((request, body, response, bytes) => dispatch(request, body, response, bytes), {
    port: options.port,
    maxBodyBytes,
    tooLarge: (response) => sendRefusal(response, "tooLarge"),
  });
  const webhookUrl = `${server.url}${functions.webhook.route.path}`;
  const account = { accountSid: options.twilioAccountSid, authToken: options.twilioAuthToken };
  const statusCallbackUrl = `${server.url}${functions.status.route.path}`;
  const values = settingValues({
    config: settings,
    webhookUrl,
    statusCallbackUrl,
    exportApiKeyId: localApiKeyId("export"),
    paymentReturnUrl: `${server.url}${paymentReturnPath}`,
  });
  // The stack file's values, as Parameter Store would hand them over.
  const readSettings: HandlerWiring["readSettings"] = async () => ({ values, twilio: account });
  // The export's cursor key, drawn per run as the program draws one per stack: a restart's cursors, like its table, start afresh.
  const cursorKey = randomBytes(32);
  const readCursorKey: HandlerWiring["readCursorKey"] = async () => cursorKey;

  const standIn = createTwilioStandIn(account, {
    templates: {
      [settings.twilio.templateSid]: inviteTemplateText({ clubName: settings.club.name, assistantName: settings.club.assistantName }),
      ...(settings.twilio.reminderTemplateSid ? { [settings.twilio.reminderTemplateSid]: reminderTemplateText() } : {}),
      ...(settings.twilio.paymentTemplateSid ? { [settings.twilio.paymentTemplateSid]: paymentTemplateText() } : {}),
    },
    webhookUrl,
    clubAddress: `whatsapp:${settings.twilio.whatsappNumber}`,
    // To the local POST /status, signed, as Twilio posts them to the stack's.
    postStatusCallbacks: true,
    // The board's sign-in codes, shown in the person's chat with the club.
    verifyService: { sid: settings.twilio.verifyServiceSid, name: settings.club.name },
  });
  // Undefined is Twilio itself.
  const twilioBaseUrl = options.twilioApiBaseUrl ?? (options.live ? undefined : server.url);
  // The idempotency table, in memory: a restart forgets what was sent.
  const dynamoDb = await startDynamoDbStandIn();
  // Verify too: the stand-in plays it (verify.ts) wherever it plays the Messages API.
  const twilioEnv =
    twilioBaseUrl === undefined
      ? dynamoDb.env
      : { ...dynamoDb.env, TWILIO_API_BASE_URL: twilioBaseUrl, TWILIO_VERIFY_BASE_URL: twilioBaseUrl };
  const goCardless = settings.payments
    ? await startGoCardless(options, paymentSecrets, `${server.url}${goCardlessWebhookPath}`, payPageFacts(settings, dynamoDb.env))
    : undefined;
  // The business metrics' Club and Stage, as the program sets them on every function.
  const metricsEnv = { ...twilioEnv, [environmentVariables.club]: settings.club.slug, [environmentVariables.stage]: options.stack };
  const env = goCardless ? { ...metricsEnv, GOCARDLESS_API_BASE_URL: goCardless.target } : metricsEnv;
  const readPaymentSecrets: HandlerWiring["readPaymentSecrets"] = async () => ({
    accessToken: paymentSecrets.accessToken,
    webhookSecret: paymentSecrets.webhookSecret,
  });

  const gateway = createApiGateway({
    routes: functionDeclarations.flatMap((declaration) => {
      const handler = declaration.createHandler(declaration, { env, readSettings, readCursorKey, readPaymentSecrets, writeLog });
      // The stage throttles each of the declaration's routes, as the program does (infra/registration-api.ts).
      const throttle = stageRouteThrottles(settings.api)[declaration.name as keyof ReturnType<typeof stageRouteThrottles>];
      return routesOf(declaration).map((route) => ({ ...declaration, route, handler, throttle }));
    }),
    apiKeys: { invite: options.apiKey, export: options.exportApiKey },
    usagePlan: settings.api,
    writeLog,
  });
  // EventBridge runs the reminders in AWS; here the simulator's control (or curl) does, with its own clock.
  const reminders = createLocalRemindersRoute(
    functions.remind.createHandler(functions.remind, { env, readSettings, readPaymentSecrets, writeLog }),
  );
  const simulator = createSimulatorRoutes({ standIn, settings, apiKey: options.apiKey, exportApiKey: options.exportApiKey });
  await beforeRoutes?.(server.url);
  dispatch = (request, body, response, bytes) => {
    if (simulator(request, body, response) || reminders(request, body, response) || standIn.handle(request, body, response)) return;
    void gateway(request, body, response, bytes);
  };

  return {
    url: server.url,
    webhookUrl,
    statusCallbackUrl,
    settings,
    twilioTarget: twilioBaseUrl === server.url ? "built-in stand-in" : (twilioBaseUrl ?? "Twilio (live)"),
    goCardless: goCardless && { target: goCardless.target, standIn: goCardless.standIn, secretsMadeUp: paymentSecrets.madeUp },
    close: async () => {
      await Promise.all([server.close(), dynamoDb.close(), goCardless?.standIn?.close()]);
    },
  };
}

/** The built-in GoCardless stand-in, unless GOCARDLESS_API_BASE_URL names another. */
async function startGoCardless(
  options: LocalOptions,
  secrets: { accessToken: string; webhookSecret: string },
  webhookUrl: string,
  facts: PayPageFactsReader,
): Promise<{ target: string; standIn?: GoCardlessStandIn }> {
  if (options.goCardlessApiBaseUrl) return { target: options.goCardlessApiBaseUrl };
  const standIn = await startGoCardlessStandIn({ ...secrets, webhookUrl, payPageFacts: facts });
  return { target: standIn.url, standIn };
}

/** What the pay page says beyond the billing request: the club, and the player and monthly fee of the registration it names. */
function payPageFacts(settings: StackConfig, env: NodeJS.ProcessEnv): PayPageFactsReader {
  const registrations = createRegistrationStore(env);
  return async (billingRequest) => {
    const id = billingRequest.metadata?.registration_id;
    const found = id ? await registrations.findById(id) : undefined;
    const registration = found?.status === "erased" ? undefined : found;
    const player = [registration?.player_first_name, registration?.player_last_name].filter(Boolean).join(" ");
    return {
      clubName: settings.club.name,
      ...(player ? { player } : {}),
      monthlyPence: penceOf(registration?.subscription_fee ?? settings.registration.subscriptionFee),
      months: settings.payments?.subscriptionMonths,
    };
  };
}
