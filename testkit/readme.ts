/** The project's README.md, read by the tests that run its commands. */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../local/stack-file";

/** A README section's text, from its heading to the next heading (a `#` line outside a code block). */
export function readmeSection(heading: string): string {
  const lines = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8").split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`README.md has no heading ${heading}`);
  let inCode = false;
  const end = lines.findIndex((line, index) => {
    if (line.startsWith("```")) inCode = !inCode;
    return index > start && !inCode && /^#{1,6} /.test(line);
  });
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}
