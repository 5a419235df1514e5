/**
 * What every handler factory starts with, built once per container from its declaration and
 * what the caller wired in (handlers/function-declaration.ts, HandlerWiring).
 */
import { createSettingsReader, type SettingsReader } from "../aws/settings-reader";
import type { HandlerName } from "../config/names";
import type { SettingKey } from "../config/settings";
import { type AwsCallScope, createAwsCallScope } from "../plumbing/aws-call-scope";
import type { LineWriter } from "../plumbing/log";
import { type CountMetric, createMetrics } from "../plumbing/metrics";
import type { Route } from "./function-declaration";

export interface HandlerSetup<K extends SettingKey> {
  /** The Lambda's environment unless wired otherwise. */
  env: NodeJS.ProcessEnv;
  /** Each invocation's deadline and log, for the AWS calls it makes however deep (plumbing/aws-call-scope.ts). */
  awsCalls: AwsCallScope;
  /** The declaration's settings, from Parameter Store unless wired otherwise. */
  readSettings: SettingsReader<K>;
  writeLog?: LineWriter;
  /** Counts a business metric: an EMF line through the log's writer (plumbing/metrics.ts). */
  metrics: CountMetric;
  /** For the log lines: `POST /webhook` (the first route), or `schedule remind`. */
  route: string;
}

export function handlerSetup<K extends SettingKey>(
  declaration: { name: HandlerName; settingKeys: readonly K[]; route?: Route },
  wiring: { env?: NodeJS.ProcessEnv; readSettings?: SettingsReader<K>; writeLog?: LineWriter },
): HandlerSetup<K> {
  const env = wiring.env ?? process.env;
  const awsCalls = createAwsCallScope();
  return {
    env,
    awsCalls,
    readSettings: wiring.readSettings ?? createSettingsReader(declaration.settingKeys, { env, awsCalls }),
    writeLog: wiring.writeLog,
    metrics: createMetrics(env, wiring.writeLog),
    route: declaration.route ? `${declaration.route.method} ${declaration.route.path}` : `schedule ${declaration.name}`,
  };
}
