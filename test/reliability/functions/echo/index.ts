import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Echoes what it received (small: method, path, query, body size); `?status=` sets the status. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const status = Number(event.queryStringParameters?.status ?? 200);
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      method: event.requestContext.http.method,
      rawPath: event.rawPath,
      query: event.queryStringParameters ?? {},
      bodyLength: event.body?.length ?? 0,
      requestId: event.requestContext.requestId,
    }),
  };
};
