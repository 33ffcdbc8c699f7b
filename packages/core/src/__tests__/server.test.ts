/**
 * The emulator served over real HTTP on 127.0.0.1, reached with global `fetch` and the
 * real client (no msw here). Elapsed-time checks use wide margins: they check that
 * something settles or is spread over time, not how fast.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  APIConnectionError,
  APITimeoutError,
  type ClientOptions,
  createStickyCallsClient,
  isStickyCallsError,
} from '../index.js';
import {
  createEmulator,
  EMULATOR_API_KEY,
  type EmulatorServer,
  type EmulatorServerOptions,
  startEmulatorServer,
} from '../testing/index.js';
import { PENDING, within } from './kit.js';

const ANI = '+14155551234';

const servers: EmulatorServer[] = [];

/** Starts a server that `afterEach` closes. */
async function serve(options: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  const server = await startEmulatorServer(options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function clientFor(server: EmulatorServer, overrides: Partial<ClientOptions> = {}) {
  return createStickyCallsClient({
    apiKey: EMULATOR_API_KEY,
    baseUrl: server.url,
    timeout: 1500,
    retry: { initialDelayMs: 10, maxDelayMs: 50 },
    ...overrides,
  });
}

const startParams = (callId: string, ani = ANI) => ({ call_id: callId, identity_hints: { ani } });

function post(
  server: EmulatorServer,
  operation: string,
  body: unknown,
  init: { key?: string | null; signal?: AbortSignal } = {},
): Promise<Response> {
  const key = init.key === undefined ? EMULATOR_API_KEY : init.key;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return fetch(`${server.url}/v1/calls/${operation}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('listening', () => {
  it('listens on 127.0.0.1 on a free port, one per server', async () => {
    const first = await serve();
    const second = await serve();
    const pattern = /^http:\/\/127\.0\.0\.1:(\d+)$/;
    expect(first.url).toMatch(pattern);
    expect(second.url).toMatch(pattern);
    expect(Number(pattern.exec(first.url)?.[1])).toBeGreaterThan(0);
    expect(first.url).not.toBe(second.url);
    for (const server of [first, second]) {
      expect((await post(server, 'start', startParams('CA1'))).status).toBe(200);
    }
  });

  it('serves the client at its url: a first call is a new caller, a second one a returning caller', async () => {
    const server = await serve();
    const sticky = clientFor(server);
    const first = await sticky.calls.start({ ...startParams('CA1'), telco: { line_type: 'mobile' } });
    expect(first.identity).toEqual({ confidence: 0, level: 'low', sources: [], recommendation: 'ignore' });
    await sticky.calls.end({
      call_id: 'CA1',
      customer_ref: first.customer_ref,
      intent: 'refund_request',
      intent_status: 'open',
      variables: { name: 'Ada' },
    });

    const second = await sticky.calls.start({ ...startParams('CA2'), telco: { line_type: 'mobile' } });
    expect(second.customer_ref).toBe(first.customer_ref);
    expect(second.identity).toMatchObject({ confidence: 0.7, level: 'high', recommendation: 'reuse' });
    expect([...second.identity.sources].sort()).toEqual(['ani:mobile', 'recency:1day']);
    expect(second.open_intents).toEqual([{ intent: 'refund_request', status: 'open', attempt_count: 1 }]);
    expect(second.variables.name?.value).toBe('Ada');
    expect(server.emulator.requests.map((r) => [r.operation, r.status])).toEqual([
      ['start', 200],
      ['end', 200],
      ['start', 200],
    ]);
  });

  it('answers fetch with the API statuses, error bodies and headers', async () => {
    const server = await serve();
    const ok = await post(server, 'start', startParams('CA1'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('application/json');
    expect(await ok.json()).toMatchObject({ call_id: 'CA1', customer_ref: expect.any(String) });

    const unauthorized = await post(server, 'start', startParams('CA2'), { key: null });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toEqual({ error: 'Unauthorized', message: expect.any(String) });

    const invalid = await post(server, 'start', { call_id: 'CA2', identity_hints: {} });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ details: { issues: [{ path: ['identity_hints'] }] } });

    expect((await post(server, 'start', startParams('CA1'))).status).toBe(409);

    server.emulator.inject({ type: 'status', status: 429, retryAfter: 7 });
    const limited = await post(server, 'start', startParams('CA3'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    await limited.body?.cancel();
  });

  it('passes its options to the emulator it creates', async () => {
    const server = await serve({ apiKeys: ['sk_test_server'] });
    await expect(
      clientFor(server, { apiKey: 'sk_test_server' }).calls.start(startParams('CA1')),
    ).resolves.toMatchObject({ call_id: 'CA1' });
    expect((await post(server, 'start', startParams('CA2'))).status).toBe(401);
  });
});

describe('faults over HTTP', () => {
  it('drops the connection for network_error, and answers the next request', async () => {
    const server = await serve();
    server.emulator.inject({ type: 'network_error' });
    await expect(post(server, 'start', startParams('CA1'))).rejects.toThrow();
    expect((await post(server, 'start', startParams('CA1'))).status).toBe(200);

    server.emulator.inject({ type: 'network_error' });
    const error = await rejectionOf(clientFor(server, { retry: false }).calls.start(startParams('CA2')));
    expect(isStickyCallsError(error, APIConnectionError)).toBe(true);
    expect(error).toMatchObject({ code: 'network_error' });
  });

  it.each([204, 205, 304])(
    'answers a %i status fault over HTTP with that status and no body',
    async (status) => {
      const server = await serve();
      server.emulator.inject({ type: 'status', status });
      const response = await post(server, 'start', startParams('CA1'));
      expect(response.status).toBe(status);
      expect(await response.text()).toBe('');
      // The connection survived: the next request is answered on it.
      expect((await post(server, 'start', startParams('CA1'))).status).toBe(200);
    },
  );

  it.each([200, 302, 418, 507, 599])(
    'answers a %i status fault over HTTP with that status',
    async (status) => {
      const server = await serve();
      server.emulator.inject({ type: 'status', status });
      const statuses: number[] = [];
      await clientFor(server, { retry: false, hooks: { onResponse: (event) => statuses.push(event.status) } })
        .calls.start(startParams('CA1'))
        .catch(() => undefined);
      expect(statuses).toEqual([status]);
    },
  );

  it('holds a hang until the client aborts, then lets the emulator go', async () => {
    const server = await serve();
    server.emulator.inject({ type: 'hang' });
    const controller = new AbortController();
    const started = performance.now();
    const request = post(server, 'start', startParams('CA1'), { signal: controller.signal });
    expect(await within(request, 200)).toBe(PENDING);
    controller.abort();
    const error = await rejectionOf(request);
    expect((error as Error).name).toBe('AbortError');
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    // The dropped connection released the hanging request inside the emulator (maxHangMs is 60 s).
    await vi.waitFor(() => expect(server.emulator.requests.map((r) => r.status)).toEqual([0]), {
      timeout: 1000,
    });
    expect(server.emulator.customers()).toHaveLength(0);
  });

  it('makes the client time out when every attempt hangs', async () => {
    const server = await serve();
    server.emulator.inject({ type: 'hang', times: 10 });
    const started = performance.now();
    const error = await rejectionOf(clientFor(server, { timeout: 500 }).calls.start(startParams('CA1')));
    expect(isStickyCallsError(error, APITimeoutError)).toBe(true);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('closes even with a hanging request open, dropping it', async () => {
    const server = await startEmulatorServer();
    try {
      server.emulator.inject({ type: 'hang' });
      const request = post(server, 'start', startParams('CA1')).then(
        () => 'answered',
        () => 'dropped',
      );
      expect(await within(request, 200)).toBe(PENDING);
      expect(await within(server.close(), 2000)).not.toBe(PENDING);
      expect(await within(request, 1000)).toBe('dropped');
    } finally {
      await within(server.close(), 1000);
    }
  });

  it('closes without waiting for a response still streaming, dropping it', async () => {
    const server = await startEmulatorServer();
    try {
      server.emulator.inject({ type: 'slow_body', ms: 5000 });
      const response = await post(server, 'start', startParams('CA1'));
      const body = response.text().then(
        () => 'complete',
        () => 'dropped',
      );
      expect(await within(server.close(), 1500)).not.toBe(PENDING);
      expect(await within(body, 1000)).toBe('dropped');
    } finally {
      await within(server.close(), 1000);
    }
  });

  it('streams a slow_body over the time given', async () => {
    const server = await serve();
    server.emulator.inject({ type: 'slow_body', ms: 400 });
    const started = performance.now();
    const response = await post(server, 'start', startParams('CA1'));
    const headersAt = performance.now() - started;
    const body = await response.json();
    const bodyAt = performance.now() - started;
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ call_id: 'CA1', customer_ref: expect.any(String) });
    expect(bodyAt).toBeGreaterThanOrEqual(300);
    expect(bodyAt - headersAt).toBeGreaterThanOrEqual(200);
  });

  it('lets a client with a short attemptTimeout give up a slow body and retry; the end had landed', async () => {
    const server = await serve();
    const sticky = clientFor(server, { timeout: 1500, attemptTimeout: 150 });
    const ctx = await sticky.calls.start(startParams('CA1'));
    server.emulator.inject({ type: 'slow_body', ms: 1000, operation: 'end' });
    const started = performance.now();
    const saved = await sticky.calls.end({
      call_id: 'CA1',
      customer_ref: ctx.customer_ref,
      intent: 'billing',
    });
    expect(saved).toMatchObject({ call_id: 'CA1', already_saved: true });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.emulator.requests.filter((r) => r.operation === 'end').map((r) => r.status)).toEqual([
      200, 409,
    ]);
  });

  it('lets a client wait for a slow body within its attempt timeout', async () => {
    const server = await serve();
    server.emulator.inject({ type: 'slow_body', ms: 300 });
    const started = performance.now();
    const ctx = await clientFor(server, { attemptTimeout: 1200 }).calls.start(startParams('CA1'));
    expect(ctx).toMatchObject({ call_id: 'CA1', customer_ref: expect.any(String) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(server.emulator.requests).toHaveLength(1);
  });
});

describe('serving an existing emulator', () => {
  it("serves that emulator's state, and records into it", async () => {
    const emulator = createEmulator();
    const seeded = await emulator.handle(
      new Request('http://emulator.test/v1/calls/start', {
        method: 'POST',
        headers: { authorization: `Bearer ${EMULATOR_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(startParams('CA1')),
      }),
    );
    const { customer_ref: customerRef } = (await seeded.json()) as { customer_ref: string };

    const server = await serve({ emulator });
    expect(server.emulator).toBe(emulator);
    const ctx = await clientFor(server).calls.start(startParams('CA2'));
    expect(ctx.customer_ref).toBe(customerRef);
    expect(ctx.identity.confidence).toBeGreaterThan(0);
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(emulator.usage).toEqual({ start: 2, end: 0 });
  });

  it('shares one emulator between two servers', async () => {
    const emulator = createEmulator();
    const first = await serve({ emulator });
    const second = await serve({ emulator });
    const ctx = await clientFor(first).calls.start(startParams('CA1'));
    await expect(clientFor(second).calls.start(startParams('CA1'))).rejects.toMatchObject({ status: 409 });
    const again = await clientFor(second).calls.start(startParams('CA2'));
    expect(again.customer_ref).toBe(ctx.customer_ref);
  });

  it('keeps the state after close, for a server started again', async () => {
    const emulator = createEmulator();
    const first = await startEmulatorServer({ emulator });
    let customerRef: string;
    try {
      customerRef = (await clientFor(first).calls.start(startParams('CA1'))).customer_ref;
    } finally {
      await first.close();
    }
    const second = await serve({ emulator });
    expect((await clientFor(second).calls.start(startParams('CA2'))).customer_ref).toBe(customerRef);
  });
});
