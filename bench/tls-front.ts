/**
 * HTTPS in front of the stand-ins, as Twilio, SSM and DynamoDB are only reached over TLS: a
 * function's first answer pays a TLS handshake per service, which a plain-HTTP stand-in hides.
 * A TLS server takes each connection and pipes the decrypted bytes to the plain stand-in on
 * loopback, so the stand-ins stay as the tests use them.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";

export interface SelfSignedCertificate {
  key: string;
  cert: string;
  /** The certificate's file: what NODE_EXTRA_CA_CERTS names for a client to trust it. */
  certFile: string;
  /** Deletes the key and certificate files. */
  remove(): void;
}

/**
 * A certificate for 127.0.0.1 made by the openssl command, as node:crypto cannot issue one.
 * RSA 2048, the key type of the certificates Amazon's and Twilio's endpoints present.
 */
export function makeSelfSignedCertificate(): SelfSignedCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signon-bench-tls-"));
  const keyFile = path.join(dir, "key.pem");
  const certFile = path.join(dir, "cert.pem");
  const args = [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "1",
    "-subj",
    "/CN=signon bench stand-ins",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ];
  try {
    execFileSync("openssl", args, { stdio: "pipe" });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing
        ? "the bench's TLS measurement needs the openssl command to make its certificate (apt-get install openssl)"
        : `openssl could not make the bench's certificate: ${String((error as { stderr?: Buffer }).stderr ?? error)}`,
    );
  }
  return {
    key: fs.readFileSync(keyFile, "utf8"),
    cert: fs.readFileSync(certFile, "utf8"),
    certFile,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsFront {
  /** The https URL that reaches the stand-in at the target URL. */
  url: string;
  close(): Promise<void>;
}

/** Serves TLS on a free loopback port and passes each connection's bytes to `target` (http://127.0.0.1:port). */
export async function startTlsFront(target: string, certificate: Pick<SelfSignedCertificate, "key" | "cert">): Promise<TlsFront> {
  const { hostname, port } = new URL(target);
  const open = new Set<net.Socket>();
  // Without noDelay, Nagle's algorithm on the extra hop would hold small writes back for tens of milliseconds.
  const server = tls.createServer({ key: certificate.key, cert: certificate.cert, noDelay: true }, (client) => {
    const upstream = net.connect({ host: hostname, port: Number(port), noDelay: true });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on("close", () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The handlers' endpoint variables that reach a stand-in over the network. */
export const endpointVariables = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "TWILIO_API_BASE_URL"] as const;

/**
 * `env` with each endpoint behind a TLS front, and NODE_EXTRA_CA_CERTS naming the certificate
 * so the function trusts it, as it trusts the real services' public certificates.
 */
export async function frontWithTls(
  env: Record<string, string>,
  certificate: SelfSignedCertificate,
): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const fronts = await Promise.all(endpointVariables.map((name) => startTlsFront(env[name], certificate)));
  const tlsEnv: Record<string, string> = { ...env, NODE_EXTRA_CA_CERTS: certificate.certFile };
  for (const [index, name] of endpointVariables.entries()) tlsEnv[name] = fronts[index].url;
  return {
    env: tlsEnv,
    close: async () => {
      await Promise.all(fronts.map((front) => front.close()));
    },
  };
}
