/** A stack's committed settings, read from Pulumi.<stack>.yaml as `pulumi up` would see them. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError, parseStackConfig, type RawStackSecrets, type StackConfig } from "../config/schema";

export const projectRoot = path.resolve(__dirname, "..");

/** The file's `signon:` keys without the namespace, and other namespaces' keys (`aws:region`) as they are. */
export function stackFileValues(stack: string, root = projectRoot): Record<string, unknown> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const stacks = fs
      .readdirSync(root)
      .flatMap((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1] ?? [])
      .sort();
    throw new ConfigError([
      `there is no stack file Pulumi.${stack}.yaml; the stacks here are: ${stacks.join(", ")}. Example: npm start -- --stack ${stacks[0] ?? "dev"}`,
    ]);
  }
  const { config = {} } = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key.replace(/^signon:/, ""), value]));
}

/**
 * The stack's settings through the same schema as `pulumi up`, with secrets given from outside the
 * file: every `signon:` key of the file, so one the schema does not know stops npm start as it would `pulumi up`.
 */
export function loadStackFile(stack: string, secrets: RawStackSecrets, root = projectRoot): StackConfig {
  return parseStackConfig(stackFileValues(stack, root), secrets, stack).settings;
}
