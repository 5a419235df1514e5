/** The handlers' own SigV4 signing gives the same Authorization as the AWS SDK's signer. */
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SourceData } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { createSigningKeyCache, signedPostHeaders } from "../../aws/sigv4";

const bytes = (data: SourceData) =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

// The SDK's signer takes a hash class; this one is Node's, as the SDK's own Node build uses.
class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac("sha256", bytes(secret)) : createHash("sha256");
  }
  update(data: SourceData) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

const credentials = {
  accessKeyId: "AKIDEXAMPLEFAKE",
  secretAccessKey: "fake-secret-key-for-signing-tests",
  sessionToken: "fake-session-token",
};
const now = new Date("2025-06-01T12:34:56Z");

describe("signedPostHeaders", () => {
  it.each([
    ["an AWS endpoint", "https://ssm.eu-north-1.amazonaws.com/", credentials],
    ["a local stand-in with a port, without a session token", "http://127.0.0.1:4566/", { ...credentials, sessionToken: undefined }],
  ])("matches the SDK's signer for %s", async (_, endpoint, creds) => {
    const url = new URL(endpoint);
    const body = JSON.stringify({ Names: ["/signon/urmston/dev/club-name"] });
    const headers = { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.GetParameters" };
    const ours = signedPostHeaders({ url, headers, body, credentials: creds, region: "eu-north-1", service: "ssm", now });

    const sdk = new SignatureV4({ service: "ssm", region: "eu-north-1", credentials: creds, sha256: NodeSha256, applyChecksum: false });
    const signed = await sdk.sign(
      {
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: "/",
        query: {},
        headers: { ...headers, host: url.host },
        body,
      },
      { signingDate: now },
    );
    expect(ours.Authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEFAKE\/20250601\/eu-north-1\/ssm\/aws4_request, /);
    expect(ours.Authorization).toBe(signed.headers.authorization);
    expect(ours["X-Amz-Date"]).toBe(signed.headers["x-amz-date"]);
  });

  it("signs the same with a kept signing key, which changes with the day, the region, the service and the secret", () => {
    const signingKeys = createSigningKeyCache();
    const url = new URL("https://dynamodb.eu-north-1.amazonaws.com/");
    const headers = { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.Query" };
    const requests = [
      { now, region: "eu-north-1", service: "dynamodb", credentials },
      { now: new Date("2025-06-01T23:59:59Z"), region: "eu-north-1", service: "dynamodb", credentials },
      { now: new Date("2025-06-02T00:00:01Z"), region: "eu-north-1", service: "dynamodb", credentials },
      { now, region: "eu-west-2", service: "dynamodb", credentials },
      { now, region: "eu-north-1", service: "ssm", credentials },
      { now, region: "eu-north-1", service: "dynamodb", credentials: { ...credentials, secretAccessKey: "another-fake-secret" } },
      { now, region: "eu-north-1", service: "dynamodb", credentials },
    ];
    const signatures = requests.map((request) => {
      const kept = signedPostHeaders({ url, headers, body: "{}", ...request, signingKeys }).Authorization;
      expect(kept).toBe(signedPostHeaders({ url, headers, body: "{}", ...request }).Authorization);
      return kept;
    });
    expect(new Set(signatures).size).toBe(requests.length - 1);
  });
});
