/**
 * Client overhead per call: runs the core package's own benchmark
 * (packages/core/bench/client-overhead.mjs: client.calls.start and a bare fetch of the
 * same request to the loopback emulator, alternating rounds in one process) and reads
 * its medians.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ms, type Row, ratio } from './report.js';

const SCRIPT = resolve(import.meta.dirname, '../../packages/core/bench/client-overhead.mjs');

export function clientOverhead(): Row[] {
  const output = execFileSync(process.execPath, [SCRIPT], {
    cwd: resolve(import.meta.dirname, '../../packages/core'),
    encoding: 'utf8',
    env: process.env,
  });
  const p50 = (label: string) => {
    const line = output.split('\n').find((text) => text.startsWith(label));
    const value = Number(line?.slice(label.length).trim().split(/\s+/)[0]);
    if (!Number.isFinite(value)) throw new Error(`could not read "${label}" in:\n${output}`);
    return value;
  };
  const calls = /(\d+) calls each/.exec(output)?.[1] ?? '?';
  const bare = p50('bare fetch');
  const client = p50('client.calls.start');
  const overhead = (client - bare) / bare;
  return [
    {
      section: 'Client overhead per call',
      measure: `calls.start vs a bare fetch of the same request, median of ${calls} each (overhead ${(overhead * 100).toFixed(1)} %)`,
      ours: ms(client),
      baseline: ms(bare),
      ratio: ratio(client, bare),
      target: 'overhead ≤ 10 %',
      met: overhead <= 0.1,
    },
  ];
}
