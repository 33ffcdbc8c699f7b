/**
 * Runs before every file: captures every console line and every write to stdout and
 * stderr, and when the file ends scans them, with the response bodies and errors the
 * file captured (kit.ts), for the suite's secrets (kit.ts). Then it records the
 * file's cases for the summary (global-setup.ts).
 */
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, inject, vi } from 'vitest';
import { CATEGORIES, type FileResult } from './categories.js';
import { captured, SECRETS } from './kit.js';
import { notes } from './notes.js';

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] };

const originalWrite = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

beforeAll(() => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      captured.logs.push(args.map((arg) => (typeof arg === 'string' ? arg : safe(arg))).join(' '));
    });
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    process[stream].write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (originalWrite[stream] as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  }
});

// biome-ignore lint/correctness/noEmptyPattern: vitest wants a destructured context first; the file is the second argument
afterAll(({}, file) => {
  process.stdout.write = originalWrite.stdout;
  process.stderr.write = originalWrite.stderr;
  vi.restoreAllMocks();

  const kinds = [captured.logs, captured.bodies, captured.errors];
  const leaks = kinds.map((texts) => texts.filter((text) => SECRETS.some((secret) => text.includes(secret))));
  const tests = collect(file as unknown as Task);
  const name = basename((file as unknown as { filepath?: string }).filepath ?? '');
  const category = CATEGORIES.find((c) => c.file === name)?.name ?? name;
  const result: FileResult = {
    category,
    tried: tests.filter((t) => t.result?.state === 'pass' || t.result?.state === 'fail').length,
    passed: tests.filter((t) => t.result?.state === 'pass').length,
    scans: {
      tried: kinds.length,
      passed: leaks.filter((found) => found.length === 0).length,
      artifacts: kinds.reduce((sum, texts) => sum + texts.length, 0),
    },
    notes,
  };
  writeFileSync(join(inject('resultsDir'), `${name}.json`), JSON.stringify(result));
  // A secret in any log line, response body or error fails the file.
  expect(leaks.flat(), `${category}: a secret appeared in the output`).toEqual([]);
});

function collect(task: Task): Task[] {
  return (task.tasks ?? []).flatMap((child) => (child.type === 'test' ? [child] : collect(child)));
}

function safe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
