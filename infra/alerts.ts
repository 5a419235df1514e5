import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type AlarmDefinition, type AlarmSources, alarmDefinitions } from "./alarm-definitions";

export interface AlertsArgs extends AlarmSources<pulumi.Output<string>> {
  /** The topic's name: `signon-<slug>-<stack>-alerts`. */
  topicName: string;
  /** The volunteer's address (signon:ops.alertEmail); AWS emails it a link to confirm first. */
  alertEmail: string;
}

/**
 * The stack's alarms and who hears of them: an SNS topic, its email subscription, and every
 * alarm (infra/alarm-definitions.ts) telling the topic when it goes into alarm and when it is OK again.
 */
export class Alerts extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:ops:Alerts", name, {}, opts);
    const { topicName, alertEmail, ...sources } = args;
    // Not encrypted with SNS's AWS-managed key: its key policy cannot let CloudWatch publish. An alarm carries no personal data.
    this.topic = new aws.sns.Topic(name, { name: topicName }, { parent: this });
    new aws.sns.TopicSubscription(name, { topic: this.topic.arn, protocol: "email", endpoint: alertEmail }, { parent: this });
    this.alarms = alarmDefinitions(sources).map(
      (definition) => new aws.cloudwatch.MetricAlarm(definition.name, metricAlarmArgs(definition, this.topic.arn), { parent: this }),
    );
    this.registerOutputs({ topicArn: this.topic.arn });
  }
}

/** The alarm's arguments: its metric (or the sum of its metrics), its threshold and the topic on both actions. */
export function metricAlarmArgs(
  definition: AlarmDefinition<pulumi.Input<string>>,
  topicArn: pulumi.Input<string>,
): aws.cloudwatch.MetricAlarmArgs {
  const shared = {
    name: definition.name,
    alarmDescription: definition.description,
    comparisonOperator: definition.comparisonOperator,
    threshold: definition.threshold,
    evaluationPeriods: definition.evaluationPeriods,
    datapointsToAlarm: definition.datapointsToAlarm,
    treatMissingData: definition.treatMissingData,
    alarmActions: [topicArn],
    okActions: [topicArn],
  };
  if ("metric" in definition) {
    const { metric } = definition;
    return {
      ...shared,
      namespace: metric.namespace,
      metricName: metric.metricName,
      dimensions: metric.dimensions,
      period: definition.period,
      ...("statistic" in metric ? { statistic: metric.statistic } : { extendedStatistic: metric.extendedStatistic }),
    };
  }
  const { sum } = definition;
  const ids = sum.metrics.map((_, index) => `m${index}`);
  return {
    ...shared,
    metricQueries: [
      // SUM of the list adds what each period has; a metric with no datapoint there does not blank the total.
      { id: "total", expression: `SUM([${ids.join(", ")}])`, label: sum.label, returnData: true },
      ...sum.metrics.map((metric, index) => ({
        id: ids[index],
        returnData: false,
        metric: {
          namespace: metric.namespace,
          metricName: metric.metricName,
          dimensions: metric.dimensions,
          period: definition.period,
          stat: sum.statistic,
        },
      })),
    ],
  };
}
