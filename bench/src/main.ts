/**
 * `pnpm bench`: every benchmark beside its baseline, one markdown table on stdout and in
 * bench/RESULTS.md. Run after `pnpm build`. A benchmark that fails is reported as failed
 * in the table; the run itself never fails.
 */
import { Console } from 'node:console';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { attributeSize } from './attribute-size.js';
import { chromiumRender } from './chromium-render.js';
import { clientOverhead } from './client-overhead.js';
import { coldStart } from './cold-start.js';
import { fetchAdapterLatency } from './fetch-adapter.js';
import { flexBundle, panelRender } from './flex-panel.js';
import { handlerLatency } from './handler-latency.js';
import { markdownTable, out, type Row } from './report.js';
import { saveLoad } from './save-load.js';

// The baselines log whole error objects (as the guide writes them), which can hold the
// Authorization header: nothing of theirs may reach this output. The benchmark prints
// with `out`, to stdout directly.
globalThis.console = new Console(new Writable({ write: (_chunk, _encoding, done) => done() }));

const benchmarks: [string, () => Row[] | Promise<Row[]>][] = [
  ['Start handler latency', handlerLatency],
  ['Start handler on the fetch adapter', fetchAdapterLatency],
  ['Client overhead per call', clientOverhead],
  ['Function cold start', coldStart],
  ['Task-attribute size', attributeSize],
  ['Flex package bundle', flexBundle],
  ['Save path under load', saveLoad],
  ['Panel render in jsdom', panelRender],
  ['Panel mount in Chromium', chromiumRender],
];

// `BENCH_ONLY=<words>` runs the benchmarks whose name holds any of them (case ignored) and
// only prints: RESULTS.md is written from whole runs.
const only = (process.env.BENCH_ONLY ?? '')
  .toLowerCase()
  .split(/[\s,]+/)
  .filter(Boolean);
const chosen = benchmarks.filter(
  ([name]) => only.length === 0 || only.some((word) => name.toLowerCase().includes(word)),
);

const started = performance.now();
const rows: Row[] = [];
for (const [name, run] of chosen) {
  const t = performance.now();
  out(`running: ${name}…`);
  try {
    rows.push(...(await run()));
    out(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    out(`  failed: ${message}`);
    rows.push({
      section: name,
      measure: `failed: ${message}`,
      ours: '—',
      baseline: '—',
      ratio: '—',
      target: '',
    });
  }
}

const cpu = cpus();
const machine = `Node ${process.versions.node}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, ${process.platform}/${process.arch}`;
const date = new Date().toISOString();
const table = markdownTable(rows);
const seconds = ((performance.now() - started) / 1000).toFixed(0);
out('');
out(table);
out('');
out(`${machine}; ${date}; ${seconds} s`);
if (only.length > 0) {
  out('BENCH_ONLY is set: bench/RESULTS.md is left as it was');
  process.exit(0);
}

// The reliability suite's counts live in a marked section of the same file, written by
// `pnpm --filter @stickycalls/reliability results`: keep it.
const resultsFile = resolve(import.meta.dirname, '../RESULTS.md');
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const reliability = /<!-- reliability:start -->[\s\S]*<!-- reliability:end -->/.exec(previous)?.[0];

writeFileSync(
  resultsFile,
  `# Benchmark results

Ours next to the baseline (the vendor Flex guide's code, hand-written in \`bench/baselines/\`), measured in the same run
and interleaved; every time is a median of repeated runs; ratio = ours ÷ baseline unless it says otherwise. How each
figure is measured: [README.md](README.md). Regenerate with \`pnpm build && pnpm bench\`.

- Machine: ${machine}
- Date: ${date}
- Whole run: ${seconds} s

${table}
${reliability ? `\n${reliability}\n` : ''}`,
);
out('written to bench/RESULTS.md');
// twilio-run children and hanging sockets are gone; do not wait for stray timers.
process.exit(0);
