import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { createStickyCallsClient } from '@stickycalls/core';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import { startRuntime } from '../../examples/demo/src/runtime.js';
import { median, ms, quantile, type Row, ratio, sleep } from './report.js';

const require = createRequire(import.meta.url);
const CONCURRENCY = Number(process.env.BENCH_LOAD_CONCURRENCY ?? 8);
const ROUND_MS = Number(process.env.BENCH_LOAD_ROUND_MS ?? 6000);
const ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 3);
const BENCH_DIR = resolve(import.meta.dirname, '..');
const WORKER = `WK${'b'.repeat(32)}`;

const { saveWrapUp } = require('../baselines/plugin-save.js') as {
  saveWrapUp: (url: string, task: object) => Promise<Response>;
};

interface Tally {
  sent: string[];
  latencies: number[];
  ok: number;
  elapsedMs: number;
}

export async function saveLoad(): Promise<Row[]> {
  const emulator = await startEmulatorServer();
  const stops: (() => Promise<void>)[] = [() => emulator.close()];
  try {
    const token = `bench-${randomBytes(12).toString('base64url')}`;
    const tokens = { [token]: { worker_sid: WORKER, roles: ['agent'], identity: 'bench-agent' } };
    const env = {
      ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      AUTH_TOKEN: randomBytes(16).toString('hex'),
      STICKY_CALLS_API_KEY: EMULATOR_API_KEY,
      STICKY_CALLS_BASE_URL: emulator.url,
      TWILIO_WORKSPACE_SID: `WS${'0'.repeat(32)}`,
    };
    const [ours, guide] = await Promise.all([
      startRuntime({ env, tokens, onSpawn: (stop) => stops.push(stop) }),
      // The guide's Functions in the same runtime, with the same IAM stand-in.
      startRuntime({
        env,
        tokens,
        serviceDir: BENCH_DIR,
        functionsFolder: 'baselines/functions',
        onSpawn: (stop) => stops.push(stop),
      }),
    ]);

    // Customers known to the API (each wrap-up is a new call of one of them).
    const sticky = createStickyCallsClient({ apiKey: EMULATOR_API_KEY, baseUrl: emulator.url });
    const customers: string[] = [];
    for (let i = 0; i < 20; i++) {
      const started = await sticky.calls.start({
        call_id: `CA${randomBytes(16).toString('hex')}`,
        identity_hints: { ani: `+1415555${String(1000 + i)}` },
      });
      customers.push(started.customer_ref);
    }
    let sequence = 0;
    const wrapUp = () => {
      sequence += 1;
      return {
        callSid: `CA${randomBytes(16).toString('hex')}`,
        customerRef: customers[sequence % customers.length] as string,
        summary: `Wrap-up ${sequence}: kettle arrived broken; refund promised within 5 days.`,
        disposition: 'refund_promised',
      };
    };
    const post = {
      ours: async (w: ReturnType<typeof wrapUp>) =>
        fetch(`${ours.url}/save-context`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: 'https://flex.twilio.com' },
          body: JSON.stringify({
            Token: token,
            call_id: w.callSid,
            customer_ref: w.customerRef,
            intent: 'refund_request',
            intent_status: 'open',
            variables: { summary: w.summary, disposition: w.disposition },
          }),
          signal: AbortSignal.timeout(15_000),
        }),
      guide: async (w: ReturnType<typeof wrapUp>) =>
        saveWrapUp(guide.url, {
          attributes: { call_sid: w.callSid, customer_ref: w.customerRef, intent_resolved: false },
          // The guide reads these; a real Flex task has none of them (the guide's defect, not measured here).
          taskChannelUniqueName: 'refund_request',
          workspaceNote: w.summary,
          disposition: w.disposition,
        }),
    };
    const tallies = {
      ours: { sent: [], latencies: [], ok: 0, elapsedMs: 0 } as Tally,
      guide: { sent: [], latencies: [], ok: 0, elapsedMs: 0 } as Tally,
    };
    const rps = { ours: [] as number[], guide: [] as number[] };
    const round = async (name: 'ours' | 'guide') => {
      const tally = tallies[name];
      const started = performance.now();
      const until = started + ROUND_MS;
      let completed = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < until) {
            const w = wrapUp();
            tally.sent.push(w.callSid);
            const t = performance.now();
            const response = await post[name](w).catch(() => undefined);
            await response?.arrayBuffer().catch(() => undefined);
            tally.latencies.push(performance.now() - t);
            if (response?.ok) tally.ok += 1;
            completed += 1;
          }
        }),
      );
      const elapsed = performance.now() - started;
      tally.elapsedMs += elapsed;
      rps[name].push((completed / elapsed) * 1000);
    };
    // A short warm-up of each (not counted), then alternating rounds.
    await Promise.all([post.ours(wrapUp()), post.guide(wrapUp())]);
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of r % 2 === 0 ? (['ours', 'guide'] as const) : (['guide', 'ours'] as const)) {
        await round(name);
      }
    }
    await sleep(500);
    const saved = new Set(
      emulator.emulator.requests
        .filter((request) => request.operation === 'end' && request.status === 200)
        .map((request) => (request.body as { call_id?: string }).call_id),
    );
    const lost = (tally: Tally) => tally.sent.filter((callSid) => !saved.has(callSid)).length;
    const section = `Save path under load (twilio-run, ${CONCURRENCY} concurrent wrap-ups, ${ROUNDS}×${ROUND_MS / 1000} s rounds each)`;
    const row = (
      measure: string,
      o: number,
      g: number,
      show: (v: number) => string,
      target = '',
      met?: boolean,
    ) => ({
      section,
      measure,
      ours: show(o),
      baseline: show(g),
      ratio: ratio(o, g),
      target,
      met,
    });
    const perSecond = (value: number) => `${value.toFixed(1)} req/s`;
    return [
      row('throughput, median of the rounds', median(rps.ours), median(rps.guide), perSecond),
      row('latency p50', median(tallies.ours.latencies), median(tallies.guide.latencies), ms),
      row('latency p99', quantile(tallies.ours.latencies, 0.99), quantile(tallies.guide.latencies, 0.99), ms),
      {
        section,
        measure: 'saves lost (wrap-ups sent that the emulator never saved)',
        ours: `${lost(tallies.ours)} of ${tallies.ours.sent.length}`,
        baseline: `${lost(tallies.guide)} of ${tallies.guide.sent.length}`,
        ratio: '—',
        target: 'ours 0',
        met: lost(tallies.ours) === 0,
      },
    ];
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
