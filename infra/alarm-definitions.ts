/**
 * Every alarm of a stack, as plain data: infra/alerts.ts makes a CloudWatch alarm of each. Anchored
 * on AWS's recommended alarms (CloudWatch's "Recommended alarms" for API Gateway, Lambda and
 * DynamoDB), sized to a club: a few hundred parents, bursts when a squad's invites go out.
 * docs/operating.md, "Alarms and the dashboard", says what each means and what to do first.
 */
import { type businessMetrics, metricDimensions, metricsNamespace } from "../config/metrics";
import { alarmName, deadLetterQueueName, type HandlerName, namePrefix, type StackIdentity, scheduledHandlerNames } from "../config/names";
import type { StackConfig } from "../config/schema";

/** A metric as CloudWatch names it; `Name` is what a dimension's value is (text, or a value the program makes). */
export interface AlarmMetric<Name> {
  namespace: string;
  metricName: string;
  dimensions: Record<string, Name>;
}

interface AlarmShape {
  name: string;
  description: string;
  comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  threshold: number;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** Chosen for each alarm: a metric its service publishes only when something happened is missing the rest of the time. */
  treatMissingData: "notBreaching" | "breaching" | "ignore" | "missing";
}

/** An alarm on one metric, with its statistic (Sum, Average, Maximum) or a percentile (p90). */
export interface MetricAlarmDefinition<Name> extends AlarmShape {
  metric: AlarmMetric<Name> & ({ statistic: "Sum" | "Average" | "Maximum" } | { extendedStatistic: string });
}

/** An alarm on the sum of several metrics (CloudWatch metric math), each with the same statistic. */
export interface SumAlarmDefinition<Name> extends AlarmShape {
  sum: { label: string; statistic: "Sum"; metrics: AlarmMetric<Name>[] };
}

export type AlarmDefinition<Name> = MetricAlarmDefinition<Name> | SumAlarmDefinition<Name>;

export interface MonitoredFunction {
  handler: HandlerName;
  /** Its physical name: `signon-<slug>-<stack>-<handler>`. */
  name: string;
  timeoutSeconds: number;
}

export interface AlarmSources<Name> {
  identity: StackIdentity;
  thresholds: StackConfig["ops"];
  functions: readonly MonitoredFunction[];
  tableNames: readonly string[];
  /** The REST API's name and stage, API Gateway's dimensions. */
  apiName: Name;
  stageName: Name;
}

/** A function's duration p90 above this share of its timeout is close to cutting runs off. */
export const durationShareOfTimeout = 0.8;

/**
 * The DynamoDB operations signon's code calls (aws/). SystemErrors is published by table and
 * operation only, and CloudWatch does not add up the operations for an alarm, so the alarm sums these.
 */
export const dynamoDbOperations = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "TransactWriteItems"] as const;

const minute = 60;
const hour = 3_600;

export function alarmDefinitions<Name>(from: AlarmSources<Name | string>): AlarmDefinition<Name | string>[] {
  const { identity, thresholds } = from;
  const stackAlarm = (kind: string) => alarmName(namePrefix(identity), kind);
  const business = (metricName: keyof typeof businessMetrics) => ({
    namespace: metricsNamespace,
    metricName,
    // The {Club, Stage} set, which every line declares: the sum over all error codes.
    dimensions: { [metricDimensions.club]: identity.slug, [metricDimensions.stage]: identity.stack },
    statistic: "Sum" as const,
  });
  // The handlers write these lines only when something happened: no line is no trouble.
  const businessAlarm = (kind: string, metricName: keyof typeof businessMetrics, threshold: number, description: string) => ({
    name: stackAlarm(kind),
    description,
    metric: business(metricName),
    comparisonOperator: "GreaterThanOrEqualToThreshold" as const,
    threshold,
    period: hour,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: "notBreaching" as const,
  });

  const api: AlarmDefinition<Name | string> = {
    name: stackAlarm("api-5xx"),
    description: `More than ${thresholds.api5xxRatePercent}% of the API's answers were 5XX for 3 minutes in a row: parents, Twilio or GoCardless are getting errors.`,
    // 5XXError is 0 or 1 per request, so its Average is the share of 5XX answers (AWS: above 0.05, 3 of 3 minutes).
    metric: {
      namespace: "AWS/ApiGateway",
      metricName: "5XXError",
      dimensions: { ApiName: from.apiName, Stage: from.stageName },
      statistic: "Average",
    },
    comparisonOperator: "GreaterThanThreshold",
    threshold: thresholds.api5xxRatePercent / 100,
    period: minute,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    // A minute without requests has no datapoint, and is no error.
    treatMissingData: "notBreaching",
  };

  const perFunction = from.functions.flatMap(({ handler, name, timeoutSeconds }): AlarmDefinition<Name | string>[] => {
    const lambda = (metricName: string) => ({ namespace: "AWS/Lambda", metricName, dimensions: { FunctionName: name } });
    // The hourly run has at most a few datapoints an hour; a routed function many, so a five-minute window catches a short burst.
    const scheduled = scheduledHandlerNames.includes(handler);
    return [
      {
        name: alarmName(name, "errors"),
        description: `${name} failed ${thresholds.functionErrorsThreshold} or more times in ${scheduled ? "an hour" : "5 minutes"}: a bug, a timeout or a dependency down.`,
        metric: { ...lambda("Errors"), statistic: "Sum" },
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: thresholds.functionErrorsThreshold,
        period: scheduled ? hour : 5 * minute,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // Lambda publishes Errors only for periods with runs: none is no error.
        treatMissingData: "notBreaching",
      },
      {
        name: alarmName(name, "throttles"),
        description: `${name} was throttled for 5 minutes in a row: its reserved concurrency, or the account's, is used up.`,
        // AWS: Sum above 0 for 5 of 5 minutes; a single throttled burst is retried by the caller.
        metric: { ...lambda("Throttles"), statistic: "Sum" },
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        period: minute,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        treatMissingData: "notBreaching",
      },
      {
        name: alarmName(name, "duration"),
        description: `${name}'s p90 duration was above ${durationShareOfTimeout * 100}% of its ${timeoutSeconds}-second timeout: runs are close to being cut off.`,
        metric: { ...lambda("Duration"), extendedStatistic: "p90" },
        comparisonOperator: "GreaterThanThreshold",
        threshold: timeoutSeconds * 1_000 * durationShareOfTimeout,
        // The hourly run gives one datapoint an hour; the routed functions, 3 of 5 minutes, as a slow dependency lasts.
        period: scheduled ? hour : minute,
        evaluationPeriods: scheduled ? 1 : 5,
        datapointsToAlarm: scheduled ? 1 : 3,
        // No runs is no slowness.
        treatMissingData: "notBreaching",
      },
    ];
  });

  // A table's throttling or system errors: any in five minutes is worth a look; none reported is none happened.
  const anyInFiveMinutes = {
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    period: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 1,
    treatMissingData: "notBreaching",
  } as const;

  const perTable = from.tableNames.flatMap((table): AlarmDefinition<Name | string>[] => [
    {
      name: alarmName(table, "table-throttles"),
      description: `DynamoDB throttled reads or writes on ${table}: on demand, only past the table's or the account's limits.`,
      // ThrottledRequests has no TableName-only set; these two do, and count the same events.
      sum: {
        label: "Throttled reads and writes",
        statistic: "Sum",
        metrics: ["ReadThrottleEvents", "WriteThrottleEvents"].map((metricName) => ({
          namespace: "AWS/DynamoDB",
          metricName,
          dimensions: { TableName: table },
        })),
      },
      ...anyInFiveMinutes,
    },
    {
      name: alarmName(table, "table-system-errors"),
      description: `DynamoDB answered 500 to requests on ${table}: AWS's side; the functions retry, check the AWS Health Dashboard.`,
      sum: {
        label: "System errors",
        statistic: "Sum",
        metrics: dynamoDbOperations.map((operation) => ({
          namespace: "AWS/DynamoDB",
          metricName: "SystemErrors",
          dimensions: { TableName: table, Operation: operation },
        })),
      },
      ...anyInFiveMinutes,
    },
  ]);

  const deadLetters = scheduledHandlerNames.map(
    (handler): AlarmDefinition<Name | string> => ({
      name: alarmName(deadLetterQueueName(identity, handler), "messages"),
      description: `EventBridge could not start ${handler}'s scheduled run after its retries: the run's event is in the dead-letter queue.`,
      metric: {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: deadLetterQueueName(identity, handler) },
        statistic: "Maximum",
      },
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: 5 * minute,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // SQS stops publishing for a queue that stays empty: an empty queue is the good case.
      treatMissingData: "notBreaching",
    }),
  );

  return [
    api,
    ...perFunction,
    ...perTable,
    ...deadLetters,
    businessAlarm(
      "invites-refused",
      "InvitesRefused",
      thresholds.invitesRefusedThreshold,
      `Twilio refused ${thresholds.invitesRefusedThreshold} or more invites in an hour: a template disapproved or paused, the sender or the account in trouble.`,
    ),
    businessAlarm(
      "deliveries-failed",
      "DeliveriesFailed",
      thresholds.deliveriesFailedThreshold,
      `${thresholds.deliveriesFailedThreshold} or more messages failed to reach parents in an hour (status callbacks failed or undelivered).`,
    ),
    businessAlarm(
      "twilio-alerts",
      "TwilioAlerts",
      thresholds.twilioAlertsThreshold,
      `Twilio's Debugger posted ${thresholds.twilioAlertsThreshold} or more error events in an hour: see Twilio's console, Monitor, Errors.`,
    ),
  ];
}
