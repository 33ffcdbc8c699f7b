/**
 * Cold start of the caller-context Function: a fresh Node process loads a Function file as
 * the runtime does and serves its first invocation against the loopback emulator
 * (cold-start-child.cjs), then exits. Three files, runs interleaved:
 *
 * - the guide's: baselines/functions/caller-context.js, which requires axios;
 * - ours as the serverless example deploys it: a one-line Function requiring the built
 *   CommonJS adapter and core from node_modules;
 * - ours as `npm run make:service` writes it: one file with the SDK, zod and ky inside,
 *   made into a temporary folder from the packages as built.
 *
 * Four figures each: wall time from spawn to exit (Node's own start-up included, the same
 * for all), the time inside the process from before the require to the callback, and the
 * process's peak memory and CPU time (every thread's) up to its answer.
 *
 * Alone: `BENCH_ONLY=cold pnpm bench`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import { median, ms, type Row, ratio, ratioAtMost } from './report.js';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 21);
const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = resolve(import.meta.dirname, 'cold-start-child.cjs');
const EXAMPLE = join(ROOT, 'examples/twilio-serverless/functions/caller-context.protected.js');
const GUIDE = resolve(import.meta.dirname, '../baselines/functions/caller-context.js');
/** The wall-time goal: ours at most this fraction of the guide's. */
const GOAL = 0.8;

interface Sample {
  readonly wall: number;
  readonly inside: number;
  readonly peakRssMb: number;
  readonly cpuMs: number;
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
        const sample = JSON.parse(text) as { elapsed: number; ok: boolean; peakRssMb: number; cpuMs: number };
        if (!sample.ok) throw new Error('no context in the answer');
        done({ wall, inside: sample.elapsed, peakRssMb: sample.peakRssMb, cpuMs: sample.cpuMs });
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

const FIGURES = [
  ['wall', 'spawn → first answer → exit', ms],
  ['inside', 'require of the Function file + first invocation', ms],
  ['peakRssMb', 'peak memory (max RSS) up to the answer', (value: number) => `${value.toFixed(1)} MB`],
  ['cpuMs', 'CPU time, every thread, up to the answer', ms],
] as const;

export async function coldStart(): Promise<Row[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'stickycalls-bench-service-'));
  const server = await startEmulatorServer();
  try {
    const bundled = makeService(join(scratch, 'service'));
    const files = { example: EXAMPLE, bundled, guide: GUIDE };
    const samples: Record<keyof typeof files, Sample[]> = { example: [], bundled: [], guide: [] };
    const order = Object.keys(files) as (keyof typeof files)[];
    // One unmeasured run each: the first spawn pays for the disk cache.
    for (const name of order) await once(files[name], server.url);
    for (let i = 0; i < RUNS; i++) {
      // Rotate which goes first, so none always runs on a warmer machine.
      for (let j = 0; j < order.length; j++) {
        const name = order[(i + j) % order.length] as keyof typeof files;
        samples[name].push(await once(files[name], server.url));
      }
    }
    const section = 'Function cold start (fresh Node process)';
    const rows: Row[] = [];
    for (const [key, what, format] of FIGURES) {
      const guide = median(samples.guide.map((sample) => sample[key]));
      for (const [name, label] of [
        ['example', 'one-line Function requiring the packages'],
        ['bundled', 'make:service bundle'],
      ] as const) {
        const value = median(samples[name].map((sample) => sample[key]));
        rows.push({
          section,
          measure: `${what}: ${label}, median of ${RUNS} each`,
          ours: format(value),
          baseline: format(guide),
          ratio: ratio(value, guide),
          ...(key === 'wall'
            ? { target: `ratio ≤ ${GOAL.toFixed(2)}`, met: ratioAtMost(value, guide, GOAL) }
            : { target: '' }),
        });
      }
    }
    rows.push({
      section,
      measure: 'size of the Function file (the bundle holds the adapter, core and their dependencies)',
      ours: `${(statSync(bundled).size / 1024).toFixed(1)} KB`,
      baseline: `${(statSync(GUIDE).size / 1024).toFixed(1)} KB + axios`,
      ratio: '—',
      target: '',
    });
    return rows;
  } finally {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
