/**
 * What `pulumi config set` and `pulumi config rm` write into Pulumi.<stack>.yaml, so the program
 * can be run under mocks with config exactly as a volunteer's commands leave it rather than as a
 * person would hand-quote it.
 *
 * The rule is pulumi/pulumi sdk/go/common/resource/config/map.go: `Set` with `--path` stores the
 * value through `adjustObjectValue`, which makes "true"/"false" booleans, keeps a value of more
 * than one character starting with "0" as text, makes whatever Go's `strconv.Atoi` parses an
 * integer, and leaves the rest as text. Without `--path`, or with a one-segment path, the value is
 * stored as the text given.
 */
import type { StackConfigInput } from "./run-program";

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/**
 * Go's `strconv.Atoi` on a 64-bit platform: an optional `+` or `-`, then ASCII decimal digits only
 * (no spaces, underscores, exponent or base prefix), within int64. Undefined where Atoi errs.
 * The integer is returned as JavaScript reads it back from the stack's JSON.
 */
export function goAtoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < int64Min || value > int64Max ? undefined : Number(value);
}

/** The value `pulumi config set --path` stores for `text` (map.go's adjustObjectValue). */
export function pulumiPathValue(text: string): string | number | boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text.length > 1 && text.startsWith("0")) return text;
  return goAtoi(text) ?? text;
}

/** `pulumi config set [--path] [--secret] <key> <value>` or `pulumi config rm [--path] <key>`. */
export type ConfigCommand =
  | { action: "set" /** `aws:region`, `signon:club.name` */; key: string; value: string; path: boolean; secret: boolean }
  | { action: "rm"; key: string; path: boolean };

/**
 * A stack's config as Pulumi.<stack>.yaml holds it, in the form runProgram and stackFileValues use:
 * `signon:` keys without the namespace, other namespaces' keys whole (`aws:region`), a `--path`
 * group as an object.
 */
export type StackValues = Record<string, unknown>;

/** Where a key is stored: in the group its path leads into, or (one segment) at the top of the file. */
interface Place {
  parent: Record<string, unknown>;
  member: string;
  inGroup: boolean;
}

function locate(values: StackValues, key: string, path: boolean, create: boolean): Place | undefined {
  const separator = key.indexOf(":");
  if (separator < 1) throw new Error(`the config helper needs a namespaced key such as signon:club.name, not ${key}`);
  const namespace = key.slice(0, separator);
  const name = key.slice(separator + 1);
  const stored = (member: string) => (namespace === "signon" ? member : `${namespace}:${member}`);
  // Quoted segments are stored differently; nothing here uses them.
  if (path && /"/.test(name)) throw new Error(`the config helper does not mimic the path ${key}`);
  if (!path || !/[.[]/.test(name)) return { parent: values, member: stored(name), inGroup: false };
  // `board.secretaries[0].tel`: names, and list indexes in brackets (a list made where one is missing, as map.go does).
  const segments = [...name.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map(([, index, member]) => (index === undefined ? member : Number(index)));
  if (
    segments
      .map((segment) => (typeof segment === "number" ? `[${segment}]` : segment))
      .join(".")
      .replace(/\.\[/g, "[") !== name
  ) {
    throw new Error(`the config helper does not mimic the path ${key}`);
  }
  segments[0] = stored(String(segments[0]));
  let cursor: unknown = values;
  for (const [position, segment] of segments.slice(0, -1).entries()) {
    const container = cursor as Record<string | number, unknown>;
    // A group that held text is replaced, as map.go does.
    if (create && (typeof container[segment] !== "object" || container[segment] === null)) {
      container[segment] = typeof segments[position + 1] === "number" ? [] : {};
    }
    cursor = container[segment];
    if (typeof cursor !== "object" || cursor === null) return undefined;
  }
  return { parent: cursor as Record<string, unknown>, member: String(segments.at(-1)), inGroup: true };
}

/** Applies one command to `values`, as the CLI does to the stack file. Secrets are the caller's to keep. */
export function applyConfigCommand(values: StackValues, command: ConfigCommand): void {
  if (command.action === "rm") {
    const found = locate(values, command.key, command.path, false);
    if (found) delete found.parent[found.member];
    return;
  }
  if (command.secret && command.path) throw new Error(`the config helper does not mimic a secret inside a group: ${command.key}`);
  const { parent, member, inGroup } = locate(values, command.key, command.path, true)!;
  parent[member] = inGroup ? pulumiPathValue(command.value) : command.value;
}

/**
 * The arguments of a shell command line as sh would pass them, for the README's commands:
 * words, "double" and 'single' quoted words, and a `#` comment. Anything else sh would expand
 * is refused rather than guessed.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const [, double, single, bare] of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    if (bare?.startsWith("#")) break;
    const word = double ?? single ?? bare;
    if (double !== undefined ? /[$`\\]/.test(double) : bare !== undefined && /[$`\\"'*?]/.test(bare)) {
      throw new Error(`shellWords does not expand ${word} in: ${line}`);
    }
    words.push(word);
  }
  return words;
}

/** A `pulumi config set` or `rm` as words; undefined for any other command. */
export function configCommand(words: string[]): ConfigCommand | undefined {
  const [pulumi, config, action, ...rest] = words;
  if (pulumi !== "pulumi" || config !== "config" || (action !== "set" && action !== "rm")) return undefined;
  const flags = rest.filter((word) => word.startsWith("--"));
  const [key, value, ...extra] = rest.filter((word) => !word.startsWith("--"));
  const known = action === "set" ? ["--path", "--secret"] : ["--path"];
  const wellFormed = key !== undefined && (action === "set") === (value !== undefined) && extra.length === 0;
  if (!wellFormed || flags.some((flag) => !known.includes(flag))) throw new Error(`the config helper does not mimic: ${words.join(" ")}`);
  const path = flags.includes("--path");
  return action === "set" ? { action, key, value, path, secret: flags.includes("--secret") } : { action, key, path };
}

/** The commands of one line, which may chain them with `&&` (the schema's examples do). */
export function configCommandsOf(line: string): ConfigCommand[] {
  return line.split(" && ").flatMap((command) => configCommand(shellWords(command)) ?? []);
}

/** The `pulumi config` commands in the ```sh blocks of a Markdown section. */
export function configCommandsIn(markdownSection: string): ConfigCommand[] {
  const blocks = [...markdownSection.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map(([, body]) => body);
  return blocks.flatMap((body) => body.split("\n").flatMap(configCommandsOf));
}

/**
 * The stack as the commands leave it, in the form runProgram takes, secrets apart.
 * `secretValues` stands in for the README's placeholders (`AC...`).
 */
export function stackConfigAfter(stack: string, commands: ConfigCommand[], secretValues: Record<string, string>): StackConfigInput {
  const values: StackValues = {};
  const secrets: Record<string, string> = {};
  for (const command of commands) {
    if (command.action === "set" && command.secret) {
      const name = command.key.replace(/^signon:/, "");
      if (!(name in secretValues)) throw new Error(`no test value for the secret ${command.key}`);
      secrets[name] = secretValues[name];
    } else {
      applyConfigCommand(values, command);
    }
  }
  return { stack, values, secrets };
}
