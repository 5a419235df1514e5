/**
 * The README is the club's page, and the rest of the documentation hangs off it: every relative
 * link must reach a file of the project (and the heading it names), and the README must stay short.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../local/stack-file";
import { headingAnchor, headingAnchors, linkProblem, markdownSection, relativeLinks } from "../../testkit/readme";

/** README.md, bench/README.md and every markdown file under docs/, relative to the project. */
function documentation(): string[] {
  const docs = fs
    .readdirSync(path.join(projectRoot, "docs"), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".md"))
    .map((file) => path.join("docs", file));
  return ["README.md", "bench/README.md", ...docs];
}

describe("the documentation", () => {
  it("covers the README, the bench's README and docs/, decision records included", () => {
    expect(documentation()).toEqual(
      expect.arrayContaining([
        "README.md",
        "bench/README.md",
        "docs/operating.md",
        "docs/http-api.md",
        "docs/architecture.md",
        "docs/reliability.md",
        "docs/decisions/0001-no-aws-sdk-at-run-time.md",
      ]),
    );
  });

  it("links only to files that exist, and to headings they have", () => {
    const links = documentation().flatMap(relativeLinks);
    const problems = links.flatMap((link) => {
      const problem = linkProblem(link);
      return problem ? [`${link.file}:${link.line}: ${link.target}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
    // The README reaches every page of docs/ it promises.
    expect(relativeLinks("README.md").map((link) => link.target)).toEqual(
      expect.arrayContaining(["docs/operating.md", "docs/http-api.md", "docs/architecture.md", "docs/reliability.md", "bench/README.md"]),
    );
  });

  it("keeps the README at most 220 lines", () => {
    const lines = fs.readFileSync(path.join(projectRoot, "README.md"), "utf8").trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(220);
  });
});

describe("the link check", () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "signon-docs-links-"));
  fs.mkdirSync(path.join(folder, "docs"));
  fs.writeFileSync(path.join(folder, "docs", "other.md"), "# Other\n\n## Trying it locally: `npm start`\n\n## Notes\n\n## Notes\n");
  const page = path.join(folder, "page.md");
  fs.writeFileSync(
    page,
    [
      "# Page",
      "",
      "[fine](docs/other.md) and [a heading](docs/other.md#trying-it-locally-npm-start) and [the second Notes](docs/other.md#notes-1)",
      "[gone](docs/missing.md) and [no such heading](docs/other.md#deploying) and [here](#page) and [not here](#nowhere)",
      "[the web](https://example.com/x.md) and `[in a code span](docs/missing.md)`",
      "```",
      "[in a code block](docs/missing.md)",
      "```",
    ].join("\n"),
  );

  it("reports a missing file and a missing heading, in the file or another, and nothing else", () => {
    const problems = relativeLinks(page).map((link) => [link.line, link.target, linkProblem(link)]);
    expect(problems).toEqual([
      [3, "docs/other.md", undefined],
      [3, "docs/other.md#trying-it-locally-npm-start", undefined],
      [3, "docs/other.md#notes-1", undefined],
      [4, "docs/missing.md", `${path.join(folder, "docs/missing.md")} does not exist`],
      [4, "docs/other.md#deploying", `${path.join(folder, "docs/other.md")} has no heading #deploying`],
      [4, "#page", undefined],
      [4, "#nowhere", `${page} has no heading #nowhere`],
    ]);
  });

  it("makes a heading's anchor as GitHub does", () => {
    expect(headingAnchor("## Trying it locally: `npm start`")).toBe("trying-it-locally-npm-start");
    expect(headingAnchor("## What Pulumi's serializer demands of Lambda code")).toBe("what-pulumis-serializer-demands-of-lambda-code");
    expect(headingAnchor("## `GET /registrations`")).toBe("get-registrations");
    expect(headingAnchors(path.join(folder, "docs", "other.md"))).toEqual(["other", "trying-it-locally-npm-start", "notes", "notes-1"]);
  });

  it("reads a section up to the next heading of any level, and names a heading it cannot find", () => {
    fs.writeFileSync(
      path.join(folder, "sections.md"),
      ["## One", "first", "```sh", "# a comment, not a heading", "```", "### Two", "second"].join("\n"),
    );
    const file = path.join(folder, "sections.md");
    expect(markdownSection(file, "## One")).toBe(["first", "```sh", "# a comment, not a heading", "```"].join("\n"));
    expect(markdownSection(file, "### Two")).toBe("second");
    expect(() => markdownSection(file, "## Three")).toThrow(`${file} has no heading ## Three`);
  });
});
