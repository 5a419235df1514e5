/**
 * Runs index.ts under Pulumi's mocks in a plain Node process (ts-node, as `pulumi up` does),
 * because Pulumi's closure serializer cannot serialize code that vitest has transformed.
 *
 * Input: the JSON in SIGNON_MOCK_RUN ({ stack, config, secretKeys, outDir, extractCode }).
 * Output: outDir/result.json with every resource's type, name and inputs, and the stack
 * outputs; with extractCode, each Lambda's code archive written out as it would be uploaded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

interface MockRun {
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  outDir: string;
  extractCode: boolean;
}

export interface RecordedResource {
  type: string;
  name: string;
  /** Inputs with Pulumi's secret wrappers removed; their top-level names are in secretInputs. */
  inputs: Record<string, unknown>;
  secretInputs: string[];
  /** For Lambda functions with extractCode: the folder holding the uploaded code. */
  codeDir?: string;
  codeFiles?: string[];
}

const projectRoot = path.resolve(__dirname, "..");
const accountId = "123456789012";
// How the mock runtime hands over a secret input: { [secretSignature]: secretMarker, value }.
const secretSignature = "4dabf18193072939515e22adb298388d";
const secretMarker = "1b47061264138c4ac30d75fd1eb44270";

type ArchiveLike = { assets: Promise<Record<string, { text?: Promise<string>; path?: Promise<string> }>> };

/** Writes a Lambda's AssetArchive to disk: `__index.js` and the node_modules folders it lists. */
async function extractArchive(archive: ArchiveLike, dir: string): Promise<string[]> {
  const assets = await archive.assets;
  for (const [entry, asset] of Object.entries(assets)) {
    const target = path.join(dir, entry);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (asset.text !== undefined) fs.writeFileSync(target, await asset.text);
    else if (asset.path !== undefined)
      fs.cpSync(path.resolve(projectRoot, await asset.path), target, { recursive: true, dereference: true });
  }
  return Object.keys(assets);
}

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[secretSignature] === secretMarker;
}

function unwrapSecrets(value: unknown): unknown {
  if (isSecretWrapper(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item)]));
  }
  return value;
}

/** What AWS would compute for the resources the program reads outputs from. */
function computedState(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
  const physicalName = inputs.name ?? `${name}-0a1b2c3`;
  const arn = `arn:aws:${type.split(":")[1].split("/")[0]}:${region}:${accountId}:${physicalName}`;
  switch (type) {
    case "aws:lambda/function:Function":
      return {
        name: physicalName,
        arn: `arn:aws:lambda:${region}:${accountId}:function:${physicalName}`,
        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${accountId}:function:${physicalName}/invocations`,
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: `arn:aws:logs:${region}:${accountId}:log-group:${physicalName}` };
    case "aws:apigateway/restApi:RestApi":
      return { name: physicalName, rootResourceId: "root123", executionArn: `arn:aws:execute-api:${region}:${accountId}:${name}-id` };
    case "aws:sqs/queue:Queue":
      return { name: physicalName, arn, url: `https://sqs.${region}.amazonaws.com/${accountId}/${physicalName}` };
    case "aws:apigateway/stage:Stage":
      return { invokeUrl: `https://${name}-id.execute-api.${region}.amazonaws.com/${inputs.stageName}` };
    case "aws:secretsmanager/secret:Secret":
      return { name: physicalName, arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${physicalName}-AbCdEf` };
    case "aws:dynamodb/table:Table":
      return { name: physicalName, arn: `arn:aws:dynamodb:${region}:${accountId}:table/${physicalName}` };
    case "random:index/randomPassword:RandomPassword":
      return { result: "fake-generated-api-key-xxxxxxxxxxxxxxxxx" };
    case "random:index/randomBytes:RandomBytes":
      return { base64: Buffer.alloc(inputs.length, 7).toString("base64") };
    default:
      return { name: physicalName, arn };
  }
}

async function main(): Promise<void> {
  const run = JSON.parse(process.env.SIGNON_MOCK_RUN ?? "{}") as MockRun;
  const region = run.config["aws:region"] ?? "us-east-1";
  const resources: RecordedResource[] = [];
  const pending: Promise<unknown>[] = [];
  pulumi.runtime.setAllConfig(run.config, run.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource({ type, name, inputs }) {
        const recorded: RecordedResource = {
          type,
          name,
          inputs: unwrapSecrets(inputs) as Record<string, unknown>,
          secretInputs: Object.keys(inputs).filter((key) => isSecretWrapper(inputs[key])),
        };
        resources.push(recorded);
        if (type === "aws:lambda/function:Function" && run.extractCode) {
          recorded.codeDir = path.join(run.outDir, "code", name);
          const extraction = extractArchive(inputs.code as ArchiveLike, recorded.codeDir).then((files) => {
            recorded.codeFiles = files;
          });
          pending.push(extraction);
        }
        return { id: `${name}-id`, state: { ...inputs, ...computedState(type, name, recorded.inputs, region) } };
      },
      call({ token }) {
        switch (token) {
          case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region };
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId, arn: `arn:aws:iam::${accountId}:user/test`, userId: "AIDTEST", id: accountId };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
          default:
            throw new Error(`unmocked call ${token}`);
        }
      },
    },
    "signon",
    run.stack,
    false,
  );

  const program = require(path.join(projectRoot, "index.ts")) as Record<string, pulumi.Output<unknown> | undefined>;
  const outputs: Record<string, { value: unknown; secret: boolean }> = {};
  for (const [key, output] of Object.entries(program)) {
    // An export left undefined (the payments webhook's, in a stack without payments) is no output of the stack, as in Pulumi's.
    if (output === undefined) continue;
    const value = await new Promise((resolve) => output.apply(resolve));
    outputs[key] = { value, secret: await pulumi.isSecret(output) };
  }
  // Resources register as their inputs resolve; wait until no more arrive.
  for (let seen = -1; seen !== resources.length; ) {
    seen = resources.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await Promise.all(pending);
  fs.mkdirSync(run.outDir, { recursive: true });
  fs.writeFileSync(path.join(run.outDir, "result.json"), JSON.stringify({ resources, outputs }, null, 2));
}

// Run as a script by runProgram (testkit/run-program.ts); importing it for its types runs nothing.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
