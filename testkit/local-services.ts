/**
 * Starts the Twilio, SSM and DynamoDB stand-ins for one club and returns the environment a handler
 * needs to reach them: the standard AWS_ENDPOINT_URL and signon's TWILIO_API_BASE_URL.
 */
import { type DynamoDbStandIn, startDynamoDbStandIn } from "../local/stand-ins/dynamodb-stand-in";
import { type SsmStandIn, startSsmStandIn } from "../local/stand-ins/ssm-stand-in";
import { startTwilioStandIn, type TwilioStandIn } from "../local/stand-ins/twilio/stand-in";
import {
  clubSettings,
  cursorKeySecretName,
  parameterPath,
  settingsParameters,
  testCredentials,
  testCursorKey,
  twilioSecretName,
} from "./fixtures";
import { recordSensitive } from "./log-capture";

export interface LocalServices {
  twilio: TwilioStandIn;
  ssm: SsmStandIn;
  dynamoDb: DynamoDbStandIn;
  /** AWS and Twilio endpoints, fake AWS credentials and the handler's own variables. */
  env: Record<string, string>;
  /** Forgets what earlier tests sent: Twilio's messages and counts, Verify's codes, and every record. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface SsmContents {
  parameters?: Record<string, string>;
  /** The secret as stored, by secret name. */
  secrets?: Record<string, string>;
}

function startSsmWith(contents: SsmContents, account = testCredentials) {
  return startSsmStandIn({
    parameters: contents.parameters ?? settingsParameters(parameterPath, clubSettings),
    secrets: contents.secrets ?? { [twilioSecretName]: JSON.stringify(account), [cursorKeySecretName]: testCursorKey },
  });
}

/** The Club and Stage of every metric the handlers under test write. */
export const metricsClub = "urmston";
export const metricsStage = "dev";

/** The stand-ins for the test account, or for `account` when another process drew its own. */
export async function startLocalServices(contents: SsmContents = {}, account = testCredentials): Promise<LocalServices> {
  recordSensitive("account SID", [account.accountSid]);
  recordSensitive("auth token", [account.authToken]);
  const twilio = await startTwilioStandIn(account);
  const ssm = await startSsmWith(contents, account);
  const dynamoDb = await startDynamoDbStandIn();
  const env = {
    // Region, made-up AWS credentials, the DynamoDB endpoint and the table name.
    ...dynamoDb.env,
    AWS_ENDPOINT_URL: ssm.url,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_VERIFY_BASE_URL: twilio.url,
    SIGNON_PARAMETER_PATH: parameterPath,
    SIGNON_TWILIO_SECRET_NAME: twilioSecretName,
    SIGNON_CURSOR_KEY_SECRET_NAME: cursorKeySecretName,
    // The dev stack's, as the program sets them (Pulumi.dev.yaml): the business metrics' Club and Stage.
    SIGNON_CLUB: metricsClub,
    SIGNON_STAGE: metricsStage,
  };
  return {
    twilio,
    ssm,
    dynamoDb,
    env,
    reset: async () => {
      twilio.messages.length = 0;
      twilio.attempts = 0;
      twilio.verify.forget();
      await dynamoDb.clear();
    },
    close: async () => {
      await Promise.all([twilio.close(), ssm.close(), dynamoDb.close()]);
    },
  };
}

/**
 * Runs `body` with `env` changed to reach a separate SSM stand-in holding `contents` (a missing
 * parameter, a wrong secret) for AWS_ENDPOINT_URL, then closes that stand-in.
 */
export async function withSsmContents<T>(
  env: Record<string, string>,
  contents: SsmContents,
  body: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const ssm = await startSsmWith(contents);
  try {
    return await body({ ...env, AWS_ENDPOINT_URL: ssm.url });
  } finally {
    await ssm.close();
  }
}
