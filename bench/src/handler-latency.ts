/**
 * The start handler (createCallerContextHandler, its default 5 s deadline) against the
 * guide's Function (baselines/functions/caller-context.js: axios, no timeout), both
 * against the core's emulator on loopback, in this process, interleaved. Healthy API,
 * the same with 50 ms of network latency added to each answer (what a caller would feel
 * against an API in another region), an API answering in 3 s, and an API that never
 * answers (the platform kills a Function at 10 s: a handler that has not called back by
 * then counts as 10 s). The callers are a fixed set of 50 numbers, so the emulator's work
 * per call is the same however long the run.
 */
import { createRequire } from 'node:module';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import { createCallerContextHandler } from '@stickycalls/twilio-function-adapter';
import { createFakeContext, invoke } from '@stickycalls/twilio-function-adapter/testing';
import { median, ms, type Row, ratio, ratioAtMost } from './report.js';

type Handler = Parameters<typeof invoke>[0];

const require = createRequire(import.meta.url);
const HEALTHY_ROUNDS = Number(process.env.BENCH_HEALTHY_ROUNDS ?? 20);
const PER_ROUND = 10;
const SLOW_RUNS = Number(process.env.BENCH_SLOW_RUNS ?? 3);
const LATENCY_MS = 50;
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 30);
const CALLERS = 50;
const PLATFORM_LIMIT_MS = 10_000;
const DEADLINE_MS = 5000;

export async function handlerLatency(): Promise<Row[]> {
  const server = await startEmulatorServer();
  const context = createFakeContext({
    STICKY_CALLS_API_KEY: EMULATOR_API_KEY,
    STICKY_CALLS_BASE_URL: server.url,
  });
  const silent = { info() {}, warn() {}, error() {} };
  const ours = createCallerContextHandler({ logger: silent, timeoutMs: DEADLINE_MS });
  const guide = (require('../baselines/functions/caller-context.js') as { handler: Handler }).handler;
  let sequence = 0;
  const event = () => ({
    CallSid: `CA${(++sequence).toString(16).padStart(32, '0')}`,
    From: `+1415555${String(sequence % CALLERS).padStart(4, '0')}`,
    To: '+18005550100',
  });
  const latency = async (handler: Handler): Promise<number> => {
    const started = performance.now();
    return invoke(handler, { context, event: event(), timeoutMs: PLATFORM_LIMIT_MS, settleMs: 0 }).then(
      () => performance.now() - started,
      () => PLATFORM_LIMIT_MS,
    );
  };

  try {
    for (let i = 0; i < 30; i++) {
      await latency(ours);
      await latency(guide);
    }
    const healthy = { ours: [] as number[], guide: [] as number[] };
    for (let round = 0; round < HEALTHY_ROUNDS; round++) {
      const order = round % 2 === 0 ? (['ours', 'guide'] as const) : (['guide', 'ours'] as const);
      for (const name of order) {
        for (let i = 0; i < PER_ROUND; i++) healthy[name].push(await latency(name === 'ours' ? ours : guide));
      }
    }

    // 50 ms of latency on every answer: one call at a time, alternating which goes first.
    const distant = { ours: [] as number[], guide: [] as number[] };
    server.emulator.inject({ type: 'delay', ms: LATENCY_MS, operation: 'start', times: LATENCY_RUNS * 2 });
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const order = i % 2 === 0 ? (['ours', 'guide'] as const) : (['guide', 'ours'] as const);
      for (const name of order) distant[name].push(await latency(name === 'ours' ? ours : guide));
    }
    server.emulator.clearFaults();

    // Slow and hanging runs wait rather than compute: pairs run side by side.
    const sideBySide = async (fault: { type: 'delay'; ms: number } | { type: 'hang' }) => {
      server.emulator.inject({ ...fault, operation: 'start', times: SLOW_RUNS * 2 });
      const pairs = await Promise.all(
        Array.from({ length: SLOW_RUNS }, () => Promise.all([latency(ours), latency(guide)])),
      );
      server.emulator.clearFaults();
      return { ours: pairs.map(([o]) => o), guide: pairs.map(([, g]) => g) };
    };
    const slow = await sideBySide({ type: 'delay', ms: 3000 });
    const hanging = await sideBySide({ type: 'hang' });

    const section = 'Start handler latency (loopback emulator)';
    const row = (
      measure: string,
      samples: { ours: number[]; guide: number[] },
      target: string,
      met?: boolean,
      show = ms,
    ): Row => ({
      section,
      measure,
      ours: show(median(samples.ours)),
      baseline: show(median(samples.guide)),
      ratio: ratio(median(samples.ours), median(samples.guide)),
      target,
      met,
    });
    const hangShow = (value: number) => (value >= PLATFORM_LIMIT_MS ? `held to the 10 s limit` : ms(value));
    return [
      row(
        `healthy API, median of ${healthy.ours.length} each`,
        healthy,
        'ratio ≤ 1.00',
        ratioAtMost(median(healthy.ours), median(healthy.guide), 1),
      ),
      row(
        `healthy API ${LATENCY_MS} ms away (every answer delayed ${LATENCY_MS} ms), median of ${LATENCY_RUNS} each`,
        distant,
        'ratio ≤ 1.00',
        ratioAtMost(median(distant.ours), median(distant.guide), 1),
      ),
      row(`API answering in 3 s, median of ${SLOW_RUNS} each`, slow, ''),
      row(
        `API hanging, median of ${SLOW_RUNS} each (deadline ${DEADLINE_MS} ms)`,
        hanging,
        `ours ≤ ${DEADLINE_MS + 100} ms`,
        median(hanging.ours) <= DEADLINE_MS + 100,
        hangShow,
      ),
    ];
  } finally {
    await server.close();
  }
}
