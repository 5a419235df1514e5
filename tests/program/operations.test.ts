/**
 * The stack's operations under Pulumi's mocks (issue 25): the alert topic and its email, every
 * alarm's metric, statistic, threshold, period, datapoints, actions and treatMissingData, the
 * dashboard naming only metrics that exist, and the reminders' retry policy and dead-letter queue.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { businessMetrics } from "../../config/metrics";
import { functions } from "../../handlers/functions";
import { testCredentials } from "../../testkit/fixtures";
import type { RecordedResource } from "../../testkit/program-under-mocks";
import { type ProgramResult, resourceNamed, resourcesOfType, runProgram, stackFileConfig } from "../../testkit/run-program";

const secrets = { twilioAccountSid: testCredentials.accountSid, twilioAuthToken: testCredentials.authToken };
const region = "eu-north-1";
const account = "123456789012";
const prefix = "signon-urmston-dev";
const topicArn = `arn:aws:sns:${region}:${account}:${prefix}-alerts`;
const apiName = `${prefix}-api-0a1b2c3`;
const handlers = Object.keys(functions) as (keyof typeof functions)[];
const tables = ["idempotency", "registrations", "erasures", "board"].map((table) => `${prefix}-${table}`);

/** What each alarm watches and how, as the assertions compare them. */
const alarmOf = (alarm: RecordedResource) => {
  const { inputs } = alarm;
  return {
    metric: inputs.metricName ? { namespace: inputs.namespace, metricName: inputs.metricName, dimensions: inputs.dimensions } : undefined,
    statistic: inputs.statistic ?? inputs.extendedStatistic,
    comparisonOperator: inputs.comparisonOperator,
    threshold: inputs.threshold,
    period: inputs.period,
    evaluationPeriods: inputs.evaluationPeriods,
    datapointsToAlarm: inputs.datapointsToAlarm,
    treatMissingData: inputs.treatMissingData,
  };
};

describe("the operations of a stack (dev, signon:ops with two thresholds of its own)", () => {
  let result: ProgramResult;
  const alarm = (name: string) => resourceNamed(result, "aws:cloudwatch/metricAlarm:MetricAlarm", name);

  beforeAll(async () => {
    const input = stackFileConfig("dev", secrets);
    input.values.ops = { alertEmail: "volunteer@urmstontownjfc.example", api5xxRatePercent: 10, deliveriesFailedThreshold: 8 };
    const run = await runProgram(input);
    if (!run.ok) throw new Error(`program failed: ${run.stderr}`);
    result = run.result;
  });

  it("sends every alarm, into alarm and back to OK, to one topic named after the stack, which emails signon:ops.alertEmail", () => {
    const [topic] = resourcesOfType(result, "aws:sns/topic:Topic");
    expect(topic.inputs).toEqual({ name: `${prefix}-alerts` });
    expect(resourcesOfType(result, "aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs)).toEqual([
      { topic: topicArn, protocol: "email", endpoint: "volunteer@urmstontownjfc.example" },
    ]);
    const alarms = resourcesOfType(result, "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms).toHaveLength(34);
    // A table is named as a function may be (`-board`): no two alarms may share a name.
    expect(new Set(alarms.map((a) => a.name)).size).toBe(alarms.length);
    for (const { name, inputs } of alarms) {
      expect(inputs.name, name).toBe(name);
      expect(inputs.alarmActions, name).toEqual([topicArn]);
      expect(inputs.okActions, name).toEqual([topicArn]);
      expect(String(inputs.alarmDescription).length, name).toBeGreaterThan(20);
    }
    expect(result.outputs.alertTopicArn).toEqual({ value: topicArn, secret: false });
  });

  it("alarms on the API's 5XX share above signon:ops.api5xxRatePercent for 3 minutes of 3, as AWS recommends", () => {
    expect(alarmOf(alarm(`${prefix}-api-5xx`))).toEqual({
      metric: { namespace: "AWS/ApiGateway", metricName: "5XXError", dimensions: { ApiName: apiName, Stage: "v1" } },
      statistic: "Average",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0.1,
      period: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
    });
  });

  it.each(handlers)("alarms on %s's errors, throttles and p90 duration at 80% of its timeout", (handler) => {
    const name = `${prefix}-${handler}`;
    const scheduled = handler === "remind";
    const metric = (metricName: string) => ({ namespace: "AWS/Lambda", metricName, dimensions: { FunctionName: name } });
    expect(alarmOf(alarm(`${name}-errors`))).toEqual({
      metric: metric("Errors"),
      statistic: "Sum",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      period: scheduled ? 3600 : 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
    });
    expect(alarmOf(alarm(`${name}-throttles`))).toEqual({
      metric: metric("Throttles"),
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: "notBreaching",
    });
    expect(alarmOf(alarm(`${name}-duration`))).toEqual({
      metric: metric("Duration"),
      statistic: "p90",
      comparisonOperator: "GreaterThanThreshold",
      threshold: functions[handler].timeoutSeconds * 800,
      period: scheduled ? 3600 : 60,
      evaluationPeriods: scheduled ? 1 : 5,
      datapointsToAlarm: scheduled ? 1 : 3,
      treatMissingData: "notBreaching",
    });
  });

  it.each(tables)("alarms on %s's throttled reads and writes and its system errors, summed over the operations signon calls", (table) => {
    const throttles = alarm(`${table}-table-throttles`);
    const systemErrors = alarm(`${table}-table-system-errors`);
    for (const each of [throttles, systemErrors]) {
      expect(alarmOf(each)).toEqual({
        metric: undefined,
        statistic: undefined,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        period: undefined,
        evaluationPeriods: 5,
        datapointsToAlarm: 1,
        treatMissingData: "notBreaching",
      });
    }
    const queries = (each: RecordedResource) => each.inputs.metricQueries as Record<string, any>[];
    expect(queries(throttles)).toEqual([
      { id: "total", expression: "SUM([m0, m1])", label: "Throttled reads and writes", returnData: true },
      ...["ReadThrottleEvents", "WriteThrottleEvents"].map((metricName, index) => ({
        id: `m${index}`,
        returnData: false,
        metric: { namespace: "AWS/DynamoDB", metricName, dimensions: { TableName: table }, period: 60, stat: "Sum" },
      })),
    ]);
    const operations = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "TransactWriteItems"];
    expect(queries(systemErrors)[0]).toEqual({
      id: "total",
      expression: `SUM([${operations.map((_, index) => `m${index}`).join(", ")}])`,
      label: "System errors",
      returnData: true,
    });
    expect(
      queries(systemErrors)
        .slice(1)
        .map((query) => query.metric),
    ).toEqual(
      operations.map((Operation) => ({
        namespace: "AWS/DynamoDB",
        metricName: "SystemErrors",
        dimensions: { TableName: table, Operation },
        period: 60,
        stat: "Sum",
      })),
    );
  });

  it("alarms on the business metrics by club and stage, summed over every error code, each hour", () => {
    const dimensions = { Club: "urmston", Stage: "dev" };
    for (const [kind, metricName, threshold] of [
      ["invites-refused", "InvitesRefused", 3],
      ["deliveries-failed", "DeliveriesFailed", 8],
      ["twilio-alerts", "TwilioAlerts", 5],
    ] as const) {
      expect(businessMetrics[metricName].byErrorCode).toBe(true);
      expect(alarmOf(alarm(`${prefix}-${kind}`))).toEqual({
        metric: { namespace: "signon", metricName, dimensions },
        statistic: "Sum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold,
        period: 3600,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: "notBreaching",
      });
    }
  });

  it("retries the reminders' run within the hour, then leaves it in an encrypted dead-letter queue only its rule may send to, with an alarm", () => {
    const target = resourceNamed(result, "aws:cloudwatch/eventTarget:EventTarget", `${prefix}-remind-schedule`);
    const queueArn = `arn:aws:sqs:${region}:${account}:${prefix}-remind-dlq`;
    expect(target.inputs).toMatchObject({
      retryPolicy: { maximumRetryAttempts: 4, maximumEventAgeInSeconds: 3000 },
      deadLetterConfig: { arn: queueArn },
    });
    expect(resourceNamed(result, "aws:sqs/queue:Queue", `${prefix}-remind-schedule-dlq`).inputs).toEqual({
      name: `${prefix}-remind-dlq`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    const policy = resourceNamed(result, "aws:sqs/queuePolicy:QueuePolicy", `${prefix}-remind-schedule-dlq`);
    expect(policy.inputs.queueUrl).toBe(`https://sqs.${region}.amazonaws.com/${account}/${prefix}-remind-dlq`);
    expect(JSON.parse(String(policy.inputs.policy)).Statement).toEqual([
      {
        Sid: "RuleDeadLetters",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:cloudwatch:${region}:${account}:${prefix}-remind` } },
      },
    ]);
    expect(alarmOf(alarm(`${prefix}-remind-dlq-messages`))).toEqual({
      metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: `${prefix}-remind-dlq` } },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
    });
  });

  it("lays out one dashboard whose every metric exists: the business metrics, this stack's API, functions and tables", () => {
    const [dashboard] = resourcesOfType(result, "aws:cloudwatch/dashboard:Dashboard");
    expect(dashboard.inputs.dashboardName).toBe(prefix);
    const body = JSON.parse(String(dashboard.inputs.dashboardBody)) as {
      widgets: { properties: { metrics: unknown[][]; region: string } }[];
    };
    const lines = body.widgets.flatMap((widget) => widget.properties.metrics);
    const functionNames = resourcesOfType(result, "aws:lambda/function:Function").map((f) => f.inputs.name);
    const tableNames = resourcesOfType(result, "aws:dynamodb/table:Table").map((t) => t.inputs.name);
    const [stage] = resourcesOfType(result, "aws:apigateway/stage:Stage");
    const exists = (line: unknown[]): boolean => {
      const [namespace, metricName, ...rest] = line;
      const dimensions = Object.fromEntries(
        rest.flatMap((item, index) => (typeof item === "string" && index % 2 === 0 ? [[item, rest[index + 1]]] : [])),
      );
      switch (namespace) {
        case "signon":
          return (metricName as string) in businessMetrics && dimensions.Club === "urmston" && dimensions.Stage === "dev";
        case "AWS/ApiGateway":
          return (
            ["Count", "4XXError", "5XXError", "Latency"].includes(metricName as string) &&
            dimensions.ApiName === apiName &&
            dimensions.Stage === stage.inputs.stageName
          );
        case "AWS/Lambda":
          return (
            ["Invocations", "Errors", "Throttles", "Duration"].includes(metricName as string) &&
            functionNames.includes(dimensions.FunctionName)
          );
        case "AWS/DynamoDB":
          return (
            ["ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ReadThrottleEvents", "WriteThrottleEvents"].includes(
              metricName as string,
            ) && tableNames.includes(dimensions.TableName)
          );
        default:
          return false;
      }
    };
    for (const line of lines) expect(exists(line), JSON.stringify(line)).toBe(true);
    // Each business metric once, each function and table in each of their widgets.
    const named = (namespace: string) => lines.filter((line) => line[0] === namespace);
    expect(
      named("signon")
        .map((line) => line[1])
        .sort(),
    ).toEqual(Object.keys(businessMetrics).sort());
    expect(named("AWS/Lambda")).toHaveLength(4 * functionNames.length);
    expect(named("AWS/DynamoDB")).toHaveLength(4 * tableNames.length);
    expect(new Set(body.widgets.map((widget) => widget.properties.region))).toEqual(new Set([region]));
    expect(result.outputs.dashboardUrl).toEqual({
      value: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${prefix}`,
      secret: false,
    });
  });
});
