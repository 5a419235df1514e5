/**
 * What goes into a function's code package: exactly the files its npm imports load, found by
 * following `require` calls from each entry point, rather than every production dependency
 * (Pulumi's default: bench/results.json's straightforward rows give its size).
 */
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

const projectRoot = path.resolve(__dirname, "..");
const builtins = new Set(builtinModules);

/** The folder of the npm package holding `file`: `.../node_modules/name` or `.../node_modules/@scope/name`. */
function packageFolder(file: string): string {
  const parts = file.split(path.sep);
  const last = parts.lastIndexOf("node_modules");
  return parts.slice(0, last + (parts[last + 1].startsWith("@") ? 3 : 2)).join(path.sep);
}

/** Every file that requiring the entry points loads (CommonJS builds, whose requires are literal strings). */
export function filesLoadedBy(entryPoints: readonly string[]): string[] {
  const files = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    if (!/\.c?js$/.test(file)) return;
    for (const [, request] of fs.readFileSync(file, "utf8").matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
      if (!request.startsWith("node:") && !builtins.has(request)) visit(require.resolve(request, { paths: [path.dirname(file)] }));
    }
  };
  for (const entry of entryPoints) visit(require.resolve(entry, { paths: [projectRoot] }));
  return [...files];
}

/**
 * The package.json files Node reads for `file`: the package's own (to resolve subpaths such
 * as `zod/mini`) and any in folders between (a `"type"` there decides CommonJS or ESM).
 */
function manifestsFor(file: string): string[] {
  const top = packageFolder(file);
  const manifests = [];
  for (let dir = path.dirname(file); dir.startsWith(top); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) manifests.push(path.join(dir, "package.json"));
  }
  return manifests;
}

/** Callback options that ship only `entryPoints`, what they load and the manifests Node reads on the way. */
export function codePathOptionsFor(entryPoints: readonly string[]): pulumi.runtime.CodePathOptions {
  const { dependencies = {} } = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const files = filesLoadedBy(entryPoints);
  const manifests = new Set(files.flatMap(manifestsFor));
  return {
    extraExcludePackages: Object.keys(dependencies),
    // Pulumi names each file in the archive by this path, relative to the project (its working directory).
    extraIncludePaths: [...files, ...manifests].map((file) => path.relative(process.cwd(), file)),
  };
}
