/** No file may hold a real person's phone number: UK mobiles must be in Ofcom's drama range. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
// +44 7xxx xxx xxx, 44 7..., 0044 7... or 07... as people type them.
const ukMobile = /(?:\+44|\b0044|\b44|\b0)[\s-]?\(?7\d{3}\)?[\s-]?\d{3}[\s-]?\d{3}\b/g;
const dramaRange = /^7700900\d{3}$/;

function projectFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  return listed.split("\n").filter((file) => file && file !== "package-lock.json" && fs.existsSync(path.join(root, file)));
}

describe("test data", () => {
  it("uses only +44 7700 900000 to 900999 for UK mobile numbers", () => {
    const files = projectFiles();
    expect(files).toContain("testkit/fixtures.ts");
    const outside: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      for (const match of text.matchAll(ukMobile)) {
        const national = match[0].replace(/\D/g, "").replace(/^(0044|44|0)/, "");
        if (!dramaRange.test(national)) outside.push(`${file}: ${match[0]}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("would catch a number outside the range", () => {
    // Assembled here so this file does not itself hold a number outside the range.
    const outsideRange = ["07700", "148000"].join(" ");
    expect(`call ${outsideRange}`.match(ukMobile)?.[0]).toBe(outsideRange);
  });
});
