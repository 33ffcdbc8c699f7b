/**
 * What the real-Chromium tests of the panel and the wrap-up form share: each component
 * rendered as Flex renders it, inside Flex's own theme provider (light or dark, see
 * `theme.tsx`) and inside `StickyCallsTheme` with the theme Flex's `withTheme` hands
 * over, in a column as wide as Flex's side panel, left to right or right to left; then
 * axe with its colour-contrast rule, the focus ring, what spills out of a box, and the
 * README's screenshots.
 */

import { type RenderResult, render } from '@testing-library/react';
import type { Theme } from '@twilio/flex-ui';
import axe from 'axe-core';
import * as React from 'react';
import { cdp, page, userEvent } from 'vitest/browser';
import { StickyCallsTheme } from '../../theme.js';
import { tokens as t } from '../../tokens.js';
import { FlexTheme, type FlexThemeMode, loadedFlex } from './theme.js';

declare const __SCREENSHOTS__: string;

/** Flex's side panel (Panel2) is about this wide: the column the screenshots show. */
export const SIDE_PANEL_WIDTH = 380;

export interface InFlexOptions {
  /** Flex's theme. @default 'light' */
  mode?: FlexThemeMode;
  /** The column's outer width, in CSS pixels. @default SIDE_PANEL_WIDTH */
  width?: number;
  /** The page's text direction, as a right-to-left Flex instance sets it. @default 'ltr' */
  dir?: 'ltr' | 'rtl';
}

type Children = { children?: React.ReactNode };

let Themed: React.ComponentType<Children> | undefined;

/**
 * `StickyCallsTheme` with the theme Flex's own `withTheme` gives, as
 * `registerCallerContext` wraps what it adds to Flex's slots.
 */
function ThemedByFlex({ children }: Children): React.ReactElement {
  if (Themed === undefined) {
    const { withTheme } = loadedFlex();
    Themed = withTheme(({ theme, children: inner }: Children & { theme?: Theme }) => (
      <StickyCallsTheme theme={theme}>{inner}</StickyCallsTheme>
    ));
  }
  return <Themed>{children}</Themed>;
}

/**
 * The column a component sits in: Flex's background around it (the theme's, through the
 * same variables the components read), its width and direction.
 */
function Column({ width, dir, children }: Required<Omit<InFlexOptions, 'mode'>> & Children) {
  return (
    <div
      data-testid="column"
      dir={dir}
      style={{ boxSizing: 'border-box', width, padding: 8, background: t.colorBackground }}
    >
      {children}
    </div>
  );
}

/** The wrapper of {@link renderInFlex}. */
function InFlex({
  mode = 'light',
  width = SIDE_PANEL_WIDTH,
  dir = 'ltr',
  children,
}: InFlexOptions & Children): React.ReactElement {
  return (
    <FlexTheme mode={mode}>
      <ThemedByFlex>
        <Column width={width} dir={dir}>
          {children}
        </Column>
      </ThemedByFlex>
    </FlexTheme>
  );
}

/** What {@link renderInFlex} gives: Testing Library's result, and the column. */
export interface InFlexResult extends RenderResult {
  column: HTMLElement;
}

/** `render` inside Flex's theme, `StickyCallsTheme` and the column (`rerender` keeps them). */
export function renderInFlex(element: React.ReactElement, options: InFlexOptions = {}): InFlexResult {
  const wrapper = ({ children }: Children) => <InFlex {...options}>{children}</InFlex>;
  const result = render(element, { wrapper });
  const column = result.container.querySelector<HTMLElement>('[data-testid="column"]');
  if (column === null) throw new Error('the column did not render');
  return { ...result, column };
}

/**
 * An element's text as drawn, what a sighted agent reads: `innerText`, which leaves out
 * what is hidden and breaks lines where blocks do, unlike `textContent`.
 */
export function shown(element: Element): string {
  // biome-ignore lint/performance/useDomNodeTextContent: the drawn text is what these tests check.
  return element instanceof HTMLElement ? element.innerText : (element.textContent ?? '');
}

/** The one element `selector` matches inside `root`; throws when there is none. */
export function one<E extends Element = HTMLElement>(root: ParentNode, selector: string): E {
  const found = root.querySelector<E>(selector);
  if (found === null) throw new Error(`nothing matches ${selector}`);
  return found;
}

/** What axe found in an element. */
export interface AxeFindings {
  /** Each violation as `rule (impact): nodes`, all impacts. */
  readonly violations: readonly string[];
  /** Colour-contrast checks axe could not decide, each as `target: why`. */
  readonly contrastUndecided: readonly string[];
}

/**
 * axe on an element: the WCAG 2.x A and AA rules (colour contrast included) and axe's
 * best practices, except `region`, which asks a whole page to sit in landmarks and says
 * nothing about a component inside Flex's.
 */
export async function axeFindings(element: Element): Promise<AxeFindings> {
  const results = await axe.run(element, {
    runOnly: {
      type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
    },
    rules: { region: { enabled: false } },
    resultTypes: ['violations', 'incomplete'],
  });
  return {
    violations: results.violations.map(
      (violation) =>
        `${violation.id} (${violation.impact ?? 'n/a'}): ${violation.nodes
          .map((node) => `${node.target.join(' ')} ${node.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
          .join(' | ')}`,
    ),
    contrastUndecided: results.incomplete
      .filter((item) => item.id === 'color-contrast')
      .flatMap((item) =>
        item.nodes.map(
          (node) => `${node.target.join(' ')}: ${node.any.map((check) => check.message).join(' ')}`,
        ),
      ),
  };
}

/**
 * Whether the focused element shows where the focus is: an outline that is drawn (not
 * `none`, not zero wide) or a box shadow, while it matches `:focus-visible`.
 */
export function focusRingOf(element: Element): string | null {
  if (!element.matches(':focus-visible')) return null;
  const style = getComputedStyle(element);
  if (style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0)
    return `outline ${style.outlineStyle} ${style.outlineWidth}`;
  if (style.boxShadow !== 'none') return `box-shadow ${style.boxShadow}`;
  return null;
}

/**
 * Elements of `root` drawn outside its box sideways, and boxes that cut what they hold
 * (overflow hidden or clipped with more inside than shown), except those `allowed`
 * (such as the ref, cut with an ellipsis on purpose, whole in its title).
 */
export function spills(root: HTMLElement, allowed: (element: Element) => boolean = () => false): string[] {
  const box = root.getBoundingClientRect();
  const found: string[] = [];
  const describe = (element: Element) =>
    `${element.tagName.toLowerCase()}${element.getAttribute('data-sticky-calls') ? `[${element.getAttribute('data-sticky-calls')}]` : ''} “${(element.textContent ?? '').slice(0, 40)}”`;
  if (root.scrollWidth > root.clientWidth)
    found.push(`the root scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`);
  for (const element of root.querySelectorAll('*')) {
    if (allowed(element)) continue;
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (rect.left < box.left - 0.5 || rect.right > box.right + 0.5)
      found.push(
        `${describe(element)} is drawn from ${rect.left} to ${rect.right}, outside ${box.left}–${box.right}`,
      );
    // A text box scrolls what is typed into it, and text for screen readers only is clipped
    // to nothing, both by design: only other boxes count as cutting.
    if (element.matches('input, textarea, select')) continue;
    const style = getComputedStyle(element);
    if (style.clipPath !== 'none' || style.clip !== 'auto') continue;
    const cuts = (value: string) => value === 'hidden' || value === 'clip';
    if (
      (cuts(style.overflowX) && element.scrollWidth > element.clientWidth + 1) ||
      (cuts(style.overflowY) && element.scrollHeight > element.clientHeight + 1)
    )
      found.push(`${describe(element)} cuts its content`);
  }
  return found;
}

/**
 * Tabs from just before `root` until the focus leaves it (at most `limit` stops), and
 * names each stop, after handing it to `ring` (which checks its focus ring). The start is a button put before the
 * column, so no focus left behind by an earlier test decides where Tab goes.
 */
export async function tabStops(
  root: HTMLElement,
  ring: (element: Element) => void,
  limit = 20,
): Promise<string[]> {
  const start = document.createElement('button');
  start.textContent = 'before';
  const column = root.closest('[data-testid="column"]') ?? root;
  column.before(start);
  const stops: string[] = [];
  try {
    start.focus();
    for (let i = 0; i < limit; i += 1) {
      await userEvent.tab();
      const focused = document.activeElement;
      if (focused === null || !root.contains(focused)) break;
      ring(focused);
      stops.push(nameOf(focused));
    }
  } finally {
    start.remove();
  }
  return stops;
}

/** Tabs into `root` from just before its column, as an agent tabbing down Flex's side panel. */
export async function tabInto(root: HTMLElement): Promise<Element | null> {
  const start = document.createElement('button');
  start.textContent = 'before';
  (root.closest('[data-testid="column"]') ?? root).before(start);
  try {
    start.focus();
    await userEvent.tab();
  } finally {
    start.remove();
  }
  return document.activeElement;
}

/** The accessible name a keyboard user hears for a focused element, roughly: its label or text. */
export function nameOf(element: Element | null): string {
  if (element === null) return '(nothing)';
  const label = element.getAttribute('aria-label');
  if (label !== null) return label;
  const id = element.getAttribute('id');
  const text = (node: Element) => shown(node).replace(/\s+/g, ' ').trim();
  if (id !== null) {
    const forIt = document.querySelector(`label[for="${CSS.escape(id)}"]`);
    if (forIt !== null) return text(forIt);
  }
  const wrapping = element.closest('label');
  if (wrapping !== null && wrapping !== element) return text(wrapping);
  return text(element);
}

/** The test page's viewport: see {@link unscaledViewport}. */
const VIEWPORT = { width: 1024, height: 720 } as const;

/**
 * The page's size for these tests. Vitest's runner draws the test page in a 1280 × 720
 * window and scales a larger viewport down to fit (the configured 1024 × 900 to 0.8),
 * which blurs the screenshots: 720 high keeps everything at its real size. Call it in
 * `beforeAll`.
 */
export function unscaledViewport(): Promise<void> {
  return page.viewport(VIEWPORT.width, VIEWPORT.height);
}

/** Whether `pnpm screenshots` asked for the README's screenshots. */
const takingScreenshots = __SCREENSHOTS__ !== '';

/**
 * Saves `element` as `docs/screenshots/<name>.png`, when `pnpm screenshots` runs the tests.
 * Chromium paints only what is inside the test page's viewport, so for an element taller
 * than it (a 4 KB context) the runner's window and the viewport grow to its height first
 * (through the DevTools protocol: the window is not the test page's to resize), then
 * shrink back.
 */
export async function screenshot(name: string, element: HTMLElement): Promise<void> {
  if (!takingScreenshots) return;
  const height = Math.ceil(element.getBoundingClientRect().bottom + window.scrollY) + 16;
  const tall = height > VIEWPORT.height;
  // The runner's window, as Playwright set it up (1280 × 720).
  const runner = { width: window.parent.innerWidth, height: window.parent.innerHeight };
  const windowOf = (size: { width: number; height: number }) =>
    cdp().send('Emulation.setDeviceMetricsOverride', { ...size, deviceScaleFactor: 1, mobile: false });
  if (tall) {
    await windowOf({ width: runner.width, height: Math.max(height, runner.height) });
    await page.viewport(VIEWPORT.width, height);
  }
  try {
    await page.screenshot({ element, path: `${__SCREENSHOTS__}/${name}.png` });
  } finally {
    if (tall) {
      await windowOf(runner);
      await page.viewport(VIEWPORT.width, VIEWPORT.height);
    }
  }
}
