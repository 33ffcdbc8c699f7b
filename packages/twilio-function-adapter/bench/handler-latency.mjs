// The start handler against the core's emulator on loopback, healthy and hanging,
// next to the vendor guide's hand-written Function (no timeout), and the cold load
// of the built handler module. Needs the builds: `pnpm -r build`.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import { createCallerContextHandler } from '../dist/index.js';
import { createFakeContext, invoke } from '../dist/testing/index.js';

const HEALTHY_RUNS = Number(process.env.BENCH_RUNS ?? 200);
const HANGING_RUNS = Number(process.env.BENCH_HANG_RUNS ?? 3);
const PLATFORM_LIMIT_MS = 10_000;
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

const server = await startEmulatorServer();
const context = createFakeContext({
  STICKY_CALLS_API_KEY: EMULATOR_API_KEY,
  STICKY_CALLS_BASE_URL: server.url,
});
const silent = { info() {}, warn() {}, error() {} };
const ours = createCallerContextHandler({ logger: silent });
let sequence = 0;
const event = () => ({
  CallSid: `CA${String(++sequence).padStart(32, '0')}`,
  From: '+14155551234',
  To: '+18005550100',
});

/** The vendor guide's Function, as its docs write it: fetch with no timeout, flat attributes. */
function guideHandler(ctx, evt, callback) {
  fetch(`${ctx.STICKY_CALLS_BASE_URL}/v1/calls/start`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ctx.STICKY_CALLS_API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      call_id: evt.CallSid,
      identity_hints: { ani: evt.From, external_ids: { twilio_call_sid: evt.CallSid } },
    }),
  })
    .then((response) => response.json())
    .then((data) =>
      callback(null, {
        customer_ref: data.customer_ref,
        identity_confidence: data.identity.confidence,
        identity_level: data.identity.level,
        variables: JSON.stringify(data.variables),
        open_intents: JSON.stringify(data.open_intents),
        call_start: data.call_start,
      }),
    )
    .catch(() =>
      callback(null, { customer_ref: '', identity_confidence: 0, identity_level: 'none', variables: '{}' }),
    );
}

/** Milliseconds until the handler calls back, or the platform's 10 s kill. */
async function latency(handler) {
  const started = performance.now();
  const answered = invoke(handler, {
    context,
    event: event(),
    timeoutMs: PLATFORM_LIMIT_MS,
    settleMs: 0,
  }).then(
    () => performance.now() - started,
    () => Number.POSITIVE_INFINITY,
  );
  return answered;
}

async function series(handler, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await latency(handler));
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], max: samples[samples.length - 1] };
}

const show = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : `killed at ${PLATFORM_LIMIT_MS} ms`);

for (let i = 0; i < 50; i++) await latency(ours);
const healthyOurs = await series(ours, HEALTHY_RUNS);
const healthyGuide = await series(guideHandler, HEALTHY_RUNS);
server.emulator.inject({ type: 'hang', times: 1000 });
const hangingOurs = await series(ours, HANGING_RUNS);
const hangingGuide = await series(guideHandler, 1);
server.emulator.clearFaults();
await server.close();

function coldLoad(runs = 15) {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(join(packageDir, 'dist', 'index.cjs'))}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const samples = [];
  for (let i = 0; i < runs; i++)
    samples.push(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

console.log(
  `caller-context handler vs the vendor guide's Function, emulator on loopback (Node ${process.versions.node})`,
);
console.log(
  `healthy API, median of ${HEALTHY_RUNS}:  ours ${show(healthyOurs.median)} (max ${show(healthyOurs.max)}), guide ${show(healthyGuide.median)} → ratio ${(healthyOurs.median / healthyGuide.median).toFixed(2)}`,
);
console.log(
  `hanging API, deadline 5000 ms:   ours ${show(hangingOurs.median)} (max ${show(hangingOurs.max)}; target ≤ 5100 ms), guide ${show(hangingGuide.median)}`,
);
console.log(`cold require of dist/index.cjs (core included), median of 15: ${coldLoad().toFixed(1)} ms`);
