/**
 * Client overhead per call: runs the core package's own benchmark
 * (packages/core/bench/client-overhead.mjs: client.calls.start, ky alone sending the same
 * request with the same fetch call, and a bare fetch of it, to the loopback emulator, in
 * rotating rounds in one process) and reads its medians. ky alone over the bare fetch is
 * the floor of any client that keeps ky in each call's path.
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
  const kyAlone = p50('ky alone');
  const client = p50('client.calls.start');
  const overhead = (client - bare) / bare;
  const floor = (kyAlone - bare) / bare;
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
    {
      section: 'Client overhead per call',
      measure: `ky alone (the same request and fetch call) vs the bare fetch: the floor with ky in each call's path (${(floor * 100).toFixed(1)} %)`,
      ours: ms(kyAlone),
      baseline: ms(bare),
      ratio: ratio(kyAlone, bare),
      target: '',
    },
  ];
}
