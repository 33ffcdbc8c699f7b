/** The suite's categories, in the order the summary prints them, by test file. */
export const CATEGORIES = [
  { file: 'fault-matrix.test.ts', name: 'fault matrix' },
  { file: 'no-data-lost.test.tsx', name: 'no data lost' },
  { file: 'bad-input.test.ts', name: 'bad input' },
  { file: 'secrets.test.ts', name: 'secrets' },
  { file: 'auth.test.ts', name: 'auth' },
  { file: 'binding.test.ts', name: 'binding' },
  { file: 'xss.test.tsx', name: 'xss' },
  { file: 'secret-echoes.test.ts', name: 'secret echoes' },
  { file: 'log-forging.test.ts', name: 'log forging' },
  { file: 'input-limits.test.ts', name: 'input limits' },
  { file: 'bidi.test.tsx', name: 'bidi isolation' },
  { file: 'blame.test.ts', name: 'blame' },
  { file: 'never-throws.test.ts', name: 'never throws' },
  { file: 'safety-net-load.test.ts', name: 'safety net load' },
  { file: 'emulator-faults.test.ts', name: 'emulator faults' },
] as const;

export type CategoryName = (typeof CATEGORIES)[number]['name'];

/** What one file reports: its cases, and notes for the summary line. */
export interface FileResult {
  readonly category: string;
  readonly tried: number;
  readonly passed: number;
  /** Secrets scan of this file's output (logs, bodies, errors): counted under `secrets`. */
  readonly scans: { readonly tried: number; readonly passed: number; readonly artifacts: number };
  readonly notes: readonly string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    resultsDir: string;
  }
}
