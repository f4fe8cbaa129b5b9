import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export const handler = async (event: APIGatewayProxyEventV2) => {
  const ms = Math.min(Number(event.queryStringParameters?.ms ?? 20) || 0, 2_000);
  await new Promise((r) => setTimeout(r, ms));
  return { slept: ms };
};
