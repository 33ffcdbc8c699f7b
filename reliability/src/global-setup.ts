/**
 * Before the suite: checks the builds it scans exist, and makes a folder for each
 * file's results. After it: prints one line per category (cases tried and passed). A
 * test run leaves the tree as it found it: only `pnpm --filter @stickycalls/reliability
 * results` (RELIABILITY_RESULTS=write), when every category ran, writes the
 * lines to reliability/RESULTS.md and into bench/RESULTS.md between the reliability
 * markers.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CATEGORIES, type FileResult } from './categories.js';

const ROOT = new URL('../../', import.meta.url).pathname;
export const BUILDS = [
  'packages/core/dist/index.js',
  'packages/twilio-function-adapter/dist/index.js',
  'packages/flex-react/dist/index.js',
];
const START = '<!-- reliability:start -->';
const END = '<!-- reliability:end -->';

export default function setup(project: TestProject): () => void {
  const missing = BUILDS.filter((path) => !existsSync(join(ROOT, path)));
  if (missing.length > 0) {
    throw new Error(
      `The reliability suite scans the built packages, and ${missing.join(', ')} is missing: run \`pnpm build\` first.`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'stickycalls-reliability-'));
  project.provide('resultsDir', dir);
  const started = Date.now();

  return () => {
    const results = readdirSync(dir).map(
      (name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as FileResult,
    );
    rmSync(dir, { recursive: true, force: true });
    if (results.length === 0) return;
    const lines = summarize(results);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `\nReliability and security suite (${seconds} s)\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
    );
    if (process.env.RELIABILITY_RESULTS !== 'write') return;
    const complete = CATEGORIES.every((c) => results.some((r) => r.category === c.name));
    if (!complete) {
      process.stdout.write('  (not every category ran: RESULTS.md left as it was)\n');
      return;
    }
    const section = [
      '## Reliability and security suite',
      '',
      'Cases tried and passed per category, from a full run of `reliability/` (`vitest run`, part of `pnpm test:unit`); written only by `pnpm --filter @stickycalls/reliability results`.',
      '',
      '```text',
      ...lines,
      '```',
    ].join('\n');
    writeFileSync(join(ROOT, 'reliability/RESULTS.md'), `${section}\n`);
    const benchPath = join(ROOT, 'bench/RESULTS.md');
    const bench = readFileSync(benchPath, 'utf8');
    const block = `${START}\n${section}\n${END}`;
    const at = bench.indexOf(START);
    const endAt = bench.indexOf(END, at);
    const next =
      at >= 0 && endAt > at
        ? `${bench.slice(0, at)}${block}${bench.slice(endAt + END.length)}`
        : `${bench.replace(/\n*$/, '\n')}\n${block}\n`;
    if (next !== bench) writeFileSync(benchPath, next);
  };
}

function summarize(results: readonly FileResult[]): string[] {
  const scans = results.reduce(
    (sum, r) => ({
      tried: sum.tried + r.scans.tried,
      passed: sum.passed + r.scans.passed,
      artifacts: sum.artifacts + r.scans.artifacts,
    }),
    { tried: 0, passed: 0, artifacts: 0 },
  );
  return CATEGORIES.map(({ name }) => {
    const own = results.filter((r) => r.category === name);
    let tried = own.reduce((sum, r) => sum + r.tried, 0);
    let passed = own.reduce((sum, r) => sum + r.passed, 0);
    const notes = own.flatMap((r) => r.notes);
    if (name === 'secrets') {
      tried += scans.tried;
      passed += scans.passed;
      notes.push(
        `${scans.tried} of them scans of every file's log lines, response bodies and errors, ${scans.artifacts} captured`,
      );
    }
    if (name === 'xss') notes.push('jsdom here; the real-browser check runs in `pnpm test:browser`');
    if (own.length === 0) return `${name}: not run`;
    return `${name}: ${tried} cases, ${passed} passed${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  });
}
