/**
 * vitest global setup of the `package` project: runs the program under mocks once, extracting
 * each Lambda's code package as `pulumi up` would upload it, and provides every test file of the
 * project with the packages and the environment the program gives each function. The handler
 * builders of testkit/handler-under-test.ts then run those packages in place of the source.
 */
import * as fs from "node:fs";
import type { TestProject } from "vitest/node";
import { functions } from "../../handlers/functions";
import { testCredentials } from "../../testkit/fixtures";
import type { PackagedFunctions } from "../../testkit/handler-under-test";
import { resourcesOfType, runProgram, stackFileConfig } from "../../testkit/run-program";

export default async function packageFunctions({ provide }: TestProject): Promise<() => void> {
  const run = await runProgram(
    stackFileConfig("dev", { twilioAccountSid: testCredentials.accountSid, twilioAuthToken: testCredentials.authToken }),
    { extractCode: true },
  );
  if (!run.ok) throw new Error(`the program under mocks failed, so there are no packages to test:\n${run.stderr}`);
  const lambdas = resourcesOfType(run.result, "aws:lambda/function:Function");
  const packaged = Object.fromEntries(
    Object.keys(functions).map((name) => {
      const lambda = lambdas.find((resource) => resource.name.endsWith(`-${name}`));
      if (!lambda?.codeDir) throw new Error(`the program made no code package for the ${name} function`);
      const { variables } = lambda.inputs.environment as { variables: Record<string, string> };
      return [name, { codeDir: lambda.codeDir, env: variables }];
    }),
  ) as PackagedFunctions;
  provide("packagedFunctions", packaged);
  return () => fs.rmSync(run.outDir, { recursive: true, force: true });
}
