import { describe, expect, it } from "vitest";
import { businessMetrics } from "../../config/metrics";
import { dashboardBody, dashboardUrl } from "../../infra/dashboard-body";

const sources = {
  identity: { slug: "sale-united", stack: "prod" },
  region: "eu-west-2",
  functionNames: ["signon-sale-united-prod-trigger", "signon-sale-united-prod-webhook"],
  tableNames: ["signon-sale-united-prod-registrations"],
  apiName: "signon-sale-united-prod-api-0a1b2c3",
  stageName: "v1",
};

describe("the dashboard's body", () => {
  const { widgets } = dashboardBody(sources);

  it("tiles its widgets three to a row on CloudWatch's 24-column grid, none overlapping", () => {
    const cells = widgets.map(({ x, y }) => `${x},${y}`);
    expect(new Set(cells).size).toBe(widgets.length);
    for (const widget of widgets) {
      expect(widget.x + widget.width).toBeLessThanOrEqual(24);
      expect(widget.properties.region).toBe("eu-west-2");
    }
  });

  it("graphs each business metric once, by the stack's club and stage, and each function and table by its own name and label", () => {
    const lines = widgets.flatMap((widget) => widget.properties.metrics as unknown[][]);
    expect(
      lines
        .filter((line) => line[0] === "signon")
        .map((line) => line.slice(1))
        .sort(),
    ).toEqual(
      Object.keys(businessMetrics)
        .sort()
        .map((metric) => [metric, "Club", "sale-united", "Stage", "prod"]),
    );
    expect(lines.filter((line) => line[0] === "AWS/Lambda" && line[1] === "Duration")).toEqual([
      ["AWS/Lambda", "Duration", "FunctionName", "signon-sale-united-prod-trigger", { label: "trigger" }],
      ["AWS/Lambda", "Duration", "FunctionName", "signon-sale-united-prod-webhook", { label: "webhook" }],
    ]);
    expect(lines.filter((line) => line[0] === "AWS/ApiGateway").map((line) => line.slice(1, 6))).toEqual(
      ["Count", "4XXError", "5XXError", "Latency", "Latency"].map((metric) => [metric, "ApiName", sources.apiName, "Stage", "v1"]),
    );
    expect(lines.filter((line) => line[0] === "AWS/DynamoDB").map((line) => line[1])).toEqual([
      "ConsumedReadCapacityUnits",
      "ConsumedWriteCapacityUnits",
      "ReadThrottleEvents",
      "WriteThrottleEvents",
    ]);
  });

  it("opens in the stack's region of the console", () => {
    expect(dashboardUrl("eu-west-2", "signon-sale-united-prod")).toBe(
      "https://eu-west-2.console.aws.amazon.com/cloudwatch/home?region=eu-west-2#dashboards:name=signon-sale-united-prod",
    );
  });
});
