import type { StackConfig } from "./schema";

/**
 * The stage's throttle on each route without an API key, by function name, from the stack's
 * `signon:api.*RateLimit` / `*BurstLimit`: the program sets them on the stage
 * (infra/registration-api.ts) and `npm start`'s gateway applies them (local/gateway/api-gateway.ts).
 */
export function stageRouteThrottles(api: StackConfig["api"]) {
  return {
    webhook: { rateLimit: api.webhookRateLimit, burstLimit: api.webhookBurstLimit },
    status: { rateLimit: api.statusRateLimit, burstLimit: api.statusBurstLimit },
    board: { rateLimit: api.boardRateLimit, burstLimit: api.boardBurstLimit },
    payment: { rateLimit: api.paymentsRateLimit, burstLimit: api.paymentsBurstLimit },
  };
}
