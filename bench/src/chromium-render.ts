/**
 * The panel's mount in a real Chromium (Debian's, as the browser tests use it), React 17's
 * production build, beside the guide's panel given the guide's attributes for the same
 * context. One page holds both, bundled by esbuild as a plugin build would bundle them
 * (flex-react's ES2019 build, with the core it imports); a mount renders a panel into a
 * container (`ReactDOM.render`, synchronous in React 17), then the panel is unmounted;
 * a second kind of mount also forces layout, so that style and layout work is counted.
 * Each sample is the mean of a batch of mounts; rounds alternate which goes first.
 *
 * Alone: `BENCH_ONLY=chromium pnpm bench`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { toTaskAttributes } from '@stickycalls/core';
import { build } from 'esbuild';
import { chromium } from 'playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.mjs';
import { growing, guideAttributes, TYPICAL } from './contexts.js';
import { median, ms, type Row, ratio } from './report.js';

const ROUNDS = Number(process.env.BENCH_RENDER_ROUNDS ?? 20);
const BATCHES = 5;
const PER_BATCH = 20;
/** The goal for the typical context's mount. */
const GOAL_MS = 0.5;

/** The page's script: both panels, React's production build, and a mount timer on `window`. */
async function pageScript(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `
        import React from 'react';
        import ReactDOM from 'react-dom';
        import { CallerContextPanel } from '@stickycalls/flex-react';
        import { CallerContextPanel as GuidePanel } from './baselines/guide-panel.js';
        const container = document.createElement('div');
        document.body.appendChild(container);
        // The mean mount of each batch: Chromium coarsens performance.now() (to 0.1 ms
        // without cross-origin isolation), too coarse for one mount.
        // Two kinds of mount, in loops of their own: React's render into the page alone
        // (as React's own profiling counts a mount), and the render followed by the style and
        // layout work the browser does before it can paint (read by offsetHeight). Forcing
        // layout inside one loop would slow the renders after it, so each kind runs apart.
        window.mountTimes = (which, attributes, batches, perBatch, layout) => {
          const Panel = which === 'ours' ? CallerContextPanel : GuidePanel;
          const times = [];
          for (let b = 0; b < batches; b++) {
            let spent = 0;
            for (let i = 0; i < perBatch; i++) {
              const task = { sid: 'WR1', taskSid: 'WT1', attributes };
              const started = performance.now();
              ReactDOM.render(React.createElement(Panel, { task }), container);
              if (layout) void container.offsetHeight;
              spent += performance.now() - started;
              ReactDOM.unmountComponentAtNode(container);
            }
            times.push(spent / perBatch);
          }
          return times;
        };`,
      resolveDir: resolve(import.meta.dirname, '..'),
    },
    bundle: true,
    format: 'iife',
    target: 'es2019',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  return new TextDecoder().decode(result.outputFiles[0]?.contents);
}

export async function chromiumRender(): Promise<Row[]> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: run node scripts/ensure-chromium.mjs or set CHROMIUM_PATH`,
    );
  }
  const script = await pageScript();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: script });
    let n = 0;
    while (JSON.stringify(guideAttributes(growing(n + 1))).length <= 4096) n += 1;
    const cases = [
      ['typical context', TYPICAL],
      [`4 KB context (${n} notes)`, growing(n)],
    ] as const;
    const rows: Row[] = [];
    for (const [name, context] of cases) {
      const attributes = { ours: toTaskAttributes(context), guide: guideAttributes(context) };
      const run = (which: 'ours' | 'guide', batches: number, layout: boolean) =>
        page.evaluate(
          ([panel, attrs, count, size, withLayout]) =>
            (
              window as unknown as {
                mountTimes: (w: string, a: unknown, c: number, s: number, l: boolean) => number[];
              }
            ).mountTimes(panel, attrs, count, size, withLayout),
          [which, attributes[which], batches, PER_BATCH, layout] as const,
        );
      for (const layout of [false, true]) {
        await run('ours', 3, layout);
        await run('guide', 3, layout);
      }
      const samples = {
        ours: { render: [] as number[], laidOut: [] as number[] },
        guide: { render: [] as number[], laidOut: [] as number[] },
      };
      for (let round = 0; round < ROUNDS; round++) {
        for (const which of round % 2 === 0 ? (['ours', 'guide'] as const) : (['guide', 'ours'] as const)) {
          samples[which].render.push(...(await run(which, BATCHES, false)));
          samples[which].laidOut.push(...(await run(which, BATCHES, true)));
        }
      }
      for (const [figure, what] of [
        ['render', 'React’s render into the page'],
        ['laidOut', 'render, then style and layout (offsetHeight), apart'],
      ] as const) {
        const ours = median(samples.ours[figure]);
        const guide = median(samples.guide[figure]);
        rows.push({
          section: 'Panel mount in Chromium (React 17 production build)',
          measure: `${name}: ${what}, median of ${samples.ours[figure].length} batch means of ${PER_BATCH} mounts each`,
          ours: ms(ours),
          baseline: ms(guide),
          ratio: ratio(ours, guide),
          ...(name === 'typical context' && figure === 'render'
            ? { target: `ours ≤ ${GOAL_MS} ms`, met: ours <= GOAL_MS }
            : { target: '' }),
        });
      }
    }
    return rows;
  } finally {
    await browser.close();
  }
}
