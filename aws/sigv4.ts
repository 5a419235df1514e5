/**
 * AWS Signature Version 4 for one JSON POST to an AWS API: what the AWS SDK does for SSM,
 * without loading the SDK (tests/unit/sigv4.test.ts checks it against the SDK's own signer).
 */
import { createHash, createHmac } from "node:crypto";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for the temporary credentials Lambda gives a function's role. */
  sessionToken?: string;
}

export interface SigningInput {
  url: URL;
  /** Headers to sign besides host and the date; names as they will be sent. */
  headers: Record<string, string>;
  body: string;
  credentials: AwsCredentials;
  region: string;
  service: string;
  now?: Date;
  /** Where the day's signing key is kept between requests; derived afresh for each request without one. */
  signingKeys?: SigningKeyCache;
}

/** The signing key for a secret, day, region and service: four HMACs, the same all day. */
export type SigningKeyCache = (secretAccessKey: string, day: string, region: string, service: string) => Buffer;

const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const hmac = (key: string | Buffer, text: string) => createHmac("sha256", key).update(text, "utf8").digest();

const signingKey: SigningKeyCache = (secretAccessKey, day, region, service) =>
  [day, region, service, "aws4_request"].reduce<string | Buffer>((key, part) => hmac(key, part), `AWS4${secretAccessKey}`) as Buffer;

/**
 * Keeps the last signing key, as the AWS SDK does: a warm conversation step signs two requests,
 * and the key's four HMACs were a large share of the signing's CPU (bench/README.md).
 */
export function createSigningKeyCache(): SigningKeyCache {
  let last: { id: string; key: Buffer } | undefined;
  return (secretAccessKey, day, region, service) => {
    const id = JSON.stringify([secretAccessKey, day, region, service]);
    if (last?.id !== id) last = { id, key: signingKey(secretAccessKey, day, region, service) };
    return last.key;
  };
}

/** The request's headers with Host, X-Amz-Date, the session token and Authorization added. */
export function signedPostHeaders({
  url,
  headers,
  body,
  credentials,
  region,
  service,
  now = new Date(),
  signingKeys = signingKey,
}: SigningInput): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const all: Record<string, string> = { ...headers, Host: url.host, "X-Amz-Date": amzDate };
  if (credentials.sessionToken) all["X-Amz-Security-Token"] = credentials.sessionToken;

  const canonical = Object.entries(all)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, " ")])
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const signedNames = canonical.map(([name]) => name).join(";");
  const canonicalRequest = [
    "POST",
    url.pathname || "/",
    "",
    ...canonical.map(([name, value]) => `${name}:${value}`),
    "",
    signedNames,
    sha256Hex(body),
  ].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const signature = createHmac("sha256", signingKeys(credentials.secretAccessKey, day, region, service))
    .update(stringToSign, "utf8")
    .digest("hex");
  all.Authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedNames}, Signature=${signature}`;
  return all;
}
