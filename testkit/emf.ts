/**
 * Reads the business metrics' Embedded Metric Format lines out of what a handler wrote, and holds
 * each to CloudWatch's specification and to signon's contract (config/metrics.ts): the namespace,
 * every declared metric a number at the root, the declared dimension sets with their values at
 * the root as strings, and nothing at the root beyond those.
 */
import { type BusinessMetric, businessMetrics, metricDimensions, metricsNamespace } from "../config/metrics";

export interface EmfLine {
  /** The line as parsed. */
  document: Record<string, unknown>;
  metric: BusinessMetric;
  value: number;
  errorCode?: string;
  club: unknown;
  stage: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The lines that are EMF documents (they carry `_aws`), parsed; other lines are the log's. */
export function emfDocuments(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    if (!line.includes('"_aws"')) return [];
    const parsed: unknown = JSON.parse(line);
    return isRecord(parsed) && "_aws" in parsed ? [parsed] : [];
  });
}

/** What is wrong with one document by the specification and the contract: empty when nothing. */
export function emfProblems(document: Record<string, unknown>, dimensions: { club: string; stage: string }): string[] {
  const problems: string[] = [];
  const meta = document._aws;
  if (!isRecord(meta)) return ["_aws is not an object"];
  if (typeof meta.Timestamp !== "number" || !Number.isInteger(meta.Timestamp) || meta.Timestamp <= 0)
    problems.push("_aws.Timestamp is not milliseconds since the epoch");
  const directives = meta.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) return [...problems, "_aws.CloudWatchMetrics is not a non-empty array"];
  const referenced = new Set<string>(["_aws"]);
  for (const directive of directives) {
    if (!isRecord(directive)) {
      problems.push("a metric directive is not an object");
      continue;
    }
    if (directive.Namespace !== metricsNamespace) problems.push(`Namespace is ${String(directive.Namespace)}, not ${metricsNamespace}`);
    const metrics = directive.Metrics;
    if (!Array.isArray(metrics) || metrics.length === 0) {
      problems.push("Metrics is not a non-empty array");
      continue;
    }
    for (const definition of metrics) {
      const name = isRecord(definition) ? definition.Name : undefined;
      if (typeof name !== "string" || !(name in businessMetrics)) {
        problems.push(`${String(name)} is not a declared metric`);
        continue;
      }
      const declared = businessMetrics[name as BusinessMetric];
      referenced.add(name);
      if (definition.Unit !== declared.unit) problems.push(`${name}'s Unit is ${String(definition.Unit)}, not ${declared.unit}`);
      if (typeof document[name] !== "number" || !Number.isFinite(document[name])) problems.push(`${name} is not a number at the root`);
      const base = [metricDimensions.club, metricDimensions.stage];
      const expected = declared.byErrorCode ? [base, [...base, metricDimensions.errorCode]] : [base];
      if (JSON.stringify(directive.Dimensions) !== JSON.stringify(expected))
        problems.push(`${name}'s Dimensions are ${JSON.stringify(directive.Dimensions)}, not ${JSON.stringify(expected)}`);
    }
    for (const set of Array.isArray(directive.Dimensions) ? directive.Dimensions : []) {
      for (const dimension of Array.isArray(set) ? set : []) {
        referenced.add(String(dimension));
        if (typeof document[dimension] !== "string") problems.push(`dimension ${String(dimension)} is not a string at the root`);
      }
    }
  }
  if (document[metricDimensions.club] !== dimensions.club) problems.push(`Club is ${String(document.Club)}, not ${dimensions.club}`);
  if (document[metricDimensions.stage] !== dimensions.stage) problems.push(`Stage is ${String(document.Stage)}, not ${dimensions.stage}`);
  const code = document[metricDimensions.errorCode];
  if (code !== undefined && !(typeof code === "string" && /^(\d{1,6}|none)$/.test(code)))
    problems.push(`ErrorCode is ${String(code)}, not a Twilio error code`);
  for (const member of Object.keys(document))
    if (!referenced.has(member)) problems.push(`${member} is at the root but no metric or dimension`);
  return problems;
}

/** The EMF lines among `lines`, each checked: a line with a problem fails the test that reads it. */
export function metricLines(lines: readonly string[], dimensions: { club: string; stage: string }): EmfLine[] {
  return emfDocuments(lines).map((document) => {
    const problems = emfProblems(document, dimensions);
    if (problems.length > 0) throw new Error(`invalid EMF line ${JSON.stringify(document)}: ${problems.join("; ")}`);
    const directive = (document._aws as { CloudWatchMetrics: { Metrics: { Name: BusinessMetric }[] }[] }).CloudWatchMetrics[0];
    const metric = directive.Metrics[0].Name;
    return {
      document,
      metric,
      value: document[metric] as number,
      errorCode: document.ErrorCode as string | undefined,
      club: document.Club,
      stage: document.Stage,
    };
  });
}

/** Each metric's total over `lines`, `Metric` or `Metric/ErrorCode` for those kept by code. */
export function metricTotals(lines: readonly EmfLine[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const { metric, value, errorCode } of lines) {
    const key = errorCode === undefined ? metric : `${metric}/${errorCode}`;
    totals[key] = (totals[key] ?? 0) + value;
  }
  return totals;
}
