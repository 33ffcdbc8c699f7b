/** One line of the results table. */
export interface Row {
  readonly section: string;
  readonly measure: string;
  readonly ours: string;
  readonly baseline: string;
  /** ours ÷ baseline (or ÷ target when there is no baseline), as text. */
  readonly ratio: string;
  readonly target: string;
  /** true: met; false: NOT met; undefined: no target. */
  readonly met?: boolean | undefined;
}

export const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
export const median = (values: readonly number[]): number => quantile(values, 0.5);

export const ms = (value: number): string =>
  Number.isFinite(value)
    ? `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`
    : '—';
export const ratio = (ours: number, baseline: number): string =>
  Number.isFinite(ours) && Number.isFinite(baseline) && baseline !== 0
    ? `${(ours / baseline).toFixed(2)}×`
    : '—';
/**
 * Whether ours ÷ baseline, rounded as the table shows it (two decimals), is at most
 * `limit`: a target of "ratio ≤ 1.00" is met by a run the table shows as 1.00×.
 */
export const ratioAtMost = (ours: number, baseline: number, limit: number): boolean =>
  Number.isFinite(ours) && Number.isFinite(baseline) && baseline !== 0
    ? Math.round((ours / baseline) * 100) <= Math.round(limit * 100)
    : false;
/** As {@link ratioAtMost}, for targets that want the ratio high (throughput). */
export const ratioAtLeast = (ours: number, baseline: number, limit: number): boolean =>
  Number.isFinite(ours) && Number.isFinite(baseline) && baseline !== 0
    ? Math.round((ours / baseline) * 100) >= Math.round(limit * 100)
    : false;
export const chars = (value: number): string => `${value.toLocaleString('en-US')} ch`;

/** What the benchmark prints: never to the console that the baselines log their errors to. */
export const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

export function markdownTable(rows: readonly Row[]): string {
  const head = ['benchmark', 'measure', 'ours', 'baseline', 'ratio', 'target', 'met'];
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map(
      (row) =>
        `| ${[
          row.section,
          row.measure,
          row.ours,
          row.baseline,
          row.ratio,
          row.target,
          row.met === undefined ? '' : row.met ? 'met' : '**NOT met**',
        ]
          .map(cell)
          .join(' | ')} |`,
    ),
  ];
  return lines.join('\n');
}

/** Sleeps without keeping the process alive. */
export const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));
