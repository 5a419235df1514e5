/**
 * `--stack NAME`: what a command needs from `pulumi stack output`, as docs/http-api.md's curl
 * example reads it: the trigger's URL and API key (so the key never has to be pasted into a
 * shell's history), or the erasure log's table name.
 */
import { execFile } from "node:child_process";
import { UsageError } from "./usage-error";

export interface StackTarget {
  triggerUrl: string;
  apiKey: string;
}

/** The stack's outputs as JSON; `showSecrets` for the API key. Pulumi's own words name a failure (no such stack, not logged in). */
function stackOutputs(stack: string, env: NodeJS.ProcessEnv, showSecrets: boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      "pulumi",
      ["stack", "output", "--stack", stack, "--json", ...(showSecrets ? ["--show-secrets"] : [])],
      { env, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
          reject(
            new UsageError(
              showSecrets
                ? "--stack needs the Pulumi CLI (https://www.pulumi.com/docs/install/), which is not installed here: give --url and --api-key (or SIGNON_URL and SIGNON_API_KEY) instead"
                : "--stack needs the Pulumi CLI (https://www.pulumi.com/docs/install/), which is not installed here",
            ),
          );
          return;
        }
        // Its output may hold the key, so only stderr.
        if (error) {
          reject(new UsageError(`pulumi stack output --stack ${stack} failed: ${stderr.trim() || error.message}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as Record<string, unknown>);
        } catch {
          reject(new UsageError(`pulumi stack output --stack ${stack} did not print JSON`));
        }
      },
    );
  });
}

export async function readStackOutputs(stack: string, env: NodeJS.ProcessEnv): Promise<StackTarget> {
  const { triggerUrl, apiKey } = await stackOutputs(stack, env, true);
  if (typeof triggerUrl !== "string" || typeof apiKey !== "string") {
    throw new UsageError(`stack ${stack} has no triggerUrl and apiKey outputs: has it been deployed with pulumi up?`);
  }
  return { triggerUrl, apiKey };
}

/** The erasure log's table name (index.ts `erasureLogTable`). */
export async function readErasureLogTable(stack: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { erasureLogTable } = await stackOutputs(stack, env, false);
  if (typeof erasureLogTable !== "string") {
    throw new UsageError(`stack ${stack} has no erasureLogTable output: has it been deployed with pulumi up since the erasure log came?`);
  }
  return erasureLogTable;
}
