// Cold load of the CommonJS build Node takes (the `node` export condition's, what a
// Twilio Function pays on a cold start), in fresh processes, next to a require of zod alone.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function timeRequire(specifier) {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(specifier)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    samples.push(
      Number(execFileSync(process.execPath, ['-e', script], { cwd: packageDir, encoding: 'utf8' })),
    );
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], max: samples[samples.length - 1] };
}

const rows = [
  ["require('zod'), for scale", timeRequire('zod')],
  ['@stickycalls/core (CJS)', timeRequire('@stickycalls/core')],
];
console.log(`cold require in a fresh process, ${RUNS} runs each (Node ${process.versions.node})`);
for (const [name, { median, max }] of rows) {
  console.log(
    `${name.padEnd(26)} median ${median.toFixed(1).padStart(6)} ms   max ${max.toFixed(1).padStart(6)} ms`,
  );
}
console.log(`target: @stickycalls/core median ≤ 25 ms`);
