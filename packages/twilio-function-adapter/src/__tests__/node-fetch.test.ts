/**
 * The Functions' HTTP transport on `node:http(s)`, against real loopback servers: the
 * core's emulator over HTTP for the whole handler, and a plain `node:http` server for
 * what a server may do on the wire (compressed, empty, redirected, hanging answers).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ATTRIBUTE_KEY } from '@stickycalls/core';
import { startEmulatorServer } from '@stickycalls/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCallerContextHandler } from '../index.js';
import { nodeFetch } from '../node-fetch.js';
import { createFakeContext, FakeResponse, invoke } from '../testing/index.js';
import { API_KEY, CALLER, callSid } from './kit.js';

type Reply = (request: http.IncomingMessage, response: http.ServerResponse) => void;
let reply: Reply = (_request, response) => response.end();
let base = '';
const server = http.createServer((request, response) => reply(request, response));
const sockets = new Set<import('node:net').Socket>();
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  vi.unstubAllGlobals();
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  server.close();
});

describe('the caller-context Function sends with node:http', () => {
  it("answers a caller's context with Node's fetch out of reach", async () => {
    const emulator = await startEmulatorServer({ apiKeys: [API_KEY] });
    vi.stubGlobal('fetch', () => Promise.reject(new Error('globalThis.fetch was called')));
    try {
      const handler = createCallerContextHandler({ Response: FakeResponse });
      const context = createFakeContext({
        STICKY_CALLS_API_KEY: API_KEY,
        STICKY_CALLS_BASE_URL: emulator.url,
      });
      const first = await invoke(handler, { context, event: { CallSid: callSid(), From: CALLER } });
      const again = await invoke(handler, { context, event: { CallSid: callSid(), From: CALLER } });
      const attributes = (answer: typeof first) =>
        (answer.body as Record<string, { status?: string; customer_ref?: string | null }>)[ATTRIBUTE_KEY];
      expect(attributes(first)?.status).toBe('ok');
      expect(attributes(again)?.status).toBe('ok');
      // The second call found the customer the first one made: both reached the API.
      expect(attributes(again)?.customer_ref).toBe(attributes(first)?.customer_ref);
    } finally {
      await emulator.close();
    }
  });

  it('sends with the fetch given in the client options instead', async () => {
    const emulator = await startEmulatorServer({ apiKeys: [API_KEY] });
    const given = vi.fn<typeof fetch>((input, init) => fetch(input, init));
    try {
      const handler = createCallerContextHandler({ Response: FakeResponse, client: { fetch: given } });
      const context = createFakeContext({
        STICKY_CALLS_API_KEY: API_KEY,
        STICKY_CALLS_BASE_URL: emulator.url,
      });
      const answer = await invoke(handler, { context, event: { CallSid: callSid(), From: CALLER } });
      expect((answer.body as Record<string, { status?: string }>)[ATTRIBUTE_KEY]?.status).toBe('ok');
      expect(given).toHaveBeenCalledTimes(1);
    } finally {
      await emulator.close();
    }
  });
});

describe('nodeFetch', () => {
  it('sends the method, headers and body, and reads status, headers and body', async () => {
    let seen: { method?: string | undefined; headers?: http.IncomingHttpHeaders; body?: string } = {};
    reply = (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen = { method: request.method, headers: request.headers, body: Buffer.concat(chunks).toString() };
        response.setHeader('set-cookie', ['a=1', 'b=2']);
        response.setHeader('retry-after', '3');
        response.writeHead(429, 'Slow Down', { 'content-type': 'application/json' });
        response.end('{"error":"rate_limited","note":"é"}');
      });
    };
    const response = await nodeFetch(`${base}/v1/calls/start`, {
      method: 'POST',
      headers: new Headers({ authorization: 'Bearer k', 'content-type': 'application/json' }),
      body: '{"call_id":"CAé"}',
    });
    expect(seen.method).toBe('POST');
    expect(seen.headers?.authorization).toBe('Bearer k');
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength('{"call_id":"CAé"}')));
    expect(seen.body).toBe('{"call_id":"CAé"}');
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(response.statusText).toBe('Slow Down');
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ error: 'rate_limited', note: 'é' });
  });

  it("answers as fetch does where Twilio's runtime has replaced the global Response", async () => {
    // twilio-run and Twilio's cloud set globalThis.Response to Twilio.Response, the class a
    // Function answers with: an answer built with the global would have no fetch headers.
    vi.stubGlobal(
      'Response',
      class TwilioResponse {
        headers: Record<string, string> = {};
      },
    );
    reply = (_request, response) => {
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
      response.end('{"error":"unavailable"}');
    };
    const response = await nodeFetch(`${base}/v1/calls/end`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    expect(response.ok).toBe(false);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.text()).toBe('{"error":"unavailable"}');
  });

  it('undoes a gzip encoding the server chose, as fetch does', async () => {
    reply = (_request, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
      response.end(gzipSync('{"customer_ref":"cust_1"}'));
    };
    expect(await (await nodeFetch(`${base}/`)).json()).toEqual({ customer_ref: 'cust_1' });
  });

  it('closes the socket of a compressed body that is cancelled before its end', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    reply = (request, response) => {
      closed = once(request.socket, 'close');
      response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
      // Part of a large gzip body, and never the rest.
      response.write(gzipSync(JSON.stringify({ notes: 'x'.repeat(200_000) })).subarray(0, 200));
    };
    const response = await nodeFetch(`${base}/`);
    await (response.body as ReadableStream<Uint8Array>).cancel();
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 2000)),
    ]);
    expect(outcome).toBe('closed');
  });

  it('answers 204 with no body', async () => {
    reply = (_request, response) => {
      response.writeHead(204);
      response.end();
    };
    const response = await nodeFetch(`${base}/`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('gives a redirect back as it is, never following it', async () => {
    let requests = 0;
    reply = (_request, response) => {
      requests += 1;
      response.writeHead(302, { location: '/elsewhere' });
      response.end();
    };
    const response = await nodeFetch(`${base}/v1/calls/end`, {
      method: 'POST',
      body: '{}',
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
    expect(requests).toBe(1);
  });

  it('refuses a status that fetch cannot represent, naming it', async () => {
    reply = (request, response) => {
      request.socket.end('HTTP/1.1 600 Odd\r\ncontent-length: 0\r\n\r\n');
      response.detachSocket(request.socket);
    };
    await expect(nodeFetch(`${base}/`)).rejects.toThrow(/status 600/);
  });

  it('rejects as fetch does when nothing listens, with the code as the cause', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');
    const failure = await nodeFetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe('fetch failed');
    expect(((failure as TypeError).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('gives up on a hanging server when the signal fires, with its reason, and closes the socket', async () => {
    let closedByClient: Promise<unknown> = Promise.resolve();
    reply = (request) => {
      closedByClient = once(request.socket, 'close');
    };
    const abort = new AbortController();
    const pending = nodeFetch(`${base}/`, { method: 'POST', body: '{}', signal: abort.signal });
    await vi.waitFor(() => expect(sockets.size).toBeGreaterThan(0));
    const reason = new Error('deadline');
    abort.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await closedByClient;
  });

  it('stops reading a body that never ends when the signal fires', async () => {
    reply = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    };
    const abort = new AbortController();
    const response = await nodeFetch(`${base}/`, { signal: abort.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"partial":');
    const next = reader.read();
    abort.abort(new Error('deadline'));
    await expect(next).rejects.toBeDefined();
  });

  it('refuses an aborted signal, another scheme and a body it cannot send, before sending anything', async () => {
    let requests = 0;
    reply = (_request, response) => {
      requests += 1;
      response.end();
    };
    const reason = new Error('cancelled');
    await expect(nodeFetch(`${base}/`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(nodeFetch('ftp://127.0.0.1/')).rejects.toThrow(/ftp: is not http or https/);
    await expect(nodeFetch(`${base}/`, { method: 'POST', body: new Uint8Array([1]) })).rejects.toThrow(
      /only a string body/,
    );
    await expect(nodeFetch('not a url')).rejects.toThrow(/URL is not valid/);
    expect(requests).toBe(0);
  });
});
