/**
 * `npm run reapply-erasures -- --stack <stack> --table <restored table>` as an operator runs it
 * after a restore, a child process against dynalite (behind the transactions proxy): a "restored"
 * table made before the erasures holds what they took away; the run erases it again from the
 * erasure log, as it was erased, prints counts only, and a second run changes nothing.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistrationStore, createRegistrationsTableCall, type RegistrationStore } from "../../aws/registration-store";
import type { StoredRegistration } from "../../aws/stored-registration";
import { registrationsTableDefinition } from "../../config/registrations-table";
import { environmentVariables } from "../../config/settings";
import { projectRoot } from "../../local/stack-file";
import { type DynamoDbStandIn, startDynamoDbStandIn } from "../../local/stand-ins/dynamodb-stand-in";
import { captureOutput } from "../../testkit/log-capture";
import { registrationRecord } from "../../testkit/registration-records";

const restoredTable = "signon-local-registrations-restored";
const erasedAt = new Date("2025-07-01T12:00:00.000Z");

let dynamoDb: DynamoDbStandIn;
let folder: string;
let live: RegistrationStore;
let restored: RegistrationStore;

beforeAll(async () => {
  dynamoDb = await startDynamoDbStandIn();
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "signon-reapply-"));
  const restoredEnv = { ...dynamoDb.env, [environmentVariables.registrationsTable]: restoredTable };
  await createRegistrationsTableCall(restoredEnv).call("CreateTable", registrationsTableDefinition(restoredTable));
  live = createRegistrationStore(dynamoDb.env);
  restored = createRegistrationStore(restoredEnv);
});

afterAll(async () => {
  await dynamoDb?.close();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

/** A stand-in for the Pulumi CLI on the PATH: prints the stack's outputs as `pulumi stack output --json` does. */
function pulumiStandIn(stack: string, outputs: object): string {
  const bin = fs.mkdtempSync(path.join(folder, "bin-"));
  const script = [
    "#!/bin/sh",
    `if [ "$*" != "stack output --stack ${stack} --json" ]; then echo "error: no stack named '$4' found" >&2; exit 255; fi`,
    `echo '${JSON.stringify(outputs)}'`,
  ].join("\n");
  fs.writeFileSync(path.join(bin, "pulumi"), `${script}\n`, { mode: 0o755 });
  return `${bin}:${path.dirname(process.execPath)}`;
}

function runReapply(args: string[], env: Record<string, string>): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const child = spawn("npm", ["run", "--silent", "reapply-erasures", "--", ...args], {
    cwd: projectRoot,
    env: { HOME: os.tmpdir(), ...env },
  });
  captureOutput("reapply-erasures-cli", child.stdout);
  captureOutput("reapply-erasures-cli", child.stderr);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (exitCode) => resolve({ exitCode, stdout, stderr })));
}

/** The same registration (or contact) written to the live table and to the one a restore will bring back. */
async function inBoth(record: StoredRegistration, optedOut?: boolean) {
  for (const store of [live, restored]) {
    expect(await store.create(record)).toEqual({ outcome: "created" });
    if (optedOut === undefined) continue;
    const contact = { parent_tel: record.parent_tel, opted_out: optedOut, version: 1, recent_messages: ["mark-1"] };
    expect(await store.writeConversation({ tel: record.parent_tel, contact: { after: contact }, registrations: [] })).toBe(true);
  }
  return record;
}

describe("npm run reapply-erasures", () => {
  it("erases again in the restored table what the erasure log records, as it was erased, and a second run changes nothing", async () => {
    const byClub = await inBoth(registrationRecord({ player_first_name: "Zebedee" }), false);
    const byParent = await inBoth(registrationRecord({ player_first_name: "Ermintrude" }));
    const closed = await inBoth(registrationRecord({ player_first_name: "Dougal", status: "declined" }), true);
    const kept = await inBoth(registrationRecord({ player_first_name: "Florence" }));
    // Invited after the restore's point in time: the restored table never had it.
    const later = registrationRecord({ player_first_name: "Brian" });
    expect(await live.create(later)).toEqual({ outcome: "created" });
    expect(await live.erase(byClub, erasedAt, "club")).toBe(true);
    expect(await live.erase(byParent, erasedAt, "parent")).toBe(true);
    expect(await live.erase(closed, erasedAt, "closed")).toBe(true);
    expect(await live.erase(later, erasedAt, "club")).toBe(true);

    const env = {
      ...dynamoDb.env,
      PATH: pulumiStandIn("club-prod", { erasureLogTable: dynamoDb.env[environmentVariables.erasureLogTable] }),
    };
    const first = await runReapply(["--stack", "club-prod", "--table", restoredTable], env);
    expect([first.exitCode, first.stderr]).toEqual([0, ""]);
    expect(first.stdout).toBe(
      `4 in the erasure log signon-local-erasures: 3 erased again in ${restoredTable}, 0 already erased, 1 not in the table\n`,
    );

    for (const record of [byClub, byParent, closed]) {
      expect(await restored.findById(record.registration_id)).toEqual({
        registration_id: record.registration_id,
        status: "erased",
        season: record.season,
        erased_at: erasedAt.toISOString(),
        retain_until: record.retain_until,
      });
    }
    expect(await restored.findById(kept.registration_id)).toEqual(kept);
    const table = JSON.stringify(await dynamoDb.items(restoredTable));
    for (const personal of ["Zebedee", "Ermintrude", "Dougal", byClub.parent_tel, byParent.parent_tel])
      expect(table).not.toContain(personal);
    // The opted-out parent's number stays, with its STOP alone.
    expect(await restored.readParent(closed.parent_tel)).toEqual({
      contact: { parent_tel: closed.parent_tel, opted_out: true, recent_messages: [], version: 2 },
      registrations: [],
    });

    const again = await runReapply(["--stack", "club-prod", "--table", restoredTable], env);
    expect([again.exitCode, again.stdout]).toEqual([
      0,
      `4 in the erasure log signon-local-erasures: 0 erased again in ${restoredTable}, 3 already erased, 1 not in the table\n`,
    ]);
  });

  it("asks for the AWS region and credentials before it reads anything, and passes on Pulumi's own error", async () => {
    const PATH = pulumiStandIn("club-prod", { erasureLogTable: "signon-local-erasures" });
    const withoutCredentials = await runReapply(["--stack", "club-prod", "--table", restoredTable], { PATH });
    expect([withoutCredentials.exitCode, withoutCredentials.stdout]).toEqual([1, ""]);
    expect(withoutCredentials.stderr).toMatch(/^AWS_REGION \(the stack's aws:region\) and AWS credentials must be set/);

    const otherStack = await runReapply(["--stack", "club-staging", "--table", restoredTable], { ...dynamoDb.env, PATH });
    expect([otherStack.exitCode, otherStack.stderr]).toEqual([
      1,
      "pulumi stack output --stack club-staging failed: error: no stack named 'club-staging' found\n",
    ]);
  });
});
