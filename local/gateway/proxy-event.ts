/** API Gateway REST API proxy events, shaped as the `v1` stage delivers them to a Lambda. */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";

export interface ProxyRequest {
  path: string;
  body?: string;
  /** Names as the client sent them: API Gateway keeps their case. */
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
  requestId?: string;
  sourceIp?: string;
  apiKey?: string;
}

export const stageName = "v1";

export function proxyEvent({
  path,
  body,
  headers = {},
  isBase64Encoded = false,
  requestId = randomUUID(),
  sourceIp = "127.0.0.1",
  apiKey,
}: ProxyRequest): APIGatewayProxyEvent {
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === "user-agent")?.[1] ?? null;
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
      apiId: "local",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: "POST",
      path: `/${stageName}${path}`,
      stage: stageName,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: "local",
      resourcePath: path,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: apiKey ?? null,
        apiKeyId: apiKey ? "local-api-key" : null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
    },
  };
}
