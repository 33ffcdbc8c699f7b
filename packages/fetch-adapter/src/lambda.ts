/**
 * `@stickycalls/fetch-adapter/lambda`: a fetch handler as an AWS Lambda handler, for
 * API Gateway (HTTP APIs and REST APIs), Lambda function URLs and Application Load
 * Balancer targets. The conversion of events and results is Hono's (`hono/aws-lambda`).
 */
import { Hono } from 'hono';
import { type APIGatewayProxyResult, handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import type { FetchHandler, RuntimeContext } from './fetch-handler.js';

/** An AWS Lambda handler. */
export type LambdaHandler = (event: LambdaEvent, context?: LambdaContext) => Promise<APIGatewayProxyResult>;

/**
 * An AWS Lambda handler that answers every event with `handler`. Behind API Gateway
 * or a load balancer, the URL a handler sees is rebuilt from the event: give Twilio's
 * URL as the handler's `publicUrl` when a custom domain or a stage path is in front.
 *
 * @example
 * // index.mjs, a Lambda behind a function URL
 * import { createCallerContextHandler } from '@stickycalls/fetch-adapter';
 * import { toLambdaHandler } from '@stickycalls/fetch-adapter/lambda';
 * export const handler = toLambdaHandler(createCallerContextHandler());
 */
export function toLambdaHandler(handler: FetchHandler, runtime?: RuntimeContext): LambdaHandler {
  const app = new Hono();
  app.all('*', (context) => handler(context.req.raw, runtime));
  return handle(app);
}

export type { APIGatewayProxyResult, LambdaContext, LambdaEvent };
