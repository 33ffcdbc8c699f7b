/**
 * The three handlers in workerd, Cloudflare's runtime (through Miniflare), over HTTP:
 * Twilio's signature checked with Web Crypto there, the agent's token checked by the IAM
 * stand-in, the deadline held with a hanging API. The API is the emulator on loopback.
 */
import { join } from 'node:path';
import { ATTRIBUTE_KEY } from '@stickycalls/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCallTask, CALLER, callSid, signedForm, signedJson, TOKENS, useTwilio } from './kit.js';
import { startWorker, type Worker } from './workerd.js';

const twilio = useTwilio();
let worker: Worker;
let base = '';

beforeAll(async () => {
  worker = await startWorker({
    entry: join(import.meta.dirname, 'fixtures/worker.ts'),
    bindings: {
      ...twilio.env,
      IAM_STAND_IN: twilio.iam.url,
      TASKROUTER_STAND_IN: twilio.taskRouterServer.url,
    },
  });
  base = worker.url.replace(/\/$/, '');
}, 60_000);
afterAll(async () => {
  await worker?.close();
});

const contextOf = async (response: Response) =>
  ((await response.json()) as Record<string, { status: string; reason: string | null }>)[ATTRIBUTE_KEY];

describe('in workerd', () => {
  it('answers a signed form and a signed JSON body; refuses a wrong signature and another URL with 403', async () => {
    const url = `${base}/caller-context`;
    const params = { CallSid: callSid(), From: CALLER, To: '+18005550100' };
    const form = await fetch(url, signedForm(url, params));
    expect(form.status).toBe(200);
    expect(await contextOf(form)).toMatchObject({ status: 'ok' });
    const json = signedJson(url, { ...params, CallSid: callSid() });
    const answered = await fetch(json.url, json.init);
    expect(answered.status).toBe(200);
    const before = twilio.api.emulator.requests.length;
    const forged = await fetch(url, signedForm(url, params, 'ffffffffffffffffffffffffffffffff'));
    expect(forged.status).toBe(403);
    const replayed = await fetch(`${base}/wrapup-event`, signedForm(url, params));
    expect(replayed.status).toBe(403);
    expect(twilio.api.emulator.requests.length).toBe(before);
  });

  it('stores a wrap-up with a Bearer token; refuses an expired one and a guest’s', async () => {
    const url = `${base}/caller-context`;
    const callId = callSid();
    const started = await fetch(url, signedForm(url, { CallSid: callId, From: CALLER }));
    const { taskSid } = addCallTask(
      twilio.taskRouter,
      callId,
      (await started.json()) as Record<string, unknown>,
    );
    const save = (token: string) =>
      fetch(`${base}/save-context`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          origin: 'https://flex.twilio.com',
        },
        body: JSON.stringify({
          TaskSid: taskSid,
          action: 'store',
          wrap_up: { intent: 'billing', intent_status: 'open' },
        }),
      });
    const expired = await save(TOKENS.expired);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({ code: 'invalid_token' });
    expect((await save(TOKENS.guest)).status).toBe(403);
    const stored = await save(TOKENS.agent);
    expect(stored.status).toBe(200);
    expect(stored.headers.get('access-control-allow-origin')).toBe('https://flex.twilio.com');
    expect(await stored.json()).toMatchObject({ status: 'stored', call_id: callId });
  });

  it('answers within the deadline, degraded, when the API hangs', async () => {
    twilio.api.emulator.inject({ type: 'hang' });
    const url = `${base}/caller-context`;
    const started = Date.now();
    const response = await fetch(url, signedForm(url, { CallSid: callSid(), From: CALLER }));
    twilio.api.emulator.clearFaults();
    expect(Date.now() - started).toBeLessThan(5000 + 1500);
    expect(response.status).toBe(200);
    expect(await contextOf(response)).toMatchObject({ status: 'degraded', reason: 'timeout' });
  }, 15_000);
});
