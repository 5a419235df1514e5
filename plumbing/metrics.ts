/**
 * signon's business metrics as CloudWatch Embedded Metric Format lines: one JSON line per count,
 * written through the handler's line writer (the log's), which CloudWatch Logs turns into metrics.
 * No library: a line is a dozen fields, and aws-embedded-metrics would add its code to every
 * package's cold start for what JSON.stringify does here.
 *
 * The dimensions are closed: the club's slug and the stage from the function's environment, and
 * Twilio's numeric error code. Nothing a caller sends reaches a dimension or a value but a code
 * of digits, so no phone number, name or id can.
 */
import { type BusinessMetric, businessMetrics, metricDimensions, metricsNamespace } from "../config/metrics";
import { environmentVariables } from "../config/settings";
import type { LineWriter } from "./log";

/** Counts `metric` once (or `count` times), by `errorCode` for the metrics kept by error code. */
export type CountMetric = (metric: BusinessMetric, options?: { count?: number; errorCode?: string | number }) => void;

// Twilio's error codes are numbers of up to six digits (63016, 30008); anything else is not one.
const errorCodePattern = /^\d{1,6}$/;
/** The ErrorCode of a count without one (a Twilio refusal that named no code). */
export const noErrorCode = "none";

/**
 * The metrics writer of a function whose environment names its club and stage. Without them
 * (a function set up by hand) each count is a warning naming the missing variable, not a line
 * CloudWatch would file under no club.
 */
export function createMetrics(
  env: NodeJS.ProcessEnv,
  write: LineWriter = (line) => console.log(line),
  now: () => number = Date.now,
): CountMetric {
  const club = env[environmentVariables.club];
  const stage = env[environmentVariables.stage];
  const unset = [!club && environmentVariables.club, !stage && environmentVariables.stage].filter(Boolean).join(",");
  return (metric, { count = 1, errorCode } = {}) => {
    if (unset) {
      write(JSON.stringify({ level: "warn", event: "metric_not_written", detail: `${metric}: ${unset} not set` }));
      return;
    }
    const { unit, byErrorCode } = businessMetrics[metric];
    const base = [metricDimensions.club, metricDimensions.stage];
    const code = errorCode !== undefined && errorCodePattern.test(String(errorCode)) ? String(errorCode) : noErrorCode;
    write(
      JSON.stringify({
        _aws: {
          Timestamp: now(),
          CloudWatchMetrics: [
            {
              Namespace: metricsNamespace,
              // The {Club, Stage} set sums every code, which the alarms watch; the second splits it by code.
              Dimensions: byErrorCode ? [base, [...base, metricDimensions.errorCode]] : [base],
              Metrics: [{ Name: metric, Unit: unit }],
            },
          ],
        },
        [metricDimensions.club]: club,
        [metricDimensions.stage]: stage,
        ...(byErrorCode ? { [metricDimensions.errorCode]: code } : {}),
        [metric]: count,
      }),
    );
  };
}
