/**
 * `--stack NAME`: the trigger's URL and the API key from `pulumi stack output`, as docs/http-api.md's
 * curl example reads them, so the key never has to be pasted into a shell's history.
 */
import { execFile } from "node:child_process";
import { UsageError } from "./usage-error";

export interface StackTarget {
  triggerUrl: string;
  apiKey: string;
}

export function readStackOutputs(stack: string, env: NodeJS.ProcessEnv): Promise<StackTarget> {
  return new Promise((resolve, reject) => {
    execFile(
      "pulumi",
      ["stack", "output", "--stack", stack, "--json", "--show-secrets"],
      { env, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
          reject(
            new UsageError(
              "--stack needs the Pulumi CLI (https://www.pulumi.com/docs/install/), which is not installed here: give --url and --api-key (or SIGNON_URL and SIGNON_API_KEY) instead",
            ),
          );
          return;
        }
        // Pulumi's own words name the problem (no such stack, not logged in); its output may hold the key, so only stderr.
        if (error) {
          reject(new UsageError(`pulumi stack output --stack ${stack} failed: ${stderr.trim() || error.message}`));
          return;
        }
        let outputs: { triggerUrl?: unknown; apiKey?: unknown };
        try {
          outputs = JSON.parse(stdout) as typeof outputs;
        } catch {
          reject(new UsageError(`pulumi stack output --stack ${stack} did not print JSON`));
          return;
        }
        const { triggerUrl, apiKey } = outputs;
        if (typeof triggerUrl !== "string" || typeof apiKey !== "string") {
          reject(new UsageError(`stack ${stack} has no triggerUrl and apiKey outputs: has it been deployed with pulumi up?`));
          return;
        }
        resolve({ triggerUrl, apiKey });
      },
    );
  });
}
