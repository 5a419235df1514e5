/**
 * The stack's CloudWatch dashboard, as the JSON CloudWatch takes (its dashboard body structure):
 * the business metrics the handlers write beside API Gateway's, each function's and each table's.
 * Plain data, so a test can hold every metric it names to one that exists.
 */
import { type BusinessMetric, businessMetrics, metricDimensions, metricsNamespace } from "../config/metrics";
import type { StackIdentity } from "../config/names";

export interface DashboardSources {
  identity: StackIdentity;
  region: string;
  functionNames: readonly string[];
  tableNames: readonly string[];
  apiName: string;
  stageName: string;
}

/** The business metrics that mean trouble, graphed apart from the registrations' progress. */
const troubleMetrics: readonly BusinessMetric[] = ["InvitesRefused", "DeliveriesFailed", "TwilioAlerts", "PaymentsFailed"];

type MetricLine = (string | { stat?: string; label?: string })[];
interface Widget {
  type: "metric" | "text";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

/** Widgets are 8 of the grid's 24 columns wide, three to a row. */
const width = 8;
const height = 6;

export function dashboardBody(from: DashboardSources): { widgets: Widget[] } {
  const hourly = 3_600;
  const graph = (title: string, metrics: MetricLine[], stat: string, period = 300) => ({
    type: "metric" as const,
    properties: { title, view: "timeSeries", region: from.region, stat, period, metrics },
  });
  const business = (metric: BusinessMetric): MetricLine => [
    metricsNamespace,
    metric,
    metricDimensions.club,
    from.identity.slug,
    metricDimensions.stage,
    from.identity.stack,
  ];
  const api = (metricName: string, options: { stat?: string; label?: string } = {}): MetricLine => [
    "AWS/ApiGateway",
    metricName,
    "ApiName",
    from.apiName,
    "Stage",
    from.stageName,
    options,
  ];
  const perFunction = (metricName: string) =>
    from.functionNames.map((name): MetricLine => ["AWS/Lambda", metricName, "FunctionName", name, { label: shortName(from, name) }]);
  const perTable = (metricNames: readonly string[]) =>
    from.tableNames.flatMap((table) =>
      metricNames.map(
        (metricName): MetricLine => ["AWS/DynamoDB", metricName, "TableName", table, { label: `${shortName(from, table)} ${metricName}` }],
      ),
    );
  const progress = (Object.keys(businessMetrics) as BusinessMetric[]).filter((metric) => !troubleMetrics.includes(metric));

  const widgets = [
    graph("Registrations (hourly)", progress.map(business), "Sum", hourly),
    graph("Trouble: refused, failed, Twilio alerts (hourly)", troubleMetrics.map(business), "Sum", hourly),
    graph(
      "API requests and errors",
      [api("Count", { label: "requests" }), api("4XXError", { label: "4XX" }), api("5XXError", { label: "5XX" })],
      "Sum",
    ),
    graph("API latency", [api("Latency", { stat: "p90", label: "p90" }), api("Latency", { stat: "Average", label: "average" })], "p90"),
    graph("Lambda invocations", perFunction("Invocations"), "Sum"),
    graph("Lambda errors", perFunction("Errors"), "Sum"),
    graph("Lambda throttles", perFunction("Throttles"), "Sum"),
    graph("Lambda duration p90 (ms)", perFunction("Duration"), "p90"),
    graph("DynamoDB consumed capacity", perTable(["ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"]), "Sum"),
    graph("DynamoDB throttled", perTable(["ReadThrottleEvents", "WriteThrottleEvents"]), "Sum"),
  ];
  return {
    widgets: widgets.map((widget, index) => ({
      ...widget,
      x: (index % 3) * width,
      y: Math.floor(index / 3) * height,
      width,
      height,
    })),
  };
}

/** `trigger` for `signon-urmston-prod-trigger`: the legend has room for little. */
function shortName({ identity }: DashboardSources, name: string): string {
  const prefix = `signon-${identity.slug}-${identity.stack}-`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** Where the dashboard opens in the console. */
export function dashboardUrl(region: string, name: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${name}`;
}
