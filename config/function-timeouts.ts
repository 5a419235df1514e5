/** How long each function may run, in seconds: the Lambdas' timeouts and the local runtime's budget. */
export const functionTimeoutSeconds = {
  // Room for Twilio's retries with backoff; API Gateway itself gives up at 29 s.
  trigger: 20,
  // Twilio waits 15 s for a webhook's answer.
  webhook: 10,
} as const;
