/**
 * Every physical name a stack gives AWS. Each carries the club's slug and the stack, so clubs
 * and environments share an account; `stackAwsNames` lists them all so config can check them
 * against AWS's limits before `pulumi up` touches anything.
 */
import type { AwsNameKind } from "./aws-name-rules";
import { type SettingKey, settingParameterName, settingParameterNames } from "./settings";

export interface StackIdentity {
  slug: string;
  stack: string;
}

/**
 * The Lambda handlers: each has a function, a role, a policy, a log group and a route of its own.
 * handlers/functions.ts declares each, and the compiler holds it to this list.
 */
export const handlerNames = ["trigger", "webhook", "export", "status", "remind", "board", "payment"] as const;
export type HandlerName = (typeof handlerNames)[number];

/**
 * The functions EventBridge runs on a schedule instead of a route (handlers/functions.ts,
 * `schedule`): a rule named as the function, and its permission, in place of a route's.
 */
export const scheduledHandlerNames: readonly HandlerName[] = ["remind"];

/** Each function's routes beyond its first, by name (handlers/functions.ts, moreRoutes): each has a permission of its own. */
export const moreRouteNames: Record<HandlerName, readonly string[]> = {
  trigger: [],
  webhook: [],
  export: ["erase"],
  status: ["alerts"],
  remind: [],
  board: ["proxy"],
  payment: ["thanks"],
};

/** Prefix for resource, function and secret names: `signon-urmston-prod`. */
export function namePrefix({ slug, stack }: StackIdentity): string {
  return `signon-${slug}-${stack}`;
}

/** SSM path under which the stack's settings live: `/signon/urmston/prod`. */
export function parameterPath({ slug, stack }: StackIdentity): string {
  return `/signon/${slug}/${stack}`;
}

/** `signon-urmston-prod-trigger`: the Lambda's name, and the logical name of its component. */
export function functionName(identity: StackIdentity, handler: HandlerName): string {
  return `${namePrefix(identity)}-${handler}`;
}

export function idempotencyTableName(identity: StackIdentity): string {
  return `${namePrefix(identity)}-idempotency`;
}

export function registrationsTableName(identity: StackIdentity): string {
  return `${namePrefix(identity)}-registrations`;
}

/** The erasure log: registration ids and dates, kept apart so a restore of the registrations table does not undo them. */
export function erasureLogTableName(identity: StackIdentity): string {
  return `${namePrefix(identity)}-erasures`;
}

/** The board's sessions, people and audit log (aws/board-store.ts). */
export function boardTableName(identity: StackIdentity): string {
  return `${namePrefix(identity)}-board`;
}

/** Every table the stack keeps: each has its alarms and its place on the dashboard. */
export function tableNames(identity: StackIdentity): string[] {
  return [idempotencyTableName(identity), registrationsTableName(identity), erasureLogTableName(identity), boardTableName(identity)];
}

/** The SNS topic every alarm notifies (infra/alerts.ts). */
export function alertTopicName(identity: StackIdentity): string {
  return `${namePrefix(identity)}-alerts`;
}

/** The stack's CloudWatch dashboard (infra/stack-dashboard.ts). */
export function dashboardName(identity: StackIdentity): string {
  return namePrefix(identity);
}

/** Where EventBridge puts a scheduled run it could not deliver (infra/scheduled-run.ts): `signon-<slug>-<stack>-remind-dlq`. */
export function deadLetterQueueName(identity: StackIdentity, handler: HandlerName): string {
  return `${functionName(identity, handler)}-dlq`;
}

/** What each function's, each table's and the stack's own alarms watch (infra/alarm-definitions.ts), the last word of their names. */
export const functionAlarmKinds = ["errors", "throttles", "duration"] as const;
// A table is named as a function may be (`-board`): its alarms say `table`.
export const tableAlarmKinds = ["table-throttles", "table-system-errors"] as const;
export const stackAlarmKinds = ["api-5xx", "invites-refused", "deliveries-failed", "twilio-alerts"] as const;

/** An alarm's name: what it watches (a function, a table, a queue or the stack's prefix), then what about it. */
export function alarmName(subject: string, kind: string): string {
  return `${subject}-${kind}`;
}

/** Every alarm a stack has, by name. */
export function alarmNames(identity: StackIdentity): string[] {
  return [
    ...handlerNames.flatMap((handler) => functionAlarmKinds.map((kind) => alarmName(functionName(identity, handler), kind))),
    ...tableNames(identity).flatMap((table) => tableAlarmKinds.map((kind) => alarmName(table, kind))),
    ...scheduledHandlerNames.map((handler) => alarmName(deadLetterQueueName(identity, handler), "messages")),
    ...stackAlarmKinds.map((kind) => alarmName(namePrefix(identity), kind)),
  ];
}

/**
 * The name Pulumi gives a resource that has none of its own: the logical name, a hyphen and
 * seven random hex digits (shown here as x, which counts the same).
 */
export function pulumiAutoName(logicalName: string): string {
  return `${logicalName}-xxxxxxx`;
}

export interface AwsName {
  kind: AwsNameKind;
  name: string;
}

/**
 * What index.ts and infra/ name each resource, as AWS will see it. REST API, API key and usage
 * plan names are left out: AWS documents no limit on them that these names come near.
 */
export function stackAwsNames(identity: StackIdentity): AwsName[] {
  const prefix = namePrefix(identity);
  const perHandler = handlerNames.flatMap((handler): AwsName[] => {
    const lambda = functionName(identity, handler);
    return [
      { kind: "Lambda function", name: lambda },
      { kind: "CloudWatch log group", name: `/aws/lambda/${lambda}` },
      // infra/handler-function.ts: the role and policy are named after their component.
      { kind: "IAM role", name: pulumiAutoName(`${lambda}-role`) },
      { kind: "IAM role policy", name: pulumiAutoName(`${lambda}-policy`) },
      ...(scheduledHandlerNames.includes(handler)
        ? // infra/scheduled-run.ts: the rule, and the permission EventBridge invokes the function with.
          [
            { kind: "EventBridge rule", name: lambda } as const,
            { kind: "Lambda permission statement ID", name: pulumiAutoName(`${lambda}-schedule`) } as const,
          ]
        : // infra/registration-api.ts: the permission API Gateway invokes each route's function with.
          [{ kind: "Lambda permission statement ID", name: pulumiAutoName(`${prefix}-api-${handler}`) } as const]),
      ...moreRouteNames[handler].map(
        (route): AwsName => ({ kind: "Lambda permission statement ID", name: pulumiAutoName(`${prefix}-api-${handler}-${route}`) }),
      ),
    ];
  });
  const parameters = (Object.keys(settingParameterNames) as SettingKey[]).map(
    (key): AwsName => ({ kind: "SSM parameter", name: settingParameterName(parameterPath(identity), key) }),
  );
  return [
    ...perHandler,
    ...tableNames(identity).map((name): AwsName => ({ kind: "DynamoDB table", name })),
    ...scheduledHandlerNames.map((handler): AwsName => ({ kind: "SQS queue", name: deadLetterQueueName(identity, handler) })),
    { kind: "SNS topic", name: alertTopicName(identity) },
    { kind: "CloudWatch dashboard", name: dashboardName(identity) },
    ...alarmNames(identity).map((name): AwsName => ({ kind: "CloudWatch alarm", name })),
    { kind: "Secrets Manager secret", name: pulumiAutoName(`${prefix}-twilio`) },
    // infra/cursor-key.ts
    { kind: "Secrets Manager secret", name: pulumiAutoName(`${prefix}-cursor-key`) },
    ...parameters,
  ];
}
