/**
 * Which Chromium the browser tests drive. First `CHROMIUM_PATH`, then a Chromium or Chrome the
 * system has (faster to start, and the only choice on macOS or Windows), then the Linux x64
 * build that `@sparticuz/chromium` carries inside the npm package, so `npm ci && npm test`
 * needs no system package. Its `executablePath()` unpacks the build to the temp folder once
 * (about 1.5 s here the first time, instant after).
 */
import * as fs from "node:fs";

export interface ChromiumChoice {
  executablePath: string;
  args: string[];
  /** Said in the test output and the CI's closing line, so a run shows which browser it used. */
  source: "CHROMIUM_PATH" | "system" | "@sparticuz/chromium";
}

const systemBrowsers = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];
const headlessArgs = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"];

export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumChoice> {
  if (env.CHROMIUM_PATH) {
    if (!fs.existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which does not exist`);
    return { executablePath: env.CHROMIUM_PATH, args: headlessArgs, source: "CHROMIUM_PATH" };
  }
  const system = systemBrowsers.find((candidate) => fs.existsSync(candidate));
  if (system) return { executablePath: system, args: headlessArgs, source: "system" };
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`no Chromium found: @sparticuz/chromium runs on Linux x64 only; install Chrome or set CHROMIUM_PATH`);
  }
  // An ES module; this file is compiled as CommonJS, so it is imported dynamically.
  const { default: sparticuz } = await import("@sparticuz/chromium");
  return { executablePath: await sparticuz.executablePath(), args: [...sparticuz.args, ...headlessArgs], source: "@sparticuz/chromium" };
}
