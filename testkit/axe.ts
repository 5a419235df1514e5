/**
 * axe-core run in a page the browser tests drive: the serious and critical violations of WCAG 2.2
 * AA, each as `rule: selectors`. axe is evaluated over the DevTools protocol, which the page's
 * Content-Security-Policy does not govern, so the pages need not allow it.
 */
import * as fs from "node:fs";
import type { Page } from "playwright-core";

const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const { violations } = await (window as any).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    });
    return violations
      .filter((violation: any) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation: any) => `${violation.id}: ${violation.nodes.map((node: any) => node.target.join(" ")).join(", ")}`);
  });
}
