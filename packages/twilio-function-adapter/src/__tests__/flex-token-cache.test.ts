/**
 * A warm save Function keeps a Flex token Twilio IAM said was valid for a short while,
 * so that a burst of saves by one agent asks IAM once. IAM is answered by msw as it
 * answers (with the token's `expiration`), and every request it gets is counted there.
 */
import {
  cachedTokenKeys,
  resetTokenCache,
  TOKEN_CACHE_MAX_ENTRIES,
  TOKEN_CACHE_TTL_MS,
} from '@stickycalls/core';
import { delay, HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flexTokenValidator } from '../flex-token.js';
import { createSaveContextHandler } from '../index.js';
import { FakeResponse, invoke, TEST_WORKER_SID } from '../testing/index.js';
import { ACCOUNT_SID, OTHER_WORKER_SID, useApi } from './kit.js';
import { logged } from './setup.js';

const { server, taskRouter, context, routedCall } = useApi();

const IAM = 'https://iam.twilio.com/v1/Accounts/:account/Tokens/validate';
const IAM_IE1 = 'https://iam.ie1.twilio.com/v1/Accounts/:account/Tokens/validate';
const OTHER_ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const AGENT = 'flex-token-cache-agent-4f1b9c';
const OTHER_AGENT = 'flex-token-cache-agent-other-8a2d07';
const TOKENS = [AGENT, OTHER_AGENT];
const WRAP_UP = { intent: 'refund_request', intent_status: 'open' };
const HOUR_MS = 3_600_000;

/** What IAM asked about, as IAM saw it. */
const asked: { host: string; account: string; token: string }[] = [];
/** What IAM says of each valid token; any other token is refused. */
let valid: Record<string, Record<string, unknown>> = {};
/** How long IAM takes to answer. */
let iamDelayMs = 0;

const iam = (url: string) =>
  http.post(url, async ({ request, params }) => {
    const { token } = (await request.json()) as { token: string };
    asked.push({ host: new URL(request.url).host, account: String(params.account), token });
    if (iamDelayMs > 0) await delay(iamDelayMs);
    const known = Object.hasOwn(valid, token) ? valid[token] : undefined;
    return known === undefined
      ? HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' })
      : HttpResponse.json({ valid: true, code: 0, message: null, ...known });
  });

/** IAM's verdict on a valid token: its worker, and when the token expires (ISO 8601, as IAM writes it). */
const verdict = (workerSid: string, expiresInMs: number | null = HOUR_MS) => ({
  worker_sid: workerSid,
  roles: ['agent'],
  identity: workerSid === TEST_WORKER_SID ? 'ada' : 'grace',
  ...(expiresInMs === null ? {} : { expiration: new Date(Date.now() + expiresInMs).toISOString() }),
});

/** A JWT-shaped token whose payload says when it expires (seconds since the epoch). */
const jwt = (exp: number) =>
  [
    Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url'),
    Buffer.from(JSON.stringify({ sub: 'agent', exp })).toString('base64url'),
    'c2lnbmF0dXJl',
  ].join('.');

beforeEach(() => {
  resetTokenCache();
  asked.length = 0;
  valid = {};
  iamDelayMs = 0;
  server.use(iam(IAM), iam(IAM_IE1));
});

afterEach(() => {
  vi.useRealTimers();
});

const handler = createSaveContextHandler({
  Response: FakeResponse,
  client: { retry: { initialDelayMs: 10 } },
});

/** A call's task the worker held, completed: what a save is sent for. */
async function completedTask(workerSid = TEST_WORKER_SID) {
  const { taskSid } = await routedCall({ workerSid });
  taskRouter.setStatus(taskSid, 'completed', 'completed');
  return taskSid;
}

/** The agent's save of a task. */
function save(token: string, taskSid: string) {
  return invoke(handler, { context: context(), event: { Token: token, TaskSid: taskSid, wrap_up: WRAP_UP } });
}

/** The agent's save of a completed task it held. */
async function saveCompleted(token: string, workerSid = TEST_WORKER_SID) {
  return save(token, await completedTask(workerSid));
}

/**
 * A request that only gets as far as the token check: accepted, it is answered 400 for
 * its missing task (nothing else is asked of TaskRouter); refused, 403.
 */
async function checkToken(token: string, overrides: Record<string, unknown> = {}) {
  const answer = await invoke(handler, {
    context: context(overrides),
    event: { Token: token, wrap_up: WRAP_UP },
  });
  return answer.statusCode === 400 ? 'accepted' : (answer.body as { code?: string }).code;
}

describe('a burst of saves by one agent', () => {
  it('asks IAM once, for saves sent at once and for saves after it', async () => {
    valid = { [AGENT]: verdict(TEST_WORKER_SID) };
    // The saves are sent while IAM is still answering the first.
    iamDelayMs = 200;
    const tasks = [];
    for (let index = 0; index < 5; index += 1) tasks.push(await completedTask());
    const atOnce = await Promise.all(tasks.map((taskSid) => save(AGENT, taskSid)));
    const after = [];
    for (let index = 0; index < 5; index += 1) after.push(await saveCompleted(AGENT));
    for (const answer of [...atOnce, ...after]) {
      expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved' } });
    }
    expect(asked).toEqual([{ host: 'iam.twilio.com', account: ACCOUNT_SID, token: AGENT }]);
  });

  it('asks again for a second agent’s token, and keeps each token’s own worker', async () => {
    valid = { [AGENT]: verdict(TEST_WORKER_SID), [OTHER_AGENT]: verdict(OTHER_WORKER_SID) };
    expect(await saveCompleted(AGENT)).toMatchObject({ body: { status: 'saved' } });
    expect(await saveCompleted(OTHER_AGENT, OTHER_WORKER_SID)).toMatchObject({ body: { status: 'saved' } });
    // The second agent's token, with the first agent's task: refused as the second agent.
    const foreign = await save(OTHER_AGENT, await completedTask(TEST_WORKER_SID));
    expect(foreign).toMatchObject({ statusCode: 403, body: { code: 'no_reservation' } });
    expect(asked.map((request) => request.token)).toEqual([AGENT, OTHER_AGENT]);
  });
});

describe('how long a verdict is kept', () => {
  it('never past the token’s own expiration: an expired token is asked about again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    valid = { [AGENT]: verdict(TEST_WORKER_SID, 20_000) };
    expect(await checkToken(AGENT)).toBe('accepted');
    vi.setSystemTime(Date.now() + 19_000);
    expect(await checkToken(AGENT)).toBe('accepted');
    expect(asked).toHaveLength(1);
    vi.setSystemTime(Date.now() + 1_000);
    // IAM now refuses it, as it refuses an expired token.
    valid = {};
    expect(await checkToken(AGENT)).toBe('invalid_token');
    expect(asked).toHaveLength(2);
  });

  it(`for at most ${TOKEN_CACHE_TTL_MS / 1000} s, however long the token lasts`, async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    valid = { [AGENT]: verdict(TEST_WORKER_SID, 8 * HOUR_MS) };
    expect(await checkToken(AGENT)).toBe('accepted');
    vi.setSystemTime(Date.now() + TOKEN_CACHE_TTL_MS - 1);
    expect(await checkToken(AGENT)).toBe('accepted');
    expect(asked).toHaveLength(1);
    vi.setSystemTime(Date.now() + 1);
    expect(await checkToken(AGENT)).toBe('accepted');
    expect(asked).toHaveLength(2);
  });

  it('not at all when IAM’s expiration is already past (a clock behind IAM’s)', async () => {
    valid = { [AGENT]: verdict(TEST_WORKER_SID, -1_000) };
    for (let index = 0; index < 3; index += 1) expect(await checkToken(AGENT)).toBe('accepted');
    expect(asked).toHaveLength(3);
  });

  it('not at all when neither IAM nor the token says when it expires', async () => {
    const jwe = ['eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0', '', 'aXY', 'Y2lwaGVydGV4dA', 'dGFn'].join('.');
    valid = {
      [AGENT]: verdict(TEST_WORKER_SID, null),
      [jwe]: verdict(TEST_WORKER_SID, null),
      [OTHER_AGENT]: { ...verdict(TEST_WORKER_SID, null), expiration: 'tomorrow' },
    };
    for (const token of [AGENT, AGENT, jwe, jwe, OTHER_AGENT, OTHER_AGENT]) {
      expect(await checkToken(token)).toBe('accepted');
    }
    expect(asked).toHaveLength(6);
  });

  it('by the token’s own exp when IAM gives no expiration', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const token = jwt(Math.floor(Date.now() / 1000) + 30);
    const expired = jwt(Math.floor(Date.now() / 1000) - 1);
    valid = { [token]: verdict(TEST_WORKER_SID, null), [expired]: verdict(TEST_WORKER_SID, null) };
    expect(await checkToken(token)).toBe('accepted');
    expect(await checkToken(token)).toBe('accepted');
    expect(asked).toHaveLength(1);
    vi.setSystemTime(Date.now() + 31_000);
    expect(await checkToken(token)).toBe('accepted');
    expect(asked).toHaveLength(2);
    expect(await checkToken(expired)).toBe('accepted');
    expect(await checkToken(expired)).toBe('accepted');
    expect(asked).toHaveLength(4);
  });

  it('by the sooner of IAM’s expiration and the token’s exp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const token = jwt(Math.floor(Date.now() / 1000) + 10);
    valid = { [token]: verdict(TEST_WORKER_SID, HOUR_MS) };
    expect(await checkToken(token)).toBe('accepted');
    vi.setSystemTime(Date.now() + 11_000);
    expect(await checkToken(token)).toBe('accepted');
    expect(asked).toHaveLength(2);
  });
});

describe('what is never shared', () => {
  it('a verdict across accounts or regions: each asks IAM itself', async () => {
    valid = { [AGENT]: verdict(TEST_WORKER_SID) };
    expect(await checkToken(AGENT)).toBe('accepted');
    expect(await checkToken(AGENT, { ACCOUNT_SID: OTHER_ACCOUNT_SID })).toBe('accepted');
    expect(await checkToken(AGENT, { TWILIO_REGION: 'ie1' })).toBe('accepted');
    expect(await checkToken(AGENT)).toBe('accepted');
    expect(await checkToken(AGENT, { ACCOUNT_SID: OTHER_ACCOUNT_SID })).toBe('accepted');
    expect(await checkToken(AGENT, { TWILIO_REGION: 'ie1-dublin' })).toBe('accepted');
    expect(asked).toEqual([
      { host: 'iam.twilio.com', account: ACCOUNT_SID, token: AGENT },
      { host: 'iam.twilio.com', account: OTHER_ACCOUNT_SID, token: AGENT },
      { host: 'iam.ie1.twilio.com', account: ACCOUNT_SID, token: AGENT },
    ]);
  });

  it('a refusal: a rejected token is asked about every time', async () => {
    for (let index = 0; index < 3; index += 1) expect(await checkToken(AGENT)).toBe('invalid_token');
    expect(asked).toHaveLength(3);
  });

  it('an IAM outage: the saves waiting on it fail together, the next one asks again', async () => {
    let attempts = 0;
    server.use(
      http.post(IAM, async () => {
        attempts += 1;
        await delay(200);
        return HttpResponse.error();
      }),
    );
    const tasks = [await completedTask(), await completedTask(), await completedTask()];
    const during = await Promise.all(tasks.map((taskSid) => save(AGENT, taskSid)));
    for (const answer of during) {
      expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable: true } });
    }
    expect(attempts).toBe(1);
    expect(await checkToken(AGENT)).toBe('unavailable');
    expect(attempts).toBe(2);
    // IAM is back: asked again, and its verdict kept.
    server.use(iam(IAM));
    valid = { [AGENT]: verdict(TEST_WORKER_SID) };
    expect(await checkToken(AGENT)).toBe('accepted');
    expect(await checkToken(AGENT)).toBe('accepted');
    expect(asked).toHaveLength(1);
  });

  it('the Function’s own settings: missing credentials are refused before any verdict kept is used', async () => {
    valid = { [AGENT]: verdict(TEST_WORKER_SID) };
    expect(await checkToken(AGENT)).toBe('accepted');
    const answer = await invoke(handler, {
      context: context({ AUTH_TOKEN: undefined }),
      event: { Token: AGENT, wrap_up: WRAP_UP },
    });
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
    expect(asked).toHaveLength(1);
  });
});

describe('what is kept in memory', () => {
  it('a hash of the account, region and token, never the token itself', async () => {
    const token = jwt(Math.floor(Date.now() / 1000) + 600);
    valid = { [AGENT]: verdict(TEST_WORKER_SID), [token]: verdict(TEST_WORKER_SID, null) };
    expect(await checkToken(AGENT)).toBe('accepted');
    expect(await checkToken(token)).toBe('accepted');
    const keys = cachedTokenKeys();
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      for (const secret of [AGENT, token, ...token.split('.')]) expect(key).not.toContain(secret);
    }
    expect(logged.join('\n')).not.toContain(AGENT);
  });

  it(`at most ${TOKEN_CACHE_MAX_ENTRIES} tokens: the oldest make room`, async () => {
    const many = Array.from(
      { length: TOKEN_CACHE_MAX_ENTRIES + 1 },
      (_, index) => `flex-token-many-${index}`,
    );
    valid = Object.fromEntries(many.map((token) => [token, verdict(TEST_WORKER_SID)]));
    const ctx = context();
    for (const token of many) await flexTokenValidator(token, ctx);
    expect(cachedTokenKeys()).toHaveLength(TOKEN_CACHE_MAX_ENTRIES);
    expect(asked).toHaveLength(many.length);
    // The newest is kept; the first made room for it and is asked about again.
    await flexTokenValidator(many.at(-1) as string, ctx);
    expect(asked).toHaveLength(many.length);
    await flexTokenValidator(many[0] as string, ctx);
    expect(asked).toHaveLength(many.length + 1);
  }, 30_000);
});

it('the tokens of this file are not among the logged lines', () => {
  const text = logged.join('\n');
  for (const token of TOKENS) expect(text).not.toContain(token);
});
