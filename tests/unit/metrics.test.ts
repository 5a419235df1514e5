/** plumbing/metrics.ts: one EMF line per count, valid by CloudWatch's specification and signon's contract. */
import { describe, expect, it } from "vitest";
import { type BusinessMetric, businessMetrics } from "../../config/metrics";
import { readableMetricLine, withReadableMetrics } from "../../local/metric-lines";
import { createMetrics } from "../../plumbing/metrics";
import { emfProblems, metricLines, metricTotals } from "../../testkit/emf";

const env = { SIGNON_CLUB: "sale-united", SIGNON_STAGE: "prod" };
const dimensions = { club: "sale-united", stage: "prod" };

function written(count: (metrics: ReturnType<typeof createMetrics>) => void, withEnv: NodeJS.ProcessEnv = env) {
  const lines: string[] = [];
  count(
    createMetrics(
      withEnv,
      (line) => lines.push(line),
      () => 1_750_000_000_000,
    ),
  );
  return lines;
}

describe("createMetrics", () => {
  it.each(Object.keys(businessMetrics) as BusinessMetric[])("writes %s as a valid EMF line", (metric) => {
    const [line] = written((count) => count(metric, { errorCode: 63016 }));
    const document = JSON.parse(line);
    expect(emfProblems(document, dimensions)).toEqual([]);
    expect(document[metric]).toBe(1);
    expect(document.ErrorCode).toBe(businessMetrics[metric].byErrorCode ? "63016" : undefined);
  });

  it("writes the exact document the specification describes, by code under both dimension sets", () => {
    const [line] = written((count) => count("DeliveriesFailed", { errorCode: "63024", count: 2 }));
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: 1_750_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: "signon",
            Dimensions: [
              ["Club", "Stage"],
              ["Club", "Stage", "ErrorCode"],
            ],
            Metrics: [{ Name: "DeliveriesFailed", Unit: "Count" }],
          },
        ],
      },
      Club: "sale-united",
      Stage: "prod",
      ErrorCode: "63024",
      DeliveriesFailed: 2,
    });
  });

  it("files a count without a code, or with something that is no Twilio code, under ErrorCode none", () => {
    const lines = written((count) => {
      count("InvitesRefused");
      count("InvitesRefused", { errorCode: "+447700900123" });
      count("TwilioAlerts", { errorCode: "1234567" });
    });
    expect(metricTotals(metricLines(lines, dimensions))).toEqual({ "InvitesRefused/none": 2, "TwilioAlerts/none": 1 });
    expect(lines.join("\n")).not.toContain("447700900123");
  });

  it("without SIGNON_CLUB or SIGNON_STAGE writes a warning naming the variable, never a metric under no club", () => {
    const lines = written((count) => count("InvitesSent"), { SIGNON_STAGE: "prod" });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: "warn", event: "metric_not_written", detail: "InvitesSent: SIGNON_CLUB not set" },
    ]);
  });
});

describe("the EMF check (testkit/emf.ts) finds what is wrong", () => {
  const valid = () => JSON.parse(written((count) => count("InvitesRefused", { errorCode: 63016 }))[0]);
  it.each([
    ["a value that is no number", (d: any) => Object.assign(d, { InvitesRefused: "1" }), "InvitesRefused is not a number at the root"],
    ["a dimension missing", (d: any) => delete d.Stage, "dimension Stage is not a string at the root"],
    ["a member no directive names", (d: any) => Object.assign(d, { To: "+447700900123" }), "To is at the root but no metric or dimension"],
    ["another namespace", (d: any) => Object.assign(d._aws.CloudWatchMetrics[0], { Namespace: "x" }), "Namespace is x, not signon"],
    ["an undeclared dimension set", (d: any) => d._aws.CloudWatchMetrics[0].Dimensions.pop(), "InvitesRefused's Dimensions are"],
    ["another club", (d: any) => Object.assign(d, { Club: "urmston" }), "Club is urmston, not sale-united"],
    ["no timestamp", (d: any) => delete d._aws.Timestamp, "_aws.Timestamp is not milliseconds since the epoch"],
  ])("%s", (_name, spoil, problem) => {
    const document = valid();
    spoil(document);
    expect(emfProblems(document, dimensions).join("\n")).toContain(problem);
  });
});

describe("npm start's readable metric lines (local/metric-lines.ts)", () => {
  it("prints a metric with its dimensions, its code among them when it has one", () => {
    const lines = written((count) => {
      count("InvitesSent");
      count("DeliveriesFailed", { errorCode: 63016, count: 2 });
    });
    expect(lines.map(readableMetricLine)).toEqual([
      "metric InvitesSent 1 (Club sale-united, Stage prod)",
      "metric DeliveriesFailed 2 (Club sale-united, Stage prod, ErrorCode 63016)",
    ]);
  });

  it("passes every other line through as it is", () => {
    const printed: string[] = [];
    const write = withReadableMetrics((line) => printed.push(line));
    const others = ['{"level":"info","event":"request_done"}', '{"_aws":', '{"_aws":{},"Other":1}', "signon is ready"];
    for (const line of others) write(line);
    expect(printed).toEqual(others);
  });
});
