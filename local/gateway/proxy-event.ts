/** API Gateway REST API proxy events, shaped as the `v1` stage delivers them to a Lambda. */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";

export interface ProxyRequest {
  path: string;
  method?: string;
  /** The route's path as declared (`/registrations/{id}`): API Gateway's `resource`. */
  resource?: string;
  pathParameters?: Record<string, string>;
  query?: URLSearchParams;
  body?: string;
  /** Names as the client sent them: API Gateway keeps their case. */
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
  requestId?: string;
  sourceIp?: string;
  apiKey?: string;
  /** API Gateway's id of the key that came: what the export's handler checks. */
  apiKeyId?: string;
}

export const stageName = "v1";

/** API Gateway's query parameters: the last value of each name, and every value. */
function queryParameters(query: URLSearchParams | undefined) {
  if (!query || query.size === 0) return { single: null, multi: null };
  const multi: Record<string, string[]> = {};
  for (const [name, value] of query) multi[name] = [...(multi[name] ?? []), value];
  const single = Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values[values.length - 1]]));
  return { single, multi };
}

export function proxyEvent({
  path,
  method = "POST",
  resource = path,
  pathParameters,
  query,
  body,
  headers = {},
  isBase64Encoded = false,
  requestId = randomUUID(),
  sourceIp = "127.0.0.1",
  apiKey,
  apiKeyId,
}: ProxyRequest): APIGatewayProxyEvent {
  const parameters = queryParameters(query);
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === "user-agent")?.[1] ?? null;
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: parameters.single,
    multiValueQueryStringParameters: parameters.multi,
    pathParameters: pathParameters ?? null,
    stageVariables: null,
    body: body ?? null,
    isBase64Encoded,
    requestContext: {
      accountId: "123456789012",
      apiId: "local",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: method,
      path: `/${stageName}${path}`,
      stage: stageName,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: "local",
      resourcePath: resource,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: apiKey ?? null,
        apiKeyId: apiKeyId ?? null,
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
