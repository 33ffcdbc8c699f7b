/**
 * Cold start of a Function: a fresh Node process loads the Function file (ours: the
 * serverless example's caller-context Function, which requires the built CJS adapter;
 * the guide's: baselines/functions/caller-context.js, which requires axios) and serves
 * its first invocation against the loopback emulator. Runs alternate.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { EMULATOR_API_KEY, startEmulatorServer } from '@stickycalls/core/testing';
import { median, ms, type Row, ratio } from './report.js';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const CHILD = resolve(import.meta.dirname, 'cold-start-child.cjs');
const OURS = resolve(
  import.meta.dirname,
  '../../examples/twilio-serverless/functions/caller-context.protected.js',
);
const GUIDE = resolve(import.meta.dirname, '../baselines/functions/caller-context.js');

function once(file: string, url: string): Promise<{ wall: number; inside: number }> {
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

export async function coldStart(): Promise<Row[]> {
  const server = await startEmulatorServer();
  try {
    const ours: { wall: number; inside: number }[] = [];
    const guide: { wall: number; inside: number }[] = [];
    await once(OURS, server.url);
    await once(GUIDE, server.url);
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        ours.push(await once(OURS, server.url));
        guide.push(await once(GUIDE, server.url));
      } else {
        guide.push(await once(GUIDE, server.url));
        ours.push(await once(OURS, server.url));
      }
    }
    const section = 'Function cold start (fresh Node process)';
    const pick = (samples: { wall: number; inside: number }[], key: 'wall' | 'inside') =>
      median(samples.map((sample) => sample[key]));
    const rows: Row[] = [];
    for (const [key, measure] of [
      ['wall', `spawn → first answer → exit, median of ${RUNS} each`],
      ['inside', `require of the Function file + first invocation, median of ${RUNS} each`],
    ] as const) {
      const o = pick(ours, key);
      const g = pick(guide, key);
      rows.push({
        section,
        measure,
        ours: ms(o),
        baseline: ms(g),
        ratio: ratio(o, g),
        target: 'not slower than the baseline (ratio ≤ 1.00)',
        met: o <= g,
      });
    }
    return rows;
  } finally {
    await server.close();
  }
}
