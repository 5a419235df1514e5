/**
 * The test kit (testkit/) is shared by the tests and the bench, so importing it must do nothing:
 * no file written, no environment changed, no program run. Checked in a plain Node process,
 * as the bench loads it, with the log capture pointed at a folder of its own.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { captureDirVariable } from "../../testkit/log-capture";

const root = path.resolve(__dirname, "../..");
// Everything but the modules built on vitest's hooks, which load only inside vitest.
const builtOnVitestHooks = ["handler-under-test.ts", "payment-events.ts"];
const modules = fs.readdirSync(path.join(root, "testkit")).filter((file) => file.endsWith(".ts") && !builtOnVitestHooks.includes(file));

describe("importing the test kit", () => {
  it("writes nothing, changes no environment variable and runs nothing", () => {
    const captureDir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-testkit-import-"));
    const script = `
      const before = JSON.stringify(process.env);
      for (const module of ${JSON.stringify(modules)}) require("./testkit/" + module);
      if (JSON.stringify(process.env) !== before) throw new Error("the environment changed");
      console.log("imported " + ${modules.length} + " modules");
    `;
    const output = execFileSync(process.execPath, ["-r", "ts-node/register", "-e", script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir(), TS_NODE_TRANSPILE_ONLY: "true", [captureDirVariable]: captureDir },
      encoding: "utf8",
    });
    expect(output.trim()).toBe(`imported ${modules.length} modules`);
    expect(modules).toEqual(
      expect.arrayContaining(["fixtures.ts", "trigger-event.ts", "twilio-webhook.ts", "program-under-mocks.ts", "local-services.ts"]),
    );
    expect(fs.readdirSync(captureDir, { recursive: true })).toEqual([]);
  });
});
