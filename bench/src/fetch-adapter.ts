/**
 * The start handler on `@stickycalls/fetch-adapter` against the same handler on the
 * Twilio Function adapter: the same core handler, bound to fetch's Request and Response
 * (with Twilio's signature checked, by Web Crypto) or to a Function's context, event and
 * callback. Both in this process against the core's emulator on loopback, healthy,
 * interleaved in rounds; the callers are a fixed set of 50 numbers. A third row serves
 * the fetch handler over `node:http` (toNodeListener) with a client on loopback, as it
 * runs outside Twilio, beside the in-process call of the Function.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import { createCallerContextHandler as fetchStartHandler } from '@stickycalls/fetch-adapter';
import { toNodeListener } from '@stickycalls/fetch-adapter/node';
import { createCallerContextHandler } from '@stickycalls/twilio-function-adapter';
import { createFakeContext, invoke } from '@stickycalls/twilio-function-adapter/testing';
import { median, ms, type Row, ratio, ratioAtMost } from './report.js';

const ROUNDS = Number(process.env.BENCH_FETCH_ROUNDS ?? 20);
const PER_ROUND = 10;
const CALLERS = 50;
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';

export async function fetchAdapterLatency(): Promise<Row[]> {
  const server = await startEmulatorServer();
  const env = { AUTH_TOKEN, STICKY_CALLS_API_KEY: EMULATOR_API_KEY, STICKY_CALLS_BASE_URL: server.url };
  const silent = { info() {}, warn() {}, error() {} };
  const functionHandler = createCallerContextHandler({ logger: silent });
  const fetchHandler = fetchStartHandler({ logger: silent, env });
  const context = createFakeContext(env);
  const http = createServer(toNodeListener(fetchHandler));
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  const served = `http://127.0.0.1:${(http.address() as AddressInfo).port}/caller-context`;
  let sequence = 0;
  const params = () => ({
    CallSid: `CA${(++sequence).toString(16).padStart(32, '0')}`,
    From: `+1415555${String(sequence % CALLERS).padStart(4, '0')}`,
    To: '+18005550100',
  });
  const signed = (url: string, form: Record<string, string>): RequestInit => ({
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': createHmac('sha1', AUTH_TOKEN)
        .update(
          Object.keys(form)
            .sort()
            .reduce((text, name) => `${text}${name}${form[name]}`, url),
        )
        .digest('base64'),
    },
    body: new URLSearchParams(form).toString(),
  });
  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const runs = {
    function: () => timed(() => invoke(functionHandler, { context, event: params(), settleMs: 0 })),
    fetch: () => {
      const url = 'https://hooks.example.com/caller-context';
      return timed(async () => {
        const response = await fetchHandler(new Request(url, signed(url, params())));
        await response.text();
      });
    },
    http: () =>
      timed(async () => {
        const response = await fetch(served, signed(served, params()));
        await response.text();
      }),
  };
  try {
    for (let i = 0; i < 30; i++) for (const run of Object.values(runs)) await run();
    const samples = { function: [] as number[], fetch: [] as number[], http: [] as number[] };
    const names = Object.keys(runs) as (keyof typeof runs)[];
    for (let round = 0; round < ROUNDS; round++) {
      // A different order each round, so no handler always runs after the same one.
      const order = names.map((_, i) => names[(i + round) % names.length] as keyof typeof runs);
      for (const name of order) for (let i = 0; i < PER_ROUND; i++) samples[name].push(await runs[name]());
    }
    const section = 'Start handler, fetch adapter (baseline: the Function adapter)';
    const row = (measure: string, ours: number[], limit?: number): Row => ({
      section,
      measure,
      ours: ms(median(ours)),
      baseline: ms(median(samples.function)),
      ratio: ratio(median(ours), median(samples.function)),
      target: limit === undefined ? '' : `ratio ≤ ${limit.toFixed(2)}`,
      met: limit === undefined ? undefined : ratioAtMost(median(ours), median(samples.function), limit),
    });
    return [
      // The signature check (an HMAC and the body read as a Request) is work the Function
      // adapter leaves to Twilio: within a tenth of it.
      row(
        `in process, healthy API, signature checked, median of ${samples.fetch.length} each`,
        samples.fetch,
        1.1,
      ),
      row(
        `served by node:http with a client on loopback, against the Function in process, median of ${samples.http.length} each`,
        samples.http,
      ),
    ];
  } finally {
    await new Promise((done) => http.close(done));
    await server.close();
  }
}
