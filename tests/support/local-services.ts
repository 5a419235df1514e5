/**
 * Starts the Twilio and SSM stand-ins for one club and returns the environment a handler
 * needs to reach them: the standard AWS_ENDPOINT_URL and signon's TWILIO_API_BASE_URL.
 */
import { clubSettings, parameterPath, settingsParameters, testCredentials, twilioSecretName } from "./fixtures";
import { startSsmStandIn, type SsmStandIn } from "./ssm-stand-in";
import { startTwilioStandIn, type TwilioStandIn } from "./twilio-stand-in";

export interface LocalServices {
  twilio: TwilioStandIn;
  ssm: SsmStandIn;
  /** AWS and Twilio endpoints, fake AWS credentials and the handler's own variables. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface LocalServicesOptions {
  parameters?: Record<string, string>;
  /** The secret as stored, by secret name. */
  secrets?: Record<string, string>;
  functionEnv?: Record<string, string>;
}

export async function startLocalServices(options: LocalServicesOptions = {}): Promise<LocalServices> {
  const twilio = await startTwilioStandIn(testCredentials);
  const ssm = await startSsmStandIn({
    parameters: options.parameters ?? settingsParameters(parameterPath, clubSettings),
    secrets: options.secrets ?? { [twilioSecretName]: JSON.stringify(testCredentials) },
  });
  const env = {
    AWS_ENDPOINT_URL: ssm.url,
    AWS_REGION: "eu-north-1",
    AWS_ACCESS_KEY_ID: "fake-access-key-for-local-stand-ins",
    AWS_SECRET_ACCESS_KEY: "fake-secret-key-for-local-stand-ins",
    TWILIO_API_BASE_URL: twilio.url,
    ...(options.functionEnv ?? { SIGNON_PARAMETER_PATH: parameterPath, SIGNON_TWILIO_SECRET_NAME: twilioSecretName }),
  };
  return {
    twilio,
    ssm,
    env,
    close: async () => {
      await Promise.all([twilio.close(), ssm.close()]);
    },
  };
}
