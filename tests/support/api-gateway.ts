/** API Gateway REST API proxy events, shaped as a `v1` stage delivers them. */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";

export interface EventOptions {
  path: "/trigger" | "/webhook";
  body?: string;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
}

export function proxyEvent({ path, body, headers = {}, isBase64Encoded = false }: EventOptions): APIGatewayProxyEvent {
  const requestId = randomUUID();
  return {
    resource: path,
    path,
    httpMethod: "POST",
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body ?? null,
    isBase64Encoded,
    requestContext: {
      accountId: "123456789012",
      apiId: "a1b2c3d4e5",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: "POST",
      path: `/v1${path}`,
      stage: "v1",
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: "res123",
      resourcePath: path,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "127.0.0.1",
        user: null,
        userAgent: "vitest",
        userArn: null,
      },
    },
  };
}

export function triggerEvent(payload: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return proxyEvent({
    path: "/trigger",
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
    headers: { "Content-Type": "application/json", "x-api-key": "test-key", ...headers },
  });
}
