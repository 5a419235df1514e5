/**
 * AWS's rules for the names a stack creates (from each service's API reference). A name that
 * breaks one fails `pulumi up` half-way, or, for Pulumi's auto-names, in the preview; config
 * checks them first so the volunteer is told which key to change.
 */
export interface AwsNameRule {
  maxLength: number;
  characters: RegExp;
}

// `\w` is [A-Za-z0-9_].
export const awsNameRules = {
  "Lambda function": { maxLength: 64, characters: /^[\w-]+$/ },
  "CloudWatch log group": { maxLength: 512, characters: /^[\w\-/.#]+$/ },
  "IAM role": { maxLength: 64, characters: /^[\w+=,.@-]+$/ },
  "IAM role policy": { maxLength: 128, characters: /^[\w+=,.@-]+$/ },
  "Lambda permission statement ID": { maxLength: 100, characters: /^[\w-]+$/ },
  "EventBridge rule": { maxLength: 64, characters: /^[\w.-]+$/ },
  "DynamoDB table": { maxLength: 255, characters: /^[\w.-]{3,}$/ },
  "Secrets Manager secret": { maxLength: 512, characters: /^[\w/+=.@-]+$/ },
  "SQS queue": { maxLength: 80, characters: /^[\w-]+$/ },
  "SNS topic": { maxLength: 256, characters: /^[\w-]+$/ },
  "CloudWatch dashboard": { maxLength: 255, characters: /^[\w-]+$/ },
  // Any text without control characters, AWS says; these are the stack's own names and words.
  "CloudWatch alarm": { maxLength: 255, characters: /^[\w.-]+$/ },
  // AWS's 1011 counts the parameter's whole ARN; 64 leaves room for `arn:<partition>:ssm:<region>:<account>:parameter`.
  "SSM parameter": { maxLength: 1011 - 64, characters: /^[\w.\-/]+$/ },
} as const satisfies Record<string, AwsNameRule>;

export type AwsNameKind = keyof typeof awsNameRules;

/** What AWS would refuse about `name` as a name of this kind, or undefined when it would take it. */
export function awsNameProblem(kind: AwsNameKind, name: string): string | undefined {
  const { maxLength, characters } = awsNameRules[kind];
  if (!characters.test(name)) return `has characters AWS refuses in a ${kind} name`;
  if (name.length > maxLength) return `would be ${name.length} characters, and AWS allows ${maxLength}`;
  return undefined;
}
