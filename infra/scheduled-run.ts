import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ScheduledRunArgs {
  /** The rule's name: the function's own (`signon-<slug>-<stack>-remind`), which config checks against AWS's limits. */
  ruleName: string;
  /** EventBridge's schedule expression (handlers/functions.ts, `schedule`). */
  schedule: string;
  handler: aws.lambda.Function;
}

/**
 * Runs a function on a schedule: an EventBridge rule, its target (the function) and the
 * permission that lets EventBridge, from this rule only, invoke it.
 */
export class ScheduledRun extends pulumi.ComponentResource {
  readonly rule: aws.cloudwatch.EventRule;
  readonly target: aws.cloudwatch.EventTarget;
  readonly permission: aws.lambda.Permission;

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
    // After the permission: a target EventBridge cannot invoke fails its runs until it can.
    this.target = new aws.cloudwatch.EventTarget(
      name,
      { rule: this.rule.name, arn: args.handler.arn },
      { parent: this, dependsOn: [this.permission] },
    );
    this.registerOutputs({ ruleArn: this.rule.arn });
  }
}
