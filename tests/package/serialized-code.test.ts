/**
 * What Pulumi's closure serializer made of the code each function uploads (the `package`
 * project's packages, tests/setup/packaged-functions.ts). It turns a class into a plain function:
 * field initializers are dropped and `extends` loses its prototype chain, so `class X extends
 * Error` made errors that were no Error, with no name, message or fields, in every package while
 * the source was fine. Hence: no package carries a class beyond the one known below, and every
 * error factory of plumbing/errors.ts, as serialized into each package and loaded there in a
 * process of its own, makes a real Error with its name, message and fields, which its guard knows.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, inject, it } from "vitest";
import * as errors from "../../plumbing/errors";

const packaged = inject("packagedFunctions");
if (!packaged) throw new Error("this file reads the uploaded packages: run it in the package project (vitest --project package)");
const packages = Object.entries(packaged).map(([name, { codeDir }]) => ({
  name,
  codeDir,
  code: fs.readFileSync(path.join(codeDir, "__index.js"), "utf8"),
}));

/**
 * Classes the packages may carry. Turn (domain/conversation/engine.ts, the webhook's) sets every
 * field in its constructor and extends nothing, so it survives; the conversation suites run
 * against the webhook's package to prove it. Any other class fails below: write plain functions.
 */
const knownClasses = ["Turn"];

/** Each class the serializer wrote into `code`: the names the code knows it by, and what it extends. */
function serializedClasses(code: string): { names: string[]; extendsWhat?: string }[] {
  // The serializer writes each function as a top-level `function __<id>(...)`, and marks a class's constructor.
  return code
    .split(/^(?=function __)/m)
    .filter((definition) => definition.includes("/*constructor*/"))
    .map((definition) => {
      const id = /^function (__[\w$]+)\(/.exec(definition)?.[1] ?? "an unnamed function";
      // What a function's captured variables (`with({ Turn: __f56 })`) or a module's object call it.
      const bindings = code.split("\n").filter((line) => /^\s*with\(\{|^var /.test(line));
      const binding = new RegExp(`([\\w$]+): ${id.replace(/\$/g, "\\$")}\\b`, "g");
      const names = bindings.flatMap((line) => [...line.matchAll(binding)].map((match) => match[1]));
      return { names: [...new Set(names)], extendsWhat: /__super: ([\w$.]+)/.exec(definition)?.[1] };
    });
}

describe("every uploaded package", () => {
  it.each(packages)("$name carries no class but the known one, and nothing that extends another", ({ code }) => {
    const unknown = serializedClasses(code).filter(({ names, extendsWhat }) => extendsWhat || !names.some((n) => knownClasses.includes(n)));
    expect(
      unknown.map(({ names, extendsWhat }) => `class ${names.join("/") || "?"}${extendsWhat ? ` extends ${extendsWhat}` : ""}`),
      "Pulumi's serializer drops a class's field initializers and its prototype chain: write Lambda code as plain functions and objects (docs/reliability.md)",
    ).toEqual([]);
    expect(code.includes("__super"), "a serialized `super` reaches a parent that is not there").toBe(false);
  });

  it("are each read by the class check: the webhook's holds Turn", () => {
    const webhook = packages.find((candidate) => candidate.name === "webhook")!;
    expect(serializedClasses(webhook.code)).toEqual([{ names: ["Turn"], extendsWhat: undefined }]);
  });
});

/** A call of each error factory, what it must make, and the guard that must know it. */
const samples: Record<string, { args: unknown[]; made: Record<string, unknown>; guard?: [string, ...unknown[]] }> = {
  settingsError: {
    args: ["missing parameters /signon/urmston/dev/season"],
    made: { name: "SettingsError", message: "missing parameters /signon/urmston/dev/season" },
    guard: ["isSettingsError"],
  },
  idempotencyStoreError: {
    args: ["environment variable SIGNON_IDEMPOTENCY_TABLE is not set"],
    made: { name: "IdempotencyStoreError", message: "environment variable SIGNON_IDEMPOTENCY_TABLE is not set" },
    guard: ["isIdempotencyStoreError"],
  },
  registrationStoreError: {
    args: ["environment variable SIGNON_REGISTRATIONS_TABLE is not set"],
    made: { name: "RegistrationStoreError", message: "environment variable SIGNON_REGISTRATIONS_TABLE is not set" },
  },
  conversationConflictError: {
    args: [5],
    made: { name: "ConversationConflictError", message: "the conversation moved on at each of 5 attempts" },
  },
  statusConflictError: {
    args: [5],
    made: { name: "StatusConflictError", message: "the registration moved on at each of 5 attempts" },
  },
  awsError: {
    args: ["dynamodb", "ThrottlingException", { __type: "ThrottlingException" }, 400],
    made: {
      name: "ThrottlingException",
      message: "dynamodb answered ThrottlingException",
      type: "ThrottlingException",
      answer: { __type: "ThrottlingException" },
      status: 400,
    },
    guard: ["isAwsError", "ThrottlingException"],
  },
  requestTimeoutError: {
    args: [],
    made: { name: "RequestTimeoutError", message: "request timed out", code: "ETIMEDOUT" },
    guard: ["isRequestTimeoutError"],
  },
};

/**
 * Loads a package's `__index.js` in a Node process of its own, as the Lambda runtime would, and
 * makes each sample error with the factories serialized into it (the serializer gathers a
 * module's functions as one object, `__errors_1`). What each made: whether it is an Error with
 * Error's prototype, the fields the sample names, and its guard's verdict; none for a factory the
 * package does not carry.
 */
type Made = Record<string, { isError: boolean; errorPrototype: boolean; made: object; guarded?: boolean }>;
const madeByPackage = new Map<string, Made>();
function madeInPackage(codeDir: string): Made {
  const known = madeByPackage.get(codeDir);
  if (known) return known;
  const probe = `
    const Module = require("node:module");
    const fs = require("node:fs");
    const file = require("node:path").resolve("__index.js");
    const code = fs.readFileSync(file, "utf8");
    const moduleObject = /^var (__errors_\\d+) = \\{/m.exec(code);
    if (!moduleObject) throw new Error("no serialized plumbing/errors module in " + file);
    const loaded = new Module(file);
    loaded.filename = file;
    loaded.paths = Module._nodeModulePaths(require("node:path").dirname(file));
    loaded._compile(code + "\\nmodule.exports.errorsModule = " + moduleObject[1] + ";", file);
    const factories = loaded.exports.errorsModule;
    const samples = JSON.parse(process.argv[1]);
    const made = {};
    for (const [factory, { args, made: expected, guard }] of Object.entries(samples)) {
      if (typeof factories[factory] !== "function") continue;
      const error = factories[factory](...args);
      made[factory] = {
        isError: error instanceof Error,
        errorPrototype: Object.getPrototypeOf(error) === Error.prototype,
        made: Object.fromEntries(Object.keys(expected).map((key) => [key, error[key]])),
        guarded: guard && typeof factories[guard[0]] === "function" ? factories[guard[0]](error, ...guard.slice(1)) : undefined,
      };
    }
    process.stdout.write(JSON.stringify(made));
  `;
  const made = JSON.parse(
    execFileSync(process.execPath, ["-e", probe, JSON.stringify(samples)], { cwd: codeDir, encoding: "utf8" }),
  ) as Made;
  madeByPackage.set(codeDir, made);
  return made;
}

describe("the error factories of plumbing/errors.ts", () => {
  const factories = Object.keys(errors).filter((name) => !name.startsWith("is"));

  it("each have a sample here, which the source makes as the sample says", () => {
    expect(Object.keys(samples).sort()).toEqual(factories.sort());
    const exported = errors as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const [factory, { args, made, guard }] of Object.entries(samples)) {
      const error = exported[factory](...args);
      expect(error, factory).toBeInstanceOf(Error);
      expect(error, factory).toMatchObject(made);
      if (guard) expect(exported[guard[0]](error, ...guard.slice(1)), guard[0]).toBe(true);
    }
  });

  it.each(packages)("make real Errors, with their names, messages and fields, in the $name package", ({ codeDir }) => {
    const made = madeInPackage(codeDir);
    // Every package reaches AWS, and so carries its error.
    expect(Object.keys(made)).toContain("awsError");
    for (const [factory, facts] of Object.entries(made)) {
      expect(facts, factory).toEqual({
        isError: true,
        errorPrototype: true,
        made: samples[factory].made,
        guarded: samples[factory].guard && facts.guarded !== undefined ? true : undefined,
      });
    }
  });

  it("are each carried by some package, so the check above reaches every one", () => {
    const carried = new Set(packages.flatMap(({ codeDir }) => Object.keys(madeInPackage(codeDir))));
    expect(factories.filter((factory) => !carried.has(factory))).toEqual([]);
  });
});
