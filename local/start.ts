/**
 * `npm start`: signon on this machine, with no AWS account and no Twilio number. Prints where
 * everything is, then its JSON log lines, and a readable line per business metric, until Ctrl-C.
 */
import * as path from "node:path";
import { ConfigError } from "../config/schema";
import { withReadableMetrics } from "./metric-lines";
import { type LocalOptions, localOptions } from "./options";
import { goCardlessWebhookPath, type LocalRuntime, startLocalRuntime } from "./runtime";
import { projectRoot } from "./stack-file";

function banner(options: LocalOptions, runtime: LocalRuntime): string {
  // Only the documented local default key is shown; a key or credentials of the operator's own are never echoed.
  const apiKey = options.defaulted.includes("SIGNON_API_KEY") ? `${options.apiKey} (local default)` : "the SIGNON_API_KEY you set";
  const exportApiKey = options.defaulted.includes("SIGNON_EXPORT_API_KEY")
    ? `${options.exportApiKey} (local default)`
    : "the SIGNON_EXPORT_API_KEY you set";
  const credentials = options.defaulted.includes("TWILIO_AUTH_TOKEN")
    ? "an account made up for this run (set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to choose one)"
    : `account ${options.twilioAccountSid.slice(0, 6)}… from the environment`;
  const { club, twilio, api } = runtime.settings;
  return [
    `signon: ${club.name}, stack "${options.stack}" (Pulumi.${options.stack}.yaml)`,
    `  Simulator   ${runtime.url}/`,
    `  Trigger     POST ${runtime.url}/trigger   header x-api-key: ${apiKey}`,
    `  Webhook     POST ${runtime.url}/webhook   signed for ${runtime.webhookUrl}`,
    `  Status      POST ${runtime.url}/status   Twilio's delivery statuses, signed for ${runtime.statusCallbackUrl}`,
    `  Export      GET ${runtime.url}/registrations, DELETE ${runtime.url}/registrations/{id}   header x-api-key: ${exportApiKey}`,
    `  Board       ${runtime.url}/board   sign in as ${runtime.settings.board.secretaries[0].tel}: ${options.live || options.twilioVerifyBaseUrl ? "Verify sends the code" : "the code shows in the simulator"}`,
    `  Twilio      ${runtime.twilioTarget}, ${credentials}`,
    `  Sender      whatsapp:${twilio.whatsappNumber}, template ${twilio.templateSid}`,
    `  Throttle    ${api.rateLimit} requests/s, burst ${api.burstLimit}`,
    `  Reminders   POST ${runtime.url}/local/reminders {"now": "<ISO instant>"}, template ${twilio.reminderTemplateSid ?? "none: no reminder is sent"}`,
    `  GoCardless  ${goCardlessLine(runtime)}`,
    `signon is ready at ${runtime.url}/`,
  ].join("\n");
}

function goCardlessLine({ goCardless, url }: LocalRuntime): string {
  if (!goCardless) return "none: signon:payments is not in the stack file, parents get registration.paymentUrl";
  const secrets = goCardless.secretsMadeUp
    ? "a token and webhook secret made up for this run (set GOCARDLESS_ACCESS_TOKEN and GOCARDLESS_WEBHOOK_SECRET to choose them)"
    : "the token and webhook secret from the environment";
  const where = goCardless.standIn
    ? `built-in stand-in at ${goCardless.standIn.url}: the chat's payment link opens its pay page`
    : goCardless.target;
  return `${where}, events signed to POST ${url}${goCardlessWebhookPath}, ${secrets}`;
}

async function main(): Promise<void> {
  let options: LocalOptions;
  let runtime: LocalRuntime;
  try {
    options = localOptions(process.argv.slice(2), process.env, path.join(projectRoot, ".env"));
    // The handlers' lines as they would reach CloudWatch, but their metrics readable.
    runtime = await startLocalRuntime(options, { writeLog: withReadableMetrics((line) => console.log(line)) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof ConfigError) console.error(error.message);
    else if (code === "EADDRINUSE")
      console.error(`signon: port ${process.env.PORT ?? 3000} is in use. Start with another, such as PORT=3001 npm start`);
    else throw error;
    process.exit(1);
  }
  console.log(banner(options, runtime));
  const stop = () => void runtime.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
