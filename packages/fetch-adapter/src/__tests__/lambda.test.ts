/**
 * The handlers as AWS Lambda handlers (`toLambdaHandler`), given the events API
 * Gateway, function URLs and load balancers send. AWS itself cannot run here: each event
 * is built as AWS documents it for a request Twilio (or Flex) made, and the handler's
 * result is read as AWS reads it. The API is the emulator on loopback.
 */
import { ATTRIBUTE_KEY } from '@stickycalls/core';
import { describe, expect, it } from 'vitest';
import { createCallerContextHandler, createSaveContextHandler } from '../index.js';
import { type LambdaEvent, toLambdaHandler } from '../lambda.js';
import { addCallTask, CALLER, callSid, signedForm, TOKENS, useTwilio } from './kit.js';

const twilio = useTwilio();
const HOST = 'abc123.lambda-url.us-east-1.on.aws';
const quiet = { info() {}, warn() {}, error() {} };

/** An HTTP API (payload 2.0) or function URL event. */
function httpApiEvent(path: string, init: RequestInit, rawQueryString = ''): LambdaEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString,
    headers: { host: HOST, ...(init.headers as Record<string, string>) },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc123',
      domainName: HOST,
      domainPrefix: 'abc123',
      http: {
        method: String(init.method),
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '54.172.60.1',
        userAgent: 'TwilioProxy/1.1',
      },
      requestId: 'r-1',
      routeKey: '$default',
      stage: '$default',
      time: '05/Dec/2026:01:00:00 +0000',
      timeEpoch: 1_796_000_000_000,
    },
    body: Buffer.from(String(init.body ?? '')).toString('base64'),
    isBase64Encoded: true,
  } as unknown as LambdaEvent;
}

/** An Application Load Balancer target's event (single-value headers). */
function albEvent(path: string, init: RequestInit): LambdaEvent {
  return {
    requestContext: {
      elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/sticky/1' },
    },
    httpMethod: String(init.method),
    path,
    queryStringParameters: {},
    headers: {
      host: 'hooks.example.com',
      'x-forwarded-proto': 'https',
      ...(init.headers as Record<string, string>),
    },
    body: String(init.body ?? ''),
    isBase64Encoded: false,
  } as unknown as LambdaEvent;
}

/** A REST API (payload 1.0) event, with its multi-value headers. */
function restApiEvent(path: string, init: RequestInit): LambdaEvent {
  const headers = { Host: 'api.example.com', ...(init.headers as Record<string, string>) };
  return {
    resource: path,
    path,
    httpMethod: String(init.method),
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '1',
      apiId: 'api',
      domainName: 'api.example.com',
      httpMethod: String(init.method),
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'r-2',
      resourcePath: path,
      stage: 'prod',
      identity: { sourceIp: '54.172.60.1' },
    },
    body: String(init.body ?? ''),
    isBase64Encoded: false,
  } as unknown as LambdaEvent;
}

const context = () => toLambdaHandler(createCallerContextHandler({ env: () => twilio.env, logger: quiet }));

describe('caller context on Lambda', () => {
  it.each([
    ['a function URL (HTTP API payload 2.0)', httpApiEvent, `https://${HOST}/caller-context`],
    ['an Application Load Balancer', albEvent, 'https://hooks.example.com/caller-context'],
    ['a REST API (payload 1.0)', restApiEvent, 'https://api.example.com/caller-context'],
  ])('answers a signed request through %s', async (_name, eventOf, url) => {
    const init = signedForm(url, { CallSid: callSid(), From: CALLER, To: '+18005550100' });
    const result = await context()(eventOf('/caller-context', init));
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body) as Record<string, { status: string }>;
    expect(body[ATTRIBUTE_KEY]?.status).toBe('ok');
  });

  it('refuses an unsigned one with 403 and asks no API', async () => {
    const url = `https://${HOST}/caller-context`;
    const init = signedForm(url, { CallSid: callSid(), From: CALLER });
    const result = await context()(
      httpApiEvent('/caller-context', {
        ...init,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect(result.statusCode).toBe(403);
    expect(twilio.api.emulator.requests).toHaveLength(0);
  });

  it('behind a REST API stage or a custom domain, checks the public URL Twilio was given', async () => {
    const publicUrl = 'https://hooks.example.com/prod/caller-context';
    const handler = toLambdaHandler(
      createCallerContextHandler({ env: () => twilio.env, logger: quiet, publicUrl }),
    );
    const init = signedForm(publicUrl, { CallSid: callSid(), From: CALLER });
    expect((await handler(restApiEvent('/caller-context', init))).statusCode).toBe(200);
    expect((await context()(restApiEvent('/caller-context', init))).statusCode).toBe(403);
  });
});

describe('save on Lambda', () => {
  it('stores a wrap-up with the agent’s Bearer token, with CORS headers in the result', async () => {
    const url = `https://${HOST}/caller-context`;
    const callId = callSid();
    const started = await context()(
      httpApiEvent('/caller-context', signedForm(url, { CallSid: callId, From: CALLER })),
    );
    const { taskSid } = addCallTask(
      twilio.taskRouter,
      callId,
      JSON.parse(started.body) as Record<string, unknown>,
    );
    const handler = toLambdaHandler(
      createSaveContextHandler({ env: () => twilio.env, logger: quiet, twilioFetch: twilio.twilioFetch }),
    );
    const result = await handler(
      httpApiEvent('/save-context', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${TOKENS.agent}`,
          origin: 'https://flex.twilio.com',
        },
        body: JSON.stringify({
          TaskSid: taskSid,
          action: 'store',
          wrap_up: { intent: 'billing', intent_status: 'open' },
        }),
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'stored', call_id: callId });
    expect('headers' in result ? result.headers?.['access-control-allow-origin'] : undefined).toBe(
      'https://flex.twilio.com',
    );
  });
});
