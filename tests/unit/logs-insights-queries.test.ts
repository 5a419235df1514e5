/**
 * docs/operating.md's CloudWatch Logs Insights queries, checked for shape without AWS: each is a
 * pipeline of Logs Insights commands, and every field it names is one the handlers write
 * (plumbing/log.ts) or one Logs Insights makes (`@timestamp`, `@initDuration`...).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../local/stack-file";
import { markdownSection } from "../../testkit/readme";

const section = markdownSection("docs/operating.md", "### CloudWatch Logs Insights queries");
const queries = [...section.matchAll(/```text\n([\s\S]*?)```/g)].map((match) => match[1].trim());

/** The fields a log line may carry: `level` and `event`, and LogFields' keys, read from its source. */
const logFields = (() => {
  const source = fs.readFileSync(path.join(projectRoot, "plumbing/log.ts"), "utf8");
  const body = /export interface LogFields \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? "";
  return new Set(["level", "event", ...[...body.matchAll(/^\s+([a-z_]+)\?:/gm)].map((match) => match[1])]);
})();

const commands = new Set(["fields", "filter", "stats", "sort", "limit", "parse", "display", "dedup"]);
const functions = new Set(["count", "avg", "max", "min", "sum", "pct", "bin", "ispresent"]);
const words = new Set(["as", "by", "and", "or", "not", "asc", "desc", "like", "in"]);

/** The names a query reads that are neither Logs Insights' own (`@duration`), its words, nor an alias it makes with `as`. */
function fieldsRead(query: string): string[] {
  const unquoted = query.replace(/"[^"]*"/g, '""');
  const aliases = new Set([...unquoted.matchAll(/\bas\s+([A-Za-z_]\w*)/g)].map((match) => match[1]));
  const names = [...unquoted.matchAll(/(?<![@\w])([A-Za-z_]\w*)\b/g)].map((match) => match[1]);
  return names.filter((name) => !commands.has(name) && !functions.has(name) && !words.has(name) && !aliases.has(name));
}

describe("docs/operating.md's Logs Insights queries", () => {
  it("are there: errors by route, a request by its id, 5XX answers and cold starts", () => {
    expect(queries).toHaveLength(4);
    expect(queries.some((query) => query.includes("request_id ="))).toBe(true);
    expect(queries.some((query) => query.includes("@initDuration"))).toBe(true);
  });

  it.each(queries.map((query) => [query.split("\n")[0], query]))("%s: a pipeline of Logs Insights commands", (_first, query) => {
    for (const stage of query.split(/\n\|\s*/)) {
      expect(commands, stage).toContain(stage.split(/\s/)[0]);
    }
    // Brackets and quotes balance, as the console's parser demands.
    expect((query.match(/\(/g) ?? []).length).toBe((query.match(/\)/g) ?? []).length);
    expect((query.match(/"/g) ?? []).length % 2).toBe(0);
  });

  it.each(queries.map((query) => [query.split("\n")[0], query]))("%s: reads only fields the handlers write", (_first, query) => {
    for (const field of fieldsRead(query)) expect(logFields, field).toContain(field);
  });

  it("knows a field the handlers do not write when it sees one", () => {
    expect(fieldsRead('fields phone, @timestamp | filter level = "error" | stats count(*) as n by route')).toEqual([
      "phone",
      "level",
      "route",
    ]);
    expect(logFields).not.toContain("phone");
  });
});
