// Client overhead per call against a bare fetch of the same request to the same
// loopback emulator. Both run in alternating rounds in one process, so machine noise
// falls on both alike. Needs the build: `pnpm --filter @stickycalls/core build`. The
// package is imported by its name, so Node takes the build its `node` condition names.
import { createStickyCallsClient } from '@stickycalls/core';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import ky from 'ky';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 50);
const WARMUP = 100;

const server = await startEmulatorServer();
const sticky = createStickyCallsClient({ apiKey: EMULATOR_API_KEY, baseUrl: server.url });
const url = `${server.url}/v1/calls/start`;
// A fixed set of 50 callers, each calling again and again: the emulator's work per call
// stays the same however long the run, so the bare fetch's median does not drift.
const CALLERS = 50;
let sequence = 0;
const params = () => ({
  call_id: `CA${++sequence}`,
  identity_hints: { ani: `+1415555${String(sequence % CALLERS).padStart(4, '0')}` },
});

const HEADERS = {
  authorization: `Bearer ${EMULATOR_API_KEY}`,
  'content-type': 'application/json',
  accept: 'application/json',
};

async function bare() {
  const response = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify(params()),
  });
  if (!response.ok) throw new Error(`bare fetch answered ${response.status}`);
  await response.json();
}

// ky alone, as the client uses it: a request prepared under the base URL and sent with the
// same fetch call as the bare one. What it costs over the bare fetch is the floor of any
// client that keeps ky in each call's path.
const http = ky.create({ prefixUrl: server.url, retry: 0, timeout: false, throwHttpErrors: false });
async function kyAlone() {
  const body = JSON.stringify(params());
  const response = await http.post('v1/calls/start', {
    fetch: (request) => fetch(request.url, { method: request.method, headers: HEADERS, body }),
  });
  if (!response.ok) throw new Error(`ky answered ${response.status}`);
  await response.json();
}

async function client() {
  await sticky.calls.start(params());
}

async function sample(fn, samples) {
  for (let i = 0; i < PER_ROUND; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
}

for (let i = 0; i < WARMUP; i++) {
  await bare();
  await kyAlone();
  await client();
}
const bareSamples = [];
const kySamples = [];
const clientSamples = [];
const runs = [
  [bare, bareSamples],
  [kyAlone, kySamples],
  [client, clientSamples],
];
for (let round = 0; round < ROUNDS; round++) {
  // Rotate which goes first, so none always runs on a warmer machine.
  for (let j = 0; j < runs.length; j++) {
    const [fn, samples] = runs[(round + j) % runs.length];
    await sample(fn, samples);
  }
}
await server.close();

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const row = (name, values) =>
  `${name.padEnd(22)} ${quantile(values, 0.5).toFixed(3).padStart(8)} ${quantile(values, 0.95).toFixed(3).padStart(8)}`;
const bareMedian = quantile(bareSamples, 0.5);
const overhead = quantile(clientSamples, 0.5) - bareMedian;

console.log(`calls.start on loopback, ${bareSamples.length} calls each (Node ${process.versions.node})`);
console.log(`${''.padEnd(22)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}`);
console.log(row('bare fetch', bareSamples));
console.log(row('ky alone', kySamples));
console.log(row('client.calls.start', clientSamples));
console.log(
  `overhead: ${overhead.toFixed(3)} ms per call = ${((overhead / bareMedian) * 100).toFixed(1)} % of the bare median (target ≤ 10 %)`,
);
const kyOverhead = quantile(kySamples, 0.5) - bareMedian;
console.log(
  `ky alone: ${kyOverhead.toFixed(3)} ms per call = ${((kyOverhead / bareMedian) * 100).toFixed(1)} % of the bare median (the floor with ky in the path)`,
);
