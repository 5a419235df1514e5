import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ScheduledRunArgs {
  /** The rule's name: the function's own (`signon-<slug>-<stack>-remind`), which config checks against AWS's limits. */
  ruleName: string;
  /** The dead-letter queue's name (config/names.ts, deadLetterQueueName). */
  deadLetterQueueName: string;
  /** EventBridge's schedule expression (handlers/functions.ts, `schedule`). */
  schedule: string;
  handler: aws.lambda.Function;
}

/**
 * EventBridge's retries of a run it could not start (Lambda throttling it, a permission missing):
 * a few, within the hour, since the next run does the same work and a late one would overlap it.
 */
export const scheduledRunRetryPolicy = { maximumRetryAttempts: 4, maximumEventAgeInSeconds: 50 * 60 };

/** SQS's longest: a run EventBridge gave up on stays to be looked at for two weeks. */
const fourteenDaysInSeconds = 14 * 24 * 60 * 60;

/**
 * Runs a function on a schedule: an EventBridge rule, its target (the function) and the
 * permission that lets EventBridge, from this rule only, invoke it; a run it cannot start after
 * its retries goes to a dead-letter queue, which only this rule may send to (infra/alerts.ts alarms on it).
 */
export class ScheduledRun extends pulumi.ComponentResource {
  readonly rule: aws.cloudwatch.EventRule;
  readonly target: aws.cloudwatch.EventTarget;
  readonly permission: aws.lambda.Permission;
  readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: ScheduledRunArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signon:schedule:ScheduledRun", name, {}, opts);
    this.rule = new aws.cloudwatch.EventRule(
      name,
      { name: args.ruleName, description: `Runs ${args.ruleName} ${args.schedule}`, scheduleExpression: args.schedule },
      { parent: this },
    );
    this.permission = new aws.lambda.Permission(
      name,
      { action: "lambda:InvokeFunction", function: args.handler.name, principal: "events.amazonaws.com", sourceArn: this.rule.arn },
      { parent: this },
    );
    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dlq`,
      { name: args.deadLetterQueueName, sqsManagedSseEnabled: true, messageRetentionSeconds: fourteenDaysInSeconds },
      { parent: this },
    );
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-dlq`,
      {
        queueUrl: this.deadLetterQueue.url,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "RuleDeadLetters",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: this.deadLetterQueue.arn,
              Condition: { ArnEquals: { "aws:SourceArn": this.rule.arn } },
            },
          ],
        }),
      },
      { parent: this },
    );
    // After the permission: a target EventBridge cannot invoke fails its runs until it can; after the queue's policy, likewise.
    this.target = new aws.cloudwatch.EventTarget(
      name,
      {
        rule: this.rule.name,
        arn: args.handler.arn,
        retryPolicy: scheduledRunRetryPolicy,
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
      },
      { parent: this, dependsOn: [this.permission, queuePolicy] },
    );
    this.registerOutputs({ ruleArn: this.rule.arn, deadLetterQueueArn: this.deadLetterQueue.arn });
  }
}
