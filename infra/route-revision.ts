import { createHash } from "node:crypto";
import { stringify } from "safe-stable-stringify";

/**
 * A hash of a route's resolved method and integration inputs, keys sorted so that it does not
 * depend on the order they were written in. Any change to either, in place or not
 * (`apiKeyRequired`, the function an integration calls), changes it.
 */
export function routeRevision(resolved: { method: object; integration: object }): string {
  return createHash("sha256").update(stringify(resolved)).digest("hex");
}
