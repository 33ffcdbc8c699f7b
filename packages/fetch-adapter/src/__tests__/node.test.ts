/**
 * The three handlers on Node, over real HTTP (`toNodeListener` on `node:http`), with
 * the emulator as the API and the TaskRouter and IAM stand-ins as Twilio.
 */
import { ATTRIBUTE_KEY, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  createWrapupEventHandler,
  type FetchHandler,
} from '../index.js';
import {
  addCallTask,
  CALLER,
  callSid,
  SECRETS,
  serve,
  signedForm,
  signedJson,
  TOKENS,
  useTwilio,
  WORKER_SID,
} from './kit.js';

const twilio = useTwilio();
const lines: string[] = [];
const logger = {
  info: (line: string) => lines.push(line),
  warn: (line: string) => lines.push(line),
  error: (line: string) => lines.push(line),
};
const servers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const line of lines) for (const secret of SECRETS) expect(line).not.toContain(secret);
  lines.length = 0;
});

async function serving(handler: FetchHandler): Promise<string> {
  const server = await serve(handler);
  servers.push(server);
  return server.url;
}

const callerContext = (options: Parameters<typeof createCallerContextHandler>[0] = {}) =>
  createCallerContextHandler({ env: () => twilio.env, logger, ...options });
const saveContext = (options: Parameters<typeof createSaveContextHandler>[0] = {}) =>
  createSaveContextHandler({ env: () => twilio.env, logger, twilioFetch: twilio.twilioFetch, ...options });
const wrapupEvent = (options: Parameters<typeof createWrapupEventHandler>[0] = {}) =>
  createWrapupEventHandler({ env: () => twilio.env, logger, twilioFetch: twilio.twilioFetch, ...options });

const apiCalls = () => twilio.api.emulator.requests.length;
const ends = () => twilio.api.emulator.requests.filter((request) => request.operation === 'end');

/** A call started through the caller-context handler, and its task in TaskRouter. */
async function routedCall(workerSid = WORKER_SID) {
  const url = `${await serving(callerContext())}/caller-context`;
  const callId = callSid();
  const response = await fetch(url, signedForm(url, { CallSid: callId, From: CALLER, To: '+18005550100' }));
  expect(response.status).toBe(200);
  const attributes = (await response.json()) as Record<string, unknown>;
  return { callId, ...addCallTask(twilio.taskRouter, callId, attributes, { workerSid }) };
}

const WRAP_UP = { intent: 'refund_request', intent_status: 'open', variables: { summary: 'Label sent' } };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://flex.twilio.com', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('caller context: Twilio’s signature', () => {
  it('answers a signed form POST with the caller’s context', async () => {
    const url = `${await serving(callerContext())}/caller-context`;
    const response = await fetch(
      url,
      signedForm(url, { CallSid: callSid(), From: CALLER, To: '+18005550100' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as Record<string, { status: string }>;
    expect(body[ATTRIBUTE_KEY]).toMatchObject({ status: 'ok' });
    expect(apiCalls()).toBe(1);
  });

  it('answers a signed JSON POST whose body matches its bodySHA256', async () => {
    const base = `${await serving(callerContext())}/caller-context`;
    const { url, init } = signedJson(base, { CallSid: callSid(), From: CALLER, To: '+18005550100' });
    const response = await fetch(url, init);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Record<string, { status: string }>)[ATTRIBUTE_KEY]?.status).toBe('ok');
  });

  it.each([
    [
      'no signature',
      (init: RequestInit) => ({ ...init, headers: { ...init.headers, 'x-twilio-signature': '' } }),
    ],
    [
      'a signature made with another auth token',
      (_init: RequestInit, url: string, params: Record<string, string>) =>
        signedForm(url, params, 'ffffffffffffffffffffffffffffffff'),
    ],
    [
      'a body changed after signing',
      (init: RequestInit) => ({
        ...init,
        body: String(init.body).replace('%2B14155551234', '%2B14155559999'),
      }),
    ],
  ])('refuses %s: 403, and the API is never asked', async (_name, tamper) => {
    const url = `${await serving(callerContext())}/caller-context`;
    const params = { CallSid: callSid(), From: CALLER, To: '+18005550100' };
    const response = await fetch(url, tamper(signedForm(url, params), url, params));
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: expect.stringContaining('not signed by Twilio') });
    expect(apiCalls()).toBe(0);
    expect(lines.join('\n')).toMatch(/caller-context: refused with 403/);
  });

  it('refuses a signed request replayed to another URL of the same server', async () => {
    const base = await serving(callerContext());
    const params = { CallSid: callSid(), From: CALLER, To: '+18005550100' };
    const response = await fetch(`${base}/wrapup-event`, signedForm(`${base}/caller-context`, params));
    expect(response.status).toBe(403);
    const query = await fetch(`${base}/caller-context?again=1`, signedForm(`${base}/caller-context`, params));
    expect(query.status).toBe(403);
    expect(apiCalls()).toBe(0);
  });

  it('refuses a JSON body that is not the one bodySHA256 names, or that has no bodySHA256', async () => {
    const base = `${await serving(callerContext())}/caller-context`;
    const { url, init } = signedJson(base, { CallSid: callSid(), From: CALLER });
    const swapped = await fetch(url, {
      ...init,
      body: JSON.stringify({ CallSid: callSid(), From: '+14155559999' }),
    });
    expect(swapped.status).toBe(403);
    const unhashed = await fetch(base, { ...init, headers: { ...init.headers } });
    expect(unhashed.status).toBe(403);
    expect(apiCalls()).toBe(0);
  });

  it('behind a proxy, checks against the public URL it is given, with the query as it came', async () => {
    const publicUrl = 'https://hooks.example.com/sticky/caller-context';
    const local = `${await serving(callerContext({ publicUrl }))}/caller-context`;
    const params = { CallSid: callSid(), From: CALLER, To: '+18005550100' };
    expect((await fetch(`${local}?flow=1`, signedForm(`${publicUrl}?flow=1`, params))).status).toBe(200);
    // Signed for the local URL, which is not the one Twilio was given: refused.
    expect((await fetch(local, signedForm(local, params))).status).toBe(403);
    // Without the option, the public URL's signature does not match what the handler sees.
    const plain = `${await serving(callerContext())}/caller-context`;
    expect((await fetch(plain, signedForm(publicUrl, params))).status).toBe(403);
    expect(apiCalls()).toBe(1);
  });

  it('refuses a publicUrl that cannot be the URL Twilio signed, when the handler is made', () => {
    for (const publicUrl of [
      'hooks.example.com/caller-context',
      'https://hooks.example.com/cc?x=1',
      'ftp://x/y',
    ]) {
      expect(() => callerContext({ publicUrl })).toThrow(
        /publicUrl must be the http\(s\) URL Twilio was given/,
      );
    }
  });

  it('answers 500 and asks no API when AUTH_TOKEN is missing: nothing unsigned gets through', async () => {
    const { AUTH_TOKEN: _gone, ...env } = twilio.env;
    const url = `${await serving(callerContext({ env }))}/caller-context`;
    const response = await fetch(url, signedForm(url, { CallSid: callSid(), From: CALLER }));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: expect.stringContaining('AUTH_TOKEN is not set') });
    expect(apiCalls()).toBe(0);
  });

  it('answers within its deadline with a degraded context when the API hangs', async () => {
    twilio.api.emulator.inject({ type: 'hang' });
    const url = `${await serving(callerContext({ timeoutMs: 800 }))}/caller-context`;
    const started = Date.now();
    const response = await fetch(url, signedForm(url, { CallSid: callSid(), From: CALLER }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Record<string, { status: string }>)[ATTRIBUTE_KEY]?.status).toBe(
      'degraded',
    );
    twilio.api.emulator.clearFaults();
  });

  it('reads the settings at each request, from a runtime’s env when it passes one', async () => {
    const handler = callerContext({ env: {} });
    const url = 'http://worker.example/caller-context';
    const request = () => new Request(url, signedForm(url, { CallSid: callSid(), From: CALLER }));
    expect((await handler(request())).status).toBe(500);
    const response = await handler(request(), { env: twilio.env });
    expect(response.status).toBe(200);
  });
});

describe('save: the agent’s Flex token', () => {
  it('stores with a Bearer token, then saves once the task completed, bound to the task', async () => {
    const { taskSid, callId, customerRef } = await routedCall();
    const url = await serving(saveContext());
    const bearer = { authorization: `Bearer ${TOKENS.agent}` };
    const stored = await post(url, { TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP }, bearer);
    expect(stored).toMatchObject({
      status: 200,
      body: { status: 'stored', call_id: callId, saveable: true },
    });
    expect(stored.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');
    twilio.taskRouter.setStatus(taskSid, 'completed', 'completed');
    const saved = await post(url, { TaskSid: taskSid, wrap_up: WRAP_UP }, bearer);
    expect(saved).toMatchObject({
      status: 200,
      body: { status: 'saved', call_id: callId, customer_ref: customerRef },
    });
    expect(ends()).toHaveLength(1);
    expect(ends()[0]?.body).toMatchObject({
      call_id: callId,
      customer_ref: customerRef,
      intent: 'refund_request',
    });
  });

  it('takes the body’s Token, as the Function does', async () => {
    const { taskSid } = await routedCall();
    const answer = await post(await serving(saveContext()), {
      TaskSid: taskSid,
      action: 'store',
      wrap_up: WRAP_UP,
      Token: TOKENS.agent,
    });
    expect(answer.body).toMatchObject({ status: 'stored' });
  });

  it.each([
    ['no token', {}, 403, 'no_token'],
    ['an expired token', { authorization: `Bearer ${TOKENS.expired}` }, 403, 'invalid_token'],
    ['a token of another account', { authorization: `Bearer ${TOKENS.otherAccount}` }, 403, 'invalid_token'],
    ['a guest’s token (no worker)', { authorization: `Bearer ${TOKENS.guest}` }, 403, 'not_a_worker'],
    ['another agent’s token', { authorization: `Bearer ${TOKENS.otherAgent}` }, 403, 'no_reservation'],
  ])('refuses %s, with CORS, and nothing written or saved', async (_name, headers, status, code) => {
    const { taskSid } = await routedCall();
    const before = twilio.taskRouter.task(taskSid)?.attributes;
    const answer = await post(await serving(saveContext()), { TaskSid: taskSid, wrap_up: WRAP_UP }, headers);
    expect(answer).toMatchObject({ status, body: { status: 'forbidden', code } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');
    expect(twilio.taskRouter.task(taskSid)?.attributes).toBe(before);
    expect(ends()).toHaveLength(0);
  });

  it('refuses a token in the URL before checking it, even with another in the header', async () => {
    const { taskSid } = await routedCall();
    const asked = twilio.iam.requests();
    const url = `${await serving(saveContext())}/save-context?Token=${TOKENS.agent}`;
    const answer = await post(
      url,
      { TaskSid: taskSid, wrap_up: WRAP_UP },
      { authorization: `Bearer ${TOKENS.agent}` },
    );
    expect(answer).toMatchObject({ status: 400, body: { status: 'invalid' } });
    expect(JSON.stringify(answer.body)).toContain('never in the URL');
    expect(twilio.iam.requests()).toBe(asked);
  });

  it('answers the browser’s preflight, allowing the Authorization header', async () => {
    const response = await fetch(await serving(saveContext()), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://flex.twilio.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it('answers within its deadline, retryable, when the API hangs, and keeps the wrap-up on the task', async () => {
    const { taskSid } = await routedCall();
    twilio.taskRouter.setStatus(taskSid, 'completed', 'completed');
    twilio.api.emulator.inject({ type: 'hang' });
    const started = Date.now();
    const answer = await post(
      await serving(saveContext({ timeoutMs: 1500 })),
      { TaskSid: taskSid, wrap_up: WRAP_UP },
      { authorization: `Bearer ${TOKENS.agent}` },
    );
    expect(Date.now() - started).toBeLessThan(4000);
    expect(answer).toMatchObject({
      status: 502,
      body: { status: 'failed', retryable: true, code: 'timeout' },
    });
    expect(twilio.taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toMatchObject({ saved: false });
    twilio.api.emulator.clearFaults();
  });
});

describe('wrap-up events: the safety net', () => {
  it('saves an unsaved wrap-up of a completed task from a signed event callback, and refuses an unsigned one', async () => {
    const { taskSid, callId } = await routedCall();
    const saveUrl = await serving(saveContext());
    await post(
      saveUrl,
      { TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP },
      { authorization: `Bearer ${TOKENS.agent}` },
    );
    twilio.taskRouter.setStatus(taskSid, 'completed', 'completed');
    const url = `${await serving(wrapupEvent())}/wrapup-event`;
    const event = {
      EventType: 'task.completed',
      Sid: `EV${'1'.repeat(32)}`,
      TaskSid: taskSid,
      TaskAttributes: twilio.taskRouter.task(taskSid)?.attributes ?? '',
    };
    const unsigned = await fetch(url, {
      ...signedForm(url, event),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(unsigned.status).toBe(403);
    expect(ends()).toHaveLength(0);
    const response = await fetch(url, signedForm(url, event));
    expect(response.status).toBe(204);
    expect(ends()).toHaveLength(1);
    expect(ends()[0]?.body).toMatchObject({ call_id: callId });
    expect(twilio.taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toMatchObject({ saved: true });
  });
});

describe('requests it does not answer', () => {
  it('405 for another method, 413 over 1 MB, 415 for another content type; none reaches the API', async () => {
    const url = `${await serving(callerContext())}/caller-context`;
    const put = await fetch(url, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST, GET');
    const large = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `From=${'1'.repeat(1024 * 1024 + 1)}`,
    });
    expect(large.status).toBe(413);
    const text = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    expect(apiCalls()).toBe(0);
  });
});
