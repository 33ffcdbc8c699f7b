/**
 * Cold start of a bundled Function against the same Function unbundled: a fresh Node process
 * loads the Function file and serves its first invocation against the loopback emulator
 * (cold-start-child.cjs, as in cold-start.ts), then exits. Ours is the caller-context Function
 * that `npm run make:service` writes (one file, the SDK inlined by esbuild), made into a
 * temporary folder from the packages as built; the baseline is the serverless example's own
 * one-line Function, which requires the built CommonJS adapter and core from node_modules.
 * Runs alternate which goes first.
 *
 * Alone: `pnpm --filter @stickycalls/bench exec tsx src/bundled-cold-start.ts` (after building
 * the packages).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import { markdownTable, median, ms, out, type Row, ratio } from './report.js';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = resolve(import.meta.dirname, 'cold-start-child.cjs');
const UNBUNDLED = join(ROOT, 'examples/twilio-serverless/functions/caller-context.protected.js');

interface Sample {
  readonly wall: number;
  readonly inside: number;
}

function once(file: string, url: string): Promise<Sample> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CHILD, file, url, EMULATOR_API_KEY], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.once('error', fail);
    child.once('exit', () => {
      const wall = performance.now() - started;
      try {
        const { elapsed, ok } = JSON.parse(text) as { elapsed: number; ok: boolean };
        if (!ok) throw new Error('no context in the answer');
        done({ wall, inside: elapsed });
      } catch (error) {
        fail(new Error(`cold start of ${file} failed: ${String(error)} (${text})`));
      }
    });
  });
}

/** `npm run make:service` into a temporary folder, from the packages as they are built. */
function makeService(dir: string): string {
  const made = spawnSync(process.execPath, [join(ROOT, 'scripts/make-service.mjs'), dir, '--no-build'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: ROOT },
  });
  if (made.status !== 0) throw new Error(`make-service failed: ${made.stderr || made.stdout}`);
  return join(dir, 'functions', 'caller-context.protected.js');
}

export async function bundledColdStart(): Promise<Row[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'stickycalls-bench-service-'));
  const server = await startEmulatorServer();
  try {
    const bundled = makeService(join(scratch, 'service'));
    const bundledSamples: Sample[] = [];
    const unbundledSamples: Sample[] = [];
    await once(bundled, server.url);
    await once(UNBUNDLED, server.url);
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        bundledSamples.push(await once(bundled, server.url));
        unbundledSamples.push(await once(UNBUNDLED, server.url));
      } else {
        unbundledSamples.push(await once(UNBUNDLED, server.url));
        bundledSamples.push(await once(bundled, server.url));
      }
    }
    const section = 'Bundled Function cold start (make:service; baseline: the example unbundled)';
    const rows: Row[] = [];
    for (const [key, measure] of [
      ['wall', `spawn → first answer → exit, median of ${RUNS} each`],
      ['inside', `require of the Function file + first invocation, median of ${RUNS} each`],
    ] as const) {
      const b = median(bundledSamples.map((sample) => sample[key]));
      const u = median(unbundledSamples.map((sample) => sample[key]));
      rows.push({
        section,
        measure,
        ours: ms(b),
        baseline: ms(u),
        ratio: ratio(b, u),
        // Node's own start-up is in the wall time, the same for both: the target is on the load.
        ...(key === 'inside'
          ? { target: 'faster than unbundled (ratio < 1.00)', met: b < u }
          : { target: '' }),
      });
    }
    rows.push({
      section,
      measure: 'size of the Function file (the bundle holds the adapter, core and their dependencies)',
      ours: `${(statSync(bundled).size / 1024).toFixed(1)} KB`,
      baseline: `${(statSync(UNBUNDLED).size / 1024).toFixed(1)} KB + node_modules`,
      ratio: '—',
      target: '',
    });
    return rows;
  } finally {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  out(markdownTable(await bundledColdStart()));
}
