/**
 * A local stand-in for SSM Parameter Store (AWS JSON 1.1 protocol) on 127.0.0.1, including
 * the `/aws/reference/secretsmanager/` pass-through. The handlers' signed requests (and the
 * AWS SDK, in the bench's straightforward variant) reach it through AWS_ENDPOINT_URL.
 */
import { sendJson, serveOnLoopback } from "../loopback";

export interface SsmStandIn {
  url: string;
  /** Each call: the operation and the names it asked for. */
  calls: { operation: string; names: string[] }[];
  close(): Promise<void>;
}

const referencePrefix = "/aws/reference/secretsmanager/";

export async function startSsmStandIn(initial: {
  parameters: Record<string, string>;
  secrets: Record<string, string>;
}): Promise<SsmStandIn> {
  const parameters = new Map(Object.entries(initial.parameters));
  const secrets = new Map(Object.entries(initial.secrets));
  const calls: SsmStandIn["calls"] = [];

  const lookup = (name: string) =>
    name.startsWith(referencePrefix) ? secrets.get(name.slice(referencePrefix.length)) : parameters.get(name);
  const describe = (name: string, value: string) => ({
    Name: name,
    Type: name.startsWith(referencePrefix) ? "SecureString" : "String",
    Value: value,
    Version: 1,
    ARN: `arn:aws:ssm:eu-north-1:123456789012:parameter${name}`,
  });

  const server = await serveOnLoopback((request, body, response) => {
    const reply = (status: number, json: object) => sendJson(response, status, json, { "Content-Type": "application/x-amz-json-1.1" });
    if (!String(request.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256")) {
      return reply(400, { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
    }
    const operation = String(request.headers["x-amz-target"] ?? "").replace("AmazonSSM.", "");
    const input = JSON.parse(body || "{}") as { Name?: string; Names?: string[] };
    if (operation === "GetParameters") {
      const names = input.Names ?? [];
      calls.push({ operation, names });
      const found = names.filter((name) => lookup(name) !== undefined);
      return reply(200, {
        Parameters: found.map((name) => describe(name, lookup(name)!)),
        InvalidParameters: names.filter((name) => lookup(name) === undefined),
      });
    }
    if (operation === "GetParameter") {
      const name = input.Name ?? "";
      calls.push({ operation, names: [name] });
      const value = lookup(name);
      if (value === undefined) return reply(400, { __type: "ParameterNotFound", message: "" });
      return reply(200, { Parameter: describe(name, value) });
    }
    reply(400, { __type: "InvalidAction", message: `${operation} is not supported by the stand-in` });
  });
  return { url: server.url, calls, close: server.close };
}
