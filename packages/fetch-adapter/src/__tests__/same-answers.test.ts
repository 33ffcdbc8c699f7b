/**
 * The same scenario (scenario.ts) against the Twilio Function adapter in Twilio's own
 * local runtime (twilio-run, the built packages, as the demo runs them) and against this
 * adapter on Node over HTTP, on Lambda and in workerd (Cloudflare's runtime, through
 * Miniflare): the transcripts must be equal.
 * Each runtime meets the same emulator (reset before it) and TaskRouter stand-in; IAM is
 * a stand-in everywhere (the demo's, preloaded into twilio-run; the kit's on loopback
 * for the fetch adapter), knowing the same tokens.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../../../../examples/demo/src/runtime.js';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  createWrapupEventHandler,
  type FetchHandler,
} from '../index.js';
import { toLambdaHandler } from '../lambda.js';
import { OTHER_WORKER_SID, serve, TOKENS, useTwilio, WORKER_SID } from './kit.js';
import { playScenario, type Send, type Step } from './scenario.js';
import { startWorker } from './workerd.js';

const twilio = useTwilio();
const quiet = { info() {}, warn() {}, error() {} };
const transcripts = new Map<string, Step[]>();
const closers: (() => Promise<void>)[] = [];

function handlers(): Record<string, FetchHandler> {
  const shared = { env: () => twilio.env, logger: quiet };
  return {
    '/caller-context': createCallerContextHandler(shared),
    '/save-context': createSaveContextHandler({ ...shared, twilioFetch: twilio.twilioFetch }),
    '/wrapup-event': createWrapupEventHandler({ ...shared, twilioFetch: twilio.twilioFetch }),
  };
}

async function play(name: string, send: Send): Promise<Step[]> {
  twilio.api.emulator.reset();
  twilio.taskRouter.reset();
  const steps = await playScenario(send, twilio.taskRouter);
  transcripts.set(name, steps);
  return steps;
}

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

describe('one scenario, the same answers on every runtime', () => {
  let reference: Step[];

  beforeAll(async () => {
    const runtime = await startRuntime({
      env: twilio.env,
      tokens: {
        [TOKENS.agent]: { worker_sid: WORKER_SID, roles: ['agent'], identity: 'ada' },
        [TOKENS.otherAgent]: { worker_sid: OTHER_WORKER_SID, roles: ['agent'], identity: 'grace' },
      },
      taskRouterUrl: twilio.taskRouterServer.url,
      warm: true,
    });
    closers.push(runtime.stop);
    reference = await play('twilio-run', (path, init) =>
      fetch(`${runtime.url}${path}`, init(`${runtime.url}${path}`)),
    );
  }, 90_000);

  it('twilio-run, the reference: every step answered as the Function adapter’s tests say', () => {
    expect(reference.map(({ step, status }) => [step, status])).toEqual([
      ['a new caller calls', 200],
      ['the agent stores the wrap-up', 200],
      ['a save before completion', 409],
      ['the save once completed', 200],
      ['the same save again', 200],
      ['the caller calls again', 200],
      ['another agent’s save', 403],
      ['an unknown token', 403],
      ['a save naming no task', 400],
      ['the agent stores the second wrap-up', 200],
      ['the safety net saves it', 204],
      ['the agent’s save finds it saved', 200],
      ['a withheld number', 200],
    ]);
  });

  it('Node over HTTP (toNodeListener)', async () => {
    const routes = handlers();
    const servers = await Promise.all(
      Object.entries(routes).map(async ([path, handler]) => [path, await serve(handler)] as const),
    );
    for (const [, server] of servers) closers.push(server.close);
    const urls = Object.fromEntries(servers.map(([path, server]) => [path, server.url]));
    const steps = await play('node', (path, init) =>
      fetch(`${urls[path]}${path}`, init(`${urls[path]}${path}`)),
    );
    expect(steps).toEqual(reference);
  });

  it('AWS Lambda behind a function URL (toLambdaHandler, payload 2.0)', async () => {
    const routes = handlers();
    const host = 'abc123.lambda-url.us-east-1.on.aws';
    const steps = await play('lambda', async (path, init) => {
      const request = init(`https://${host}${path}`);
      const handler = toLambdaHandler(routes[path] as FetchHandler);
      const result = await handler({
        version: '2.0',
        routeKey: '$default',
        rawPath: path,
        rawQueryString: '',
        headers: { host, ...(request.headers as Record<string, string>) },
        requestContext: {
          domainName: host,
          http: { method: String(request.method), path, protocol: 'HTTP/1.1', sourceIp: '54.172.60.1' },
        },
        body: String(request.body ?? ''),
        isBase64Encoded: false,
      } as never);
      return new Response(result.statusCode === 204 ? null : result.body, {
        status: result.statusCode,
        headers: (result as { headers?: Record<string, string> }).headers ?? {},
      });
    });
    expect(steps).toEqual(reference);
  });

  it('Cloudflare Workers (workerd, through Miniflare)', async () => {
    const worker = await startWorker({
      entry: join(import.meta.dirname, 'fixtures/worker.ts'),
      bindings: {
        ...twilio.env,
        IAM_STAND_IN: twilio.iam.url,
        TASKROUTER_STAND_IN: twilio.taskRouterServer.url,
      },
    });
    closers.push(worker.close);
    const base = worker.url.replace(/\/$/, '');
    const steps = await play('workerd', (path, init) => fetch(`${base}${path}`, init(`${base}${path}`)));
    expect(steps).toEqual(reference);
  }, 60_000);
});
