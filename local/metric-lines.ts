/**
 * npm start's terminal: a business metric's EMF line (plumbing/metrics.ts), which CloudWatch reads
 * and a person does not, printed as `metric InvitesSent 1 (Club urmston, Stage dev)`. Every other
 * line goes through as it is.
 */
import { type BusinessMetric, businessMetrics, metricDimensions } from "../config/metrics";
import type { LineWriter } from "../plumbing/log";

/** The readable form of an EMF line of signon's metrics, or undefined for any other line. */
export function readableMetricLine(line: string): string | undefined {
  if (!line.startsWith('{"_aws"')) return undefined;
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(line);
  } catch {
    return undefined;
  }
  const metric = Object.keys(document).find((key): key is BusinessMetric => Object.hasOwn(businessMetrics, key));
  if (metric === undefined) return undefined;
  const dimensions = Object.values(metricDimensions)
    .filter((name) => typeof document[name] === "string")
    .map((name) => `${name} ${document[name]}`);
  return `metric ${metric} ${String(document[metric])} (${dimensions.join(", ")})`;
}

/** `write`, with the metric lines made readable. */
export const withReadableMetrics =
  (write: LineWriter): LineWriter =>
  (line) =>
    write(readableMetricLine(line) ?? line);
