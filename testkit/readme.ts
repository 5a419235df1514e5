/** The project's markdown (README.md, docs/), read by the tests that run its commands and check its links. */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../local/stack-file";

/** Each line of a markdown file, and whether it sits inside a fenced code block (the fences count as inside). */
function markdownLines(file: string): { line: string; inCode: boolean }[] {
  let inCode = false;
  return fs
    .readFileSync(path.resolve(projectRoot, file), "utf8")
    .split("\n")
    .map((line) => {
      const fence = line.trimStart().startsWith("```");
      if (fence) inCode = !inCode;
      return { line, inCode: inCode || fence };
    });
}

/**
 * A section's text, from its heading (`## Deploying a club`) to the next heading of any level
 * (a `#` line outside a code block). `file` is relative to the project: `docs/operating.md`.
 */
export function markdownSection(file: string, heading: string): string {
  const lines = markdownLines(file);
  const start = lines.findIndex(({ line, inCode }) => !inCode && line === heading);
  if (start < 0) throw new Error(`${file} has no heading ${heading}`);
  const end = lines.findIndex(({ line, inCode }, index) => index > start && !inCode && /^#{1,6} /.test(line));
  return lines
    .slice(start + 1, end < 0 ? undefined : end)
    .map(({ line }) => line)
    .join("\n");
}

/** A README.md section's text: `markdownSection("README.md", heading)`. */
export function readmeSection(heading: string): string {
  return markdownSection("README.md", heading);
}

/**
 * The anchor GitHub gives a heading: lower case, punctuation other than `-` and `_` dropped,
 * each space a hyphen. `## Trying it locally: \`npm start\`` is `#trying-it-locally-npm-start`.
 */
export function headingAnchor(heading: string): string {
  return heading
    .replace(/^#{1,6} /, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every heading's anchor in a markdown file, a repeated heading numbered as GitHub numbers it (`-1`, `-2`). */
export function headingAnchors(file: string): string[] {
  const seen = new Map<string, number>();
  return markdownLines(file)
    .filter(({ line, inCode }) => !inCode && /^#{1,6} /.test(line))
    .map(({ line }) => {
      const anchor = headingAnchor(line);
      const count = seen.get(anchor) ?? 0;
      seen.set(anchor, count + 1);
      return count === 0 ? anchor : `${anchor}-${count}`;
    });
}

/** A link in a markdown file to another file of the project, or to a heading (`#anchor`), as written. */
export interface RelativeLink {
  file: string;
  /** The line it is on, counting from 1. */
  line: number;
  target: string;
}

/**
 * The relative links of a markdown file: each `[text](target)` outside code blocks and code
 * spans whose target has no scheme (`https:`, `mailto:`). An autolink (`<https://...>`) always has one.
 */
export function relativeLinks(file: string): RelativeLink[] {
  return markdownLines(file).flatMap(({ line, inCode }, index) => {
    if (inCode) return [];
    const prose = line.replace(/`[^`]*`/g, "");
    return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map((target) => ({ file, line: index + 1, target }));
  });
}

/** What is wrong with a relative link: a file that does not exist, or a heading its file does not have. */
export function linkProblem({ file, target }: RelativeLink): string | undefined {
  const [pathPart, anchor] = target.split("#", 2);
  const linked = pathPart === "" ? file : path.join(path.dirname(file), decodeURIComponent(pathPart));
  if (!fs.existsSync(path.resolve(projectRoot, linked))) return `${linked} does not exist`;
  if (anchor === undefined) return undefined;
  if (!linked.endsWith(".md")) return `${linked} is not markdown, so it has no heading #${anchor}`;
  return headingAnchors(linked).includes(anchor) ? undefined : `${linked} has no heading #${anchor}`;
}
