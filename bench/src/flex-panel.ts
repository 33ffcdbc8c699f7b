/**
 * The Flex package in a plugin: its bundle cost (packages/flex-react/bench/size.mjs,
 * reused as it is) and the panel's render time in jsdom (React's production build), next to the guide's panel
 * (baselines/guide-panel.js) rendering the guide's attributes for the same context.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { toTaskAttributes } from '@stickycalls/core';
import { build } from 'esbuild';
import { JSDOM } from 'jsdom';
import { growing, guideAttributes, TYPICAL } from './contexts.js';
import { median, ms, type Row, ratio } from './report.js';

const require = createRequire(import.meta.url);
const ROUNDS = Number(process.env.BENCH_RENDER_ROUNDS ?? 20);
const PER_ROUND = 10;
const SIZE_SCRIPT = resolve(import.meta.dirname, '../../packages/flex-react/bench/size.mjs');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

interface Sizes {
  own: { gzipped: number; minified: number };
  withCore: { gzipped: number; minified: number };
}

/** The guide's plugin code (panel and wrap-up listener) bundled the same way: minified, gzip -9, React external. */
async function guideBundle(): Promise<number> {
  const result = await build({
    stdin: {
      contents:
        "export { CallerContextPanel } from './baselines/guide-panel.js'; export { saveWrapUp } from './baselines/plugin-save.js';",
      resolveDir: resolve(import.meta.dirname, '..'),
    },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2019',
    platform: 'browser',
    external: ['react', 'react-dom'],
    write: false,
    logLevel: 'silent',
  });
  return gzipSync(result.outputFiles[0]?.contents ?? new Uint8Array(), { level: 9 }).length;
}

export async function flexBundle(): Promise<Row[]> {
  const { measure, BUDGET_BYTES } = (await import(pathToFileURL(SIZE_SCRIPT).href)) as {
    measure: () => Promise<Sizes>;
    BUDGET_BYTES: number;
  };
  const sizes = await measure();
  const guide = await guideBundle();
  const section = 'Flex package bundle (min + gzip -9)';
  return [
    {
      section,
      measure: '@stickycalls/flex-react, peers and core external (baseline: the guide’s panel + listener)',
      ours: kb(sizes.own.gzipped),
      baseline: kb(guide),
      ratio: `${(sizes.own.gzipped / BUDGET_BYTES).toFixed(2)} of budget`,
      target: `≤ ${kb(BUDGET_BYTES)}`,
      met: sizes.own.gzipped <= BUDGET_BYTES,
    },
    {
      section,
      measure: 'with @stickycalls/core bundled in (what a plugin ships in all)',
      ours: kb(sizes.withCore.gzipped),
      baseline: kb(guide),
      ratio: ratio(sizes.withCore.gzipped, guide),
      target: '',
    },
  ];
}

export async function panelRender(): Promise<Row[]> {
  const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
  const names = ['window', 'document', 'navigator', 'HTMLElement', 'Node', 'Event'];
  const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
  for (const name of names) {
    Object.defineProperty(globalThis, name, {
      value: name === 'window' ? dom.window : (dom.window as unknown as Record<string, unknown>)[name],
      configurable: true,
      writable: true,
    });
  }
  // React's production build, as a Flex plugin ships it: React reads NODE_ENV when it is
  // first loaded, and nothing in this process loads it before.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const React = (await import('react')).default;
    const ReactDOM = (await import('react-dom')).default;
    const { CallerContextPanel } = await import('@stickycalls/flex-react');
    const guide = (
      require('../baselines/guide-panel.js') as { CallerContextPanel: React.FC<{ task: object }> }
    ).CallerContextPanel;
    const container = dom.window.document.createElement('div');
    dom.window.document.body.appendChild(container);

    // The "4 KB" context: the largest the guide's layout can put on a task (its attributes just under 4,096).
    let n = 0;
    while (JSON.stringify(guideAttributes(growing(n + 1))).length <= 4096) n += 1;
    const cases = [
      ['typical context', TYPICAL],
      [
        `4 KB context (${n} notes; guide attributes ${JSON.stringify(guideAttributes(growing(n))).length} ch)`,
        growing(n),
      ],
    ] as const;
    const rows: Row[] = [];
    for (const [name, context] of cases) {
      const oursTask = () => ({ sid: 'WR1', taskSid: 'WT1', attributes: toTaskAttributes(context) });
      const guideTask = () => ({ sid: 'WR1', taskSid: 'WT1', attributes: guideAttributes(context) });
      const time = (element: React.ReactElement) => {
        const started = performance.now();
        ReactDOM.render(element, container);
        const elapsed = performance.now() - started;
        ReactDOM.unmountComponentAtNode(container);
        return elapsed;
      };
      const samples = { ours: [] as number[], guide: [] as number[] };
      const renderOurs = () => time(React.createElement(CallerContextPanel, { task: oursTask() }));
      const renderGuide = () => time(React.createElement(guide, { task: guideTask() }));
      for (let i = 0; i < 50; i++) {
        renderOurs();
        renderGuide();
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const which of round % 2 === 0 ? ['ours', 'guide'] : ['guide', 'ours']) {
          for (let i = 0; i < PER_ROUND; i++) {
            if (which === 'ours') samples.ours.push(renderOurs());
            else samples.guide.push(renderGuide());
          }
        }
      }
      rows.push({
        section: 'Panel render in jsdom (mount, React 17 production build)',
        measure: `${name}, median of ${samples.ours.length} each`,
        ours: ms(median(samples.ours)),
        baseline: ms(median(samples.guide)),
        ratio: ratio(median(samples.ours), median(samples.guide)),
        target: '',
      });
    }
    return rows;
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    }
    dom.window.close();
  }
}
