/**
 * The code packages the bench measures: each function's archive exactly as `pulumi up` would
 * upload it (the program run under mocks), for this checkout and for the straightforward
 * implementation, plus a baseline package whose handler returns a constant.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environmentVariables, secretsManagerReferencePrefix, settingParameterName } from "../config/settings";
import { functions } from "../handlers/functions";
import { testCredentials } from "../testkit/fixtures";
import { resourcesOfType, runProgram, stackFileConfig } from "../testkit/run-program";
import { type EventRoute, floorParentTel, type Stack } from "./events";

/**
 * The last commit before the packages were trimmed: every production dependency in every
 * package, every module loaded at start-up.
 */
export const straightforwardCommit = "38215b4";
// Where that commit keeps its program-under-mocks harness.
const straightforwardHarness = "tests/support/program-under-mocks.ts";

export interface CodePackage {
  name: string;
  codeDir: string;
  /** Which events the function answers. */
  route: EventRoute;
  /** Whose settings it runs with; the stack taking no payments unless said. */
  stack?: Stack;
  /** Measured cold only: its event is one a container answers once (a parent's submission). */
  coldOnly?: true;
}

const projectRoot = path.resolve(__dirname, "..");

async function programPackages(root: string, label: string, harness?: string): Promise<CodePackage[]> {
  const secrets = { twilioAccountSid: testCredentials.accountSid, twilioAuthToken: testCredentials.authToken };
  const run = await runProgram(stackFileConfig("dev", secrets), { extractCode: true, root, harness });
  if (!run.ok) throw new Error(`the program under mocks failed (${label}):\n${run.stderr}`);
  // The two functions a parent waits on, the board's and GoCardless's webhook (the straightforward
  // commit has neither of the last two); the secretary's export is not among them yet.
  const measured = resourcesOfType(run.result, "aws:lambda/function:Function").flatMap((fn) => {
    const route = /-(trigger|webhook|board|payment)$/.exec(fn.name)?.[1] as EventRoute | undefined;
    return route ? [{ fn, route }] : [];
  });
  return measured.map(({ fn, route }) => ({
    name: label ? `${route} (${label})` : route,
    codeDir: fn.codeDir!,
    route,
    // GoCardless's webhook answers in a stack taking payments only.
    ...(route === "payment" ? { stack: "payments on" as const } : {}),
  }));
}

/**
 * The straightforward commit, checked out with a hard-linked copy of this node_modules (Pulumi's
 * package walk does not follow a symlinked node_modules).
 */
function straightforwardCheckout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-straightforward-"));
  const archive = execFileSync("git", ["archive", straightforwardCommit], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  execFileSync("cp", ["-al", path.join(projectRoot, "node_modules"), path.join(dir, "node_modules")]);
  return dir;
}

function baselinePackage(): CodePackage {
  const codeDir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-baseline-"));
  fs.writeFileSync(path.join(codeDir, "__index.js"), 'exports.handler = async () => ({ statusCode: 200, body: "ok" });\n');
  return { name: "baseline", codeDir, route: "trigger" };
}

/**
 * The floor under any function that calls Twilio: one keep-alive POST to the Twilio stand-in
 * with Node's own client (which it refuses at once, unauthenticated), then a constant answer.
 */
function roundTripPackage(): CodePackage {
  const codeDir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-round-trip-"));
  const handler = `const http = require("node:http");
const agent = new http.Agent({ keepAlive: true });
const post = (url) => new Promise((resolve, reject) => {
  const request = http.request(url, { method: "POST", agent, headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "0" } }, (response) => {
    response.resume();
    response.on("end", resolve);
  });
  request.on("error", reject);
  request.end();
});
exports.handler = async () => {
  await post(new URL("/2010-04-01/Accounts/ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/Messages.json", process.env.TWILIO_API_BASE_URL));
  return { statusCode: 200, body: "ok" };
};
`;
  fs.writeFileSync(path.join(codeDir, "__index.js"), handler);
  return { name: "HTTP round trip", codeDir, route: "trigger" };
}

// What both conversation floors send: the Query of the parent's partition, and each item it
// returned put back as read, one version on, if it is still at the version read.
const partitionQuery = (parentTel: string) => `{ TableName: table, ConsistentRead: true, KeyConditionExpression: "#pk = :pk",
    ExpressionAttributeNames: { "#pk": "pk" }, ExpressionAttributeValues: { ":pk": { S: "parent#${parentTel}" } } }`;
const putBackSource = `const putBack = (item) => ({ Put: { TableName: table, Item: { ...item, version: { N: String(Number(item.version.N) + 1) } },
  ConditionExpression: "#version = :version", ExpressionAttributeNames: { "#version": "version" },
  ExpressionAttributeValues: { ":version": item.version } } });`;

/**
 * The floor under a conversation step: the DynamoDB work a step cannot avoid, with Node's own
 * client and no other work. A consistent Query of a parent's partition (`parentTel`: a contact
 * and an invited registration, bench/events.ts), then one TransactWriteItems putting both items
 * back as read with their versions raised, each conditional on the version read: the webhook's
 * own read and write, the items and indexes as it has them. Then a constant answer. The
 * stand-in checks a signature's shape only, so the floor sends a fixed one.
 */
function dynamoDbRoundTripsPackage(parentTel: string): CodePackage {
  const codeDir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-dynamodb-floor-"));
  const handler = `const http = require("node:http");
const agent = new http.Agent({ keepAlive: true });
const table = process.env.${environmentVariables.registrationsTable};
const call = (action, input) => new Promise((resolve, reject) => {
  const body = JSON.stringify(input);
  const request = http.request(new URL(process.env.AWS_ENDPOINT_URL_DYNAMODB), { method: "POST", agent, headers: {
    "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + action, "Content-Length": Buffer.byteLength(body),
    Authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/eu-north-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
    "X-Amz-Date": "20260101T000000Z" } }, (response) => {
    const chunks = [];
    response.on("data", (chunk) => chunks.push(chunk));
    response.on("end", () => response.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))) : reject(new Error(action + " answered " + response.statusCode)));
  });
  request.on("error", reject);
  request.end(body);
});
${putBackSource}
exports.handler = async () => {
  const { Items } = await call("Query", ${partitionQuery(parentTel)});
  if (Items.length !== 2) throw new Error("the floor's parent has " + Items.length + " items, not a contact and a registration");
  await call("TransactWriteItems", { TransactItems: Items.map(putBack) });
  return { statusCode: 200, body: "ok" };
};
`;
  fs.writeFileSync(path.join(codeDir, "__index.js"), handler);
  return { name: "DynamoDB round trips", codeDir, route: "trigger" };
}

/**
 * The least a conversation step can do and still do its job's I/O, with no logic of its own:
 * `node:crypto` and `node:https` loaded as the webhook needs them, the settings and the Twilio
 * secret read from Parameter Store beside the Query of the parent's partition, then the same
 * transaction as the DynamoDB floor, every request signed as SigV4 signs (the day's key derived
 * at each call). No signature check, engine, marshalling or logging: what is left of the
 * target for those is the difference between this and 2.0 times the baseline.
 */
function signedStepFloorPackage(parentTel: string): CodePackage {
  const codeDir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-signed-step-floor-"));
  const names = JSON.stringify(functions.webhook.settingKeys.map((key) => settingParameterName("", key)));
  const handler = `const http = require("node:http");
require("node:https");
const crypto = require("node:crypto");
const agent = new http.Agent({ keepAlive: true });
const env = process.env;
const table = env.${environmentVariables.registrationsTable};
const sha256 = (text) => crypto.createHash("sha256").update(text).digest("hex");
const hmac = (key, text) => crypto.createHmac("sha256", key).update(text).digest();
const call = (service, target, jsonVersion, input) => new Promise((resolve, reject) => {
  const url = new URL(env["AWS_ENDPOINT_URL_" + service.toUpperCase()] || env.AWS_ENDPOINT_URL);
  const body = JSON.stringify(input);
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\\.\\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const scope = day + "/" + env.AWS_REGION + "/" + service + "/aws4_request";
  const canonical = ["POST", "/", "", "host:" + url.host, "x-amz-date:" + amzDate, "x-amz-target:" + target, "", "host;x-amz-date;x-amz-target", sha256(body)].join("\\n");
  const key = hmac(hmac(hmac(hmac("AWS4" + env.AWS_SECRET_ACCESS_KEY, day), env.AWS_REGION), service), "aws4_request");
  const signature = crypto.createHmac("sha256", key).update(["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\\n")).digest("hex");
  const request = http.request(url, { method: "POST", agent, headers: {
    "Content-Type": "application/x-amz-json-" + jsonVersion, "X-Amz-Target": target, "Content-Length": Buffer.byteLength(body), "X-Amz-Date": amzDate,
    Authorization: "AWS4-HMAC-SHA256 Credential=" + env.AWS_ACCESS_KEY_ID + "/" + scope + ", SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + signature } }, (response) => {
    const chunks = [];
    response.on("data", (chunk) => chunks.push(chunk));
    response.on("end", () => response.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))) : reject(new Error(target + " answered " + response.statusCode)));
  });
  request.on("error", reject);
  request.end(body);
});
${putBackSource}
let settings;
exports.handler = async () => {
  const query = call("dynamodb", "DynamoDB_20120810.Query", "1.0", ${partitionQuery(parentTel)});
  settings ??= Promise.all([
    call("ssm", "AmazonSSM.GetParameters", "1.1", { Names: ${names}.map((name) => env.${environmentVariables.parameterPath} + name) }),
    call("ssm", "AmazonSSM.GetParameter", "1.1", { Name: "${secretsManagerReferencePrefix}" + env.${environmentVariables.twilioSecretName}, WithDecryption: true }),
  ]);
  const [{ Items }, [parameters]] = await Promise.all([query, settings]);
  if (parameters.Parameters.length !== ${functions.webhook.settingKeys.length}) throw new Error("the settings were not all read");
  await call("dynamodb", "DynamoDB_20120810.TransactWriteItems", "1.0", { TransactItems: Items.map(putBack) });
  return { statusCode: 200, body: "ok" };
};
`;
  fs.writeFileSync(path.join(codeDir, "__index.js"), handler);
  return { name: "signed step I/O", codeDir, route: "trigger" };
}

export async function buildPackages(): Promise<CodePackage[]> {
  const [current, straightforward] = await Promise.all([
    programPackages(projectRoot, ""),
    programPackages(straightforwardCheckout(), "straightforward", straightforwardHarness),
  ]);
  const webhook = current.find((pkg) => pkg.route === "webhook")!;
  // The webhook's package again, its cold event a parent's submission in each stack.
  const submissions = (["payments off", "payments on"] as const).map((stack) => ({
    name: `webhook (submission, ${stack})`,
    codeDir: webhook.codeDir,
    route: "submission" as const,
    stack,
    coldOnly: true as const,
  }));
  return [
    baselinePackage(),
    roundTripPackage(),
    dynamoDbRoundTripsPackage(floorParentTel),
    signedStepFloorPackage(floorParentTel),
    ...current,
    ...submissions,
    ...straightforward,
  ];
}

/** The baseline and this checkout's functions only: what the memory sizes are measured on. */
export async function buildFunctionPackages(): Promise<CodePackage[]> {
  return [baselinePackage(), ...(await programPackages(projectRoot, ""))];
}
