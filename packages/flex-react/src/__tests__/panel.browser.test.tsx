/**
 * The screen pop in a real Chromium with React 17, rendered as Flex renders it: inside
 * Flex's own theme provider from `@twilio/flex-ui` (light and dark) and inside
 * `StickyCallsTheme` with the theme Flex's `withTheme` hands over, in a column as wide
 * as Flex's side panel. Every state, each checked by axe with colour contrast in light
 * and dark; the identity check with the keyboard alone; a full 4 KB context; right to
 * left; the ref copied through the real clipboard. With STICKY_CALLS_SCREENSHOTS set
 * (`pnpm screenshots`) it also saves the README's screenshots of the panel.
 */
import { ATTRIBUTE_KEY, createWrapUpStore } from '@stickycalls/core';
import { cleanup, render } from '@testing-library/react';
import * as React from 'react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { CallerContextPanel, type FlexTask } from '../index.js';
import {
  axeFindings,
  focusRingOf,
  type InFlexOptions,
  nameOf,
  one,
  renderInFlex,
  screenshot,
  shown,
  spills,
  tabInto,
  tabStops,
  unscaledViewport,
} from './flex-browser/in-flex.js';
import { type FlexThemeMode, loadFlexInBrowser } from './flex-browser/theme.js';
import {
  CUSTOMER_REF,
  confirmMatch,
  degraded,
  flexVoiceKeys,
  newCaller,
  startResponse,
  TASK_SID,
  task,
  truncated,
  withFlexKeys,
} from './kit.js';

beforeAll(async () => {
  await unscaledViewport();
  await loadFlexInBrowser();
}, 180_000);

afterEach(() => cleanup());

const TTL = 2_592_000;
const MODES: readonly FlexThemeMode[] = ['light', 'dark'];

/** A time `days` before today, at `hours`:05 in the agent's time zone. */
function daysAgo(days: number, hours = 14): Date {
  const date = new Date();
  date.setDate(date.getDate() - days);
  date.setHours(hours, 5, 0, 0);
  return date;
}

const LAST_CONTACT = daysAgo(9);
const VERIFIED_BEFORE = daysAgo(40, 10);

/** A returning caller with the times the save Function records: last contact, last verified. */
function knownCaller(): Record<string, unknown> {
  return withFlexKeys(
    startResponse({
      variables: {
        name: { value: 'Dana Scully', source: 'agent', ttl_seconds: TTL },
        plan: { value: 'Premium', source: 'crm', ttl_seconds: TTL },
        last_order: { value: 'ORD-1042', source: 'agent', ttl_seconds: null },
        last_contact_at: { value: LAST_CONTACT.toISOString(), source: null, ttl_seconds: TTL },
        identity_verified_at: { value: VERIFIED_BEFORE.toISOString(), source: null, ttl_seconds: TTL },
      },
    }),
  );
}

/** A match to reuse, but only just: 50 %, medium. */
function likelyCaller(): Record<string, unknown> {
  return withFlexKeys(
    startResponse({
      identity: { confidence: 0.5, level: 'medium', sources: ['ani:landline'], recommendation: 'reuse' },
    }),
  );
}

/** A degraded context written by a newer writer, with a reason code this panel does not know. */
function unknownReason(): Record<string, unknown> {
  const attributes = degraded('timeout');
  const context = attributes[ATTRIBUTE_KEY] as Record<string, unknown>;
  return { ...attributes, [ATTRIBUTE_KEY]: { ...context, reason: 'ledger_v2_outage' } };
}

/**
 * A task being handled now: the call started a minute ago (the fixtures' fixed start
 * would read as a date, after the last contact, in the screenshots).
 */
function panelTask(attributes: unknown): FlexTask {
  const record = attributes as Record<string, unknown>;
  const context = record[ATTRIBUTE_KEY];
  const started =
    typeof context === 'object' && context !== null && (context as { status?: unknown }).status === 'ok'
      ? {
          ...record,
          [ATTRIBUTE_KEY]: { ...context, call_start: new Date(Date.now() - 60_000).toISOString() },
        }
      : record;
  return task(started, { status: 'assigned' });
}

function panelOf(root: ParentNode): HTMLElement {
  return one(root, '[data-sticky-calls="panel"]');
}

interface PanelState {
  readonly attributes: () => unknown;
  /** The agent's identity check, as the panel records it in the wrap-up store. */
  readonly check?: 'verified' | 'rejected';
  /** What the agent must see in this state. */
  readonly expect: (panel: HTMLElement) => void;
}

const badgeOf = (panel: HTMLElement) => one(panel, '[data-sticky-calls="badge"]');
const nameLine = (panel: HTMLElement) => one(panel, '[data-sticky-calls="caller-name"]');

const STATES: Readonly<Record<string, PanelState>> = {
  known: {
    attributes: knownCaller,
    expect(panel) {
      expect(panel.dataset).toMatchObject({ state: 'ready', tier: 'reuse', level: 'very_high' });
      expect(badgeOf(panel).dataset.look).toBe('strong');
      expect(shown(badgeOf(panel))).toMatch(/Known caller\s*92% match/);
      expect(shown(nameLine(panel))).toBe('Dana Scully');
      expect(nameLine(panel).dataset.source).toBe('name');
      expect(one(panel, '[data-sticky-calls="customer-ref"] bdi').title).toBe(CUSTOMER_REF);
      expect(one(panel, 'time[data-sticky-calls="last-contact"]').getAttribute('datetime')).toBe(
        LAST_CONTACT.toISOString(),
      );
      expect(shown(panel)).toContain('Premium');
      expect(shown(panel)).toMatch(/Pick up “Refund request” first: 3rd call about this\./);
    },
  },
  likely: {
    attributes: likelyCaller,
    expect(panel) {
      expect(panel.dataset).toMatchObject({ state: 'ready', tier: 'reuse', level: 'medium' });
      expect(badgeOf(panel).dataset.look).toBe('likely');
      expect(shown(badgeOf(panel))).toMatch(/Likely known caller\s*50% match/);
      expect(shown(panel)).not.toMatch(/^Known caller/m);
    },
  },
  verify: {
    attributes: confirmMatch,
    expect(panel) {
      expect(panel.dataset).toMatchObject({ tier: 'confirm', identity: 'pending' });
      expect(badgeOf(panel).dataset.look).toBe('confirm');
      expect(shown(badgeOf(panel))).toMatch(/Verify identity\s*42% match/);
      const actions = one(panel, 'fieldset[data-sticky-calls="verify-actions"]');
      expect([...actions.querySelectorAll('button')].map((b) => shown(b))).toEqual([
        'Caller verified',
        'Not this caller',
      ]);
      // Until the agent decides, nothing of the matched customer shows, not even the name.
      expect(nameLine(panel).dataset.source).toBe('number');
      expect(shown(panel)).not.toContain('Fox Mulder');
      expect(shown(panel)).not.toContain('Delivery delay');
    },
  },
  verified: {
    attributes: confirmMatch,
    check: 'verified',
    expect(panel) {
      expect(panel.dataset.identity).toBe('verified');
      expect(shown(badgeOf(panel))).toMatch(/Verified caller/);
      expect(shown(one(panel, '[data-sticky-calls="verified"]'))).toMatch(/Verified by you at .*\d.*Undo/s);
      expect(shown(nameLine(panel))).toBe('Fox Mulder');
      expect(shown(panel)).toContain('Delivery delay');
    },
  },
  rejected: {
    attributes: confirmMatch,
    check: 'rejected',
    expect(panel) {
      expect(panel.dataset.identity).toBe('rejected');
      expect(badgeOf(panel).dataset.look).toBe('ignore');
      expect(shown(one(panel, '[data-sticky-calls="rejected"]'))).toMatch(
        /Not this caller: this call’s wrap-up will not be saved to that customer’s memory\.\s*Undo/,
      );
      expect(panel.querySelector('[data-sticky-calls="customer-ref"]')).toBeNull();
      expect(shown(panel)).not.toContain('Fox Mulder');
    },
  },
  new: {
    attributes: newCaller,
    expect(panel) {
      expect(panel.dataset.tier).toBe('ignore');
      expect(badgeOf(panel).dataset.look).toBe('ignore');
      expect(shown(panel)).toMatch(/New caller[\s\S]*No reliable match: treat this as a first call\./);
      // A weak match's data may be someone else's.
      expect(shown(panel)).not.toContain('Someone Else');
      expect(shown(panel)).not.toContain('Lost card');
    },
  },
  unavailable: {
    attributes: () => degraded('timeout'),
    expect(panel) {
      expect(panel.dataset.state).toBe('degraded');
      expect(one(panel, '[role="note"]').dataset.reason).toBe('timeout');
      expect(shown(panel)).toMatch(
        /Caller context unavailable\s*The lookup at call start did not complete: it timed out\./,
      );
      expect(shown(panel)).not.toMatch(/timeout/i);
    },
  },
  'unknown-reason': {
    attributes: unknownReason,
    expect(panel) {
      // The reader files a code it does not know as `unknown`; the agent reads the generic words.
      expect(one(panel, '[role="note"]').dataset.reason).toBe('unknown');
      expect(shown(panel)).toContain('something unexpected went wrong');
      expect(shown(panel)).not.toMatch(/ledger_v2_outage|unknown|_/i);
    },
  },
  invalid: {
    attributes: () => ({ ...flexVoiceKeys(), [ATTRIBUTE_KEY]: { v: 2, status: 'ok' } }),
    expect(panel) {
      expect(panel.dataset.state).toBe('invalid');
      expect(shown(panel)).toContain('The caller context on this task could not be read.');
      expect(shown(panel)).toContain('+1 415-555-1234');
    },
  },
  absent: {
    attributes: () => flexVoiceKeys(),
    expect(panel) {
      expect(panel.dataset.state).toBe('absent');
      expect(shown(panel)).toContain('No caller context on this task.');
    },
  },
  truncated: {
    attributes: truncated,
    expect(panel) {
      expect(shown(one(panel, '[data-sticky-calls="truncated"]'))).toMatch(/left out to fit the task/);
    },
  },
};

/** The panel for a state, with its identity check recorded as the panel records it. */
function renderState(state: PanelState, options: InFlexOptions = {}) {
  const store = createWrapUpStore();
  if (state.check !== undefined)
    store.edit(TASK_SID, { identityCheck: { outcome: state.check, at: new Date().toISOString() } });
  const result = renderInFlex(
    <CallerContextPanel task={panelTask(state.attributes())} store={store} />,
    options,
  );
  return { ...result, store, panel: panelOf(result.container) };
}

/** The ref is cut with an ellipsis on purpose (whole in its title, and copyable). */
const refCut = (element: Element) => element.closest('[data-sticky-calls="customer-ref"]') !== null;

/** What axe could not decide about contrast, except the aria-hidden icons (✓ ! •), which hold no text. */
function undecidedText(undecided: readonly string[]): string[] {
  return undecided.filter((line) => !line.includes('only non-text characters'));
}

/** The states the README shows, and in which theme. */
const SCREENSHOTS = new Set([
  'known-light',
  'known-dark',
  'verify-light',
  'verified-light',
  'rejected-light',
  'new-light',
  'unavailable-light',
  'truncated-light',
]);

describe('every state of the panel, in Flex’s theme, light and dark', () => {
  for (const [name, state] of Object.entries(STATES)) {
    for (const mode of MODES) {
      it(`${name}, ${mode}: says what it means, passes axe with colour contrast, fits the side panel`, async () => {
        const { panel, column } = renderState(state, { mode });
        expect(panel.closest('[data-sticky-calls-theme]')?.getAttribute('data-sticky-calls-theme')).toBe(
          mode,
        );
        state.expect(panel);
        const findings = await axeFindings(column);
        // Soft, so a state with a violation still has its layout checked and its screenshot taken.
        expect.soft(findings.violations).toEqual([]);
        expect.soft(undecidedText(findings.contrastUndecided)).toEqual([]);
        expect.soft(spills(panel, refCut)).toEqual([]);
        if (SCREENSHOTS.has(`${name}-${mode}`))
          await screenshot(`panel-${name}${mode === 'dark' ? '-dark' : ''}`, column);
      });
    }
  }

  it('paints the dark theme’s colours, not the light fallbacks', () => {
    const { panel } = renderState(STATES.known as PanelState, { mode: 'dark' });
    expect(getComputedStyle(panel).backgroundColor).toBe('rgb(13, 19, 28)');
    expect(getComputedStyle(panel).color).toBe('rgb(244, 244, 246)');
  });

  it('draws a high-confidence match visibly stronger than a medium one', () => {
    const strong = badgeOf(renderState(STATES.known as PanelState).panel);
    const likely = badgeOf(renderState(STATES.likely as PanelState).panel);
    const [s, l] = [getComputedStyle(strong), getComputedStyle(likely)];
    expect(Number.parseFloat(s.borderTopWidth)).toBeGreaterThan(Number.parseFloat(l.borderTopWidth));
    expect(Number.parseFloat(s.fontSize)).toBeGreaterThan(Number.parseFloat(l.fontSize));
    expect(s.backgroundColor).not.toBe(l.backgroundColor);
  });

  it('says a repeat the same way in the list and in the suggestion', () => {
    const { panel } = renderState(STATES.known as PanelState);
    const row = one(panel, 'li[data-repeat="true"]');
    expect(shown(row)).toMatch(/Refund request\s*3rd call about this\s*Repeat contact/);
    const suggestion = one(panel, 'section section p');
    expect(shown(suggestion)).toContain('3rd call about this');
    expect(shown(panel)).not.toMatch(/attempt|contact \d/i);
  });

  it('leaves no gap above “Suggested next step” beyond its box’s padding', () => {
    const { panel } = renderState(STATES.known as PanelState);
    const heading = [...panel.querySelectorAll('h3')].find((h) => shown(h) === 'Suggested next step');
    if (heading === undefined) throw new Error('no suggestion heading');
    const box = heading.parentElement as HTMLElement;
    const gap = heading.getBoundingClientRect().top - box.getBoundingClientRect().top;
    const style = getComputedStyle(box);
    expect(gap).toBeLessThanOrEqual(
      Number.parseFloat(style.paddingTop) + Number.parseFloat(style.borderTopWidth) + 0.5,
    );
  });
});

describe('last contact', () => {
  function lastContact(variables: Record<string, string>, sources = ['ani:mobile', 'recency:7days']) {
    const attributes = withFlexKeys(
      startResponse({
        identity: { confidence: 0.92, level: 'very_high', sources, recommendation: 'reuse' },
        variables: Object.fromEntries(
          Object.entries({ name: 'Dana Scully', ...variables }).map(([key, value]) => [
            key,
            { value, source: null, ttl_seconds: TTL },
          ]),
        ),
      }),
    );
    const { column } = renderInFlex(<CallerContextPanel task={panelTask(attributes)} />);
    return one(panelOf(column), '[data-sticky-calls="last-contact"]');
  }

  it('shows the date and time the save Function recorded, as a <time>', () => {
    const last = lastContact({ last_contact_at: LAST_CONTACT.toISOString() });
    expect(last.tagName).toBe('TIME');
    expect(last.getAttribute('datetime')).toBe(LAST_CONTACT.toISOString());
    expect(shown(last)).toContain(String(LAST_CONTACT.getDate()));
    expect(shown(last)).toMatch(/\d{1,2}:05/);
    expect(shown(last)).not.toMatch(/within/);
  });

  it('says “yesterday” with the time for a call the day before', () => {
    const yesterday = daysAgo(1, 9);
    const last = lastContact({ last_contact_at: yesterday.toISOString() });
    expect(shown(last)).toMatch(/^yesterday, 0?9:05/);
  });

  it('falls back to the match’s recency words when no time was recorded', () => {
    const last = lastContact({});
    expect(last.tagName).toBe('SPAN');
    expect(shown(last)).toBe('within the last week');
  });
});

describe('the identity check with the keyboard alone', () => {
  const ringed = (focused: Element) =>
    expect(focusRingOf(focused), `focus ring on ${nameOf(focused)}`).not.toBeNull();

  for (const mode of MODES) {
    it(`reaches the ref and both answers in reading order, each with a visible focus ring (${mode})`, async () => {
      const { panel } = renderState(STATES.verify as PanelState, { mode });
      expect(await tabStops(panel, ringed)).toEqual(['Copy ref', 'Caller verified', 'Not this caller']);
    });
  }

  it('“Caller verified” with Enter reveals the context, records the check, and Undo with Space takes it back', async () => {
    const { panel, store } = renderState(STATES.verify as PanelState);
    const check = () => store.get(TASK_SID).draft.identityCheck;
    await tabInto(panel);
    await userEvent.tab();
    expect(nameOf(document.activeElement)).toBe('Caller verified');
    const before = Date.now();
    await userEvent.keyboard('{Enter}');

    // The outcome takes the focus, so the keyboard carries on from there.
    const verified = one(panel, '[data-sticky-calls="verified"]');
    expect(document.activeElement).toBe(verified);
    expect(check()?.outcome).toBe('verified');
    expect(Date.parse(check()?.at ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(shown(nameLine(panel))).toBe('Fox Mulder');
    expect(shown(panel)).toMatch(/Delivery delay\s*2nd call about this/);
    expect(shown(badgeOf(panel))).toMatch(/Verified caller/);
    expect(one(verified, 'time').getAttribute('datetime')).toBe(check()?.at);

    await userEvent.tab();
    expect(nameOf(document.activeElement)).toBe('Undo');
    expect(focusRingOf(document.activeElement as Element)).not.toBeNull();
    await userEvent.keyboard(' ');
    expect(check()).toBeNull();
    expect(panel.dataset.identity).toBe('pending');
    expect(shown(panel)).not.toContain('Fox Mulder');
    // Back at the question, on its first answer.
    expect(nameOf(document.activeElement)).toBe('Caller verified');
  });

  it('“Not this caller” with Space hides the customer, drops the ref, and Undo with Enter asks again', async () => {
    const { panel, store } = renderState(STATES.verify as PanelState);
    await tabInto(panel);
    await userEvent.tab();
    await userEvent.tab();
    expect(nameOf(document.activeElement)).toBe('Not this caller');
    await userEvent.keyboard(' ');
    const rejected = one(panel, '[data-sticky-calls="rejected"]');
    expect(document.activeElement).toBe(rejected);
    expect(store.get(TASK_SID).draft.identityCheck?.outcome).toBe('rejected');
    expect(panel.querySelector('[data-sticky-calls="copy-ref"]')).toBeNull();
    expect(shown(panel)).toContain('Greet as a new caller');
    await userEvent.tab();
    expect(nameOf(document.activeElement)).toBe('Undo');
    await userEvent.keyboard('{Enter}');
    expect(store.get(TASK_SID).draft.identityCheck).toBeNull();
    expect(nameOf(document.activeElement)).toBe('Caller verified');
  });

  it('traps nothing: Tab leaves a known caller’s panel after its one stop, Shift+Tab comes back', async () => {
    const { panel, column } = renderState(STATES.known as PanelState);
    const after = document.createElement('button');
    after.textContent = 'after the panel';
    column.after(after);
    try {
      expect(await tabStops(panel, ringed)).toEqual(['Copy ref']);
      expect(document.activeElement).toBe(after);
      await userEvent.tab({ shift: true });
      expect(nameOf(document.activeElement)).toBe('Copy ref');
    } finally {
      after.remove();
    }
  });
});

describe('copying the customer ref', () => {
  it('copies the whole ref through the real clipboard and says “Copied” (Chromium grants writing to the focused page)', async () => {
    const { panel } = renderState(STATES.known as PanelState);
    const paste = document.createElement('textarea');
    paste.setAttribute('aria-label', 'paste here');
    document.body.append(paste);
    try {
      one(panel, '[data-sticky-calls="copy-ref"]').focus();
      await userEvent.keyboard('{Enter}');
      await vi.waitFor(() => expect(shown(one(panel, '[role="status"]'))).toBe('Copied'));
      // Reading the clipboard is not granted; pasting it, as an agent would, shows what it holds.
      paste.focus();
      await userEvent.paste();
      expect(paste.value).toBe(CUSTOMER_REF);
    } finally {
      paste.remove();
    }
  });

  it('where the clipboard is refused (stubbed to reject), selects the ref for Ctrl+C, in the side panel’s width', async () => {
    const refuse = vi
      .spyOn(navigator.clipboard, 'writeText')
      .mockRejectedValue(new DOMException('Write permission denied.', 'NotAllowedError'));
    const paste = document.createElement('textarea');
    paste.setAttribute('aria-label', 'paste here');
    document.body.append(paste);
    try {
      const { panel } = renderState(STATES.known as PanelState);
      await userEvent.click(one(panel, '[data-sticky-calls="copy-ref"]'));
      await vi.waitFor(() =>
        expect(shown(one(panel, '[role="status"]'))).toBe('Selected: press Ctrl+C (⌘C on a Mac) to copy'),
      );
      expect(refuse).toHaveBeenCalledWith(CUSTOMER_REF);
      // The ref stays on screen beside the words, and what Ctrl+C copies is the ref.
      expect(one(panel, '[data-sticky-calls="customer-ref"]').getBoundingClientRect().width).toBeGreaterThan(
        0,
      );
      await userEvent.copy();
      paste.focus();
      await userEvent.paste();
      expect(paste.value).toBe(CUSTOMER_REF);
    } finally {
      refuse.mockRestore();
      paste.remove();
    }
  });
});

/** A 4 KB context: many variables, some long and unbroken, a 65-character ref, six long intents. */
function fourKilobytes(): Record<string, unknown> {
  const vars: Record<string, string> = { name: 'Maximiliana Wolfeschlegelsteinhausenbergerdorff' };
  for (let i = 0; i < 28; i += 1) vars[`variable_with_a_long_name_${i}`] = `value ${i} `.repeat(8);
  vars.unbroken = 'x'.repeat(600);
  vars.url = `https://example.com/${'segment/'.repeat(40)}`;
  const context = {
    v: 1,
    status: 'ok',
    reason: null,
    customer_ref: `cust_${'9'.repeat(60)}`,
    confidence: 0.97,
    level: 'very_high',
    tier: 'reuse',
    sources: ['ani:mobile'],
    call_start: new Date().toISOString(),
    intents: Array.from({ length: 6 }, (_, i) => ({
      intent: `intent_${'z'.repeat(40)}_${i}`,
      status: 'open',
      attempts: i,
    })),
    vars,
    truncated: false,
    omitted: { variables: 0, intents: 0 },
  };
  const attributes = { ...flexVoiceKeys(), [ATTRIBUTE_KEY]: context };
  expect(JSON.stringify(attributes).length).toBeGreaterThan(3900);
  return attributes;
}

describe('a full 4 KB context', () => {
  for (const width of [360, 1024]) {
    it(`lays out in a ${width} px column: no sideways overflow, nothing cut, every row drawn`, async () => {
      const { panel, column } = renderState({ attributes: fourKilobytes, expect: () => {} }, { width });
      expect(panel.getBoundingClientRect().width).toBeLessThanOrEqual(width);
      expect(spills(panel, refCut)).toEqual([]);
      const values = [...panel.querySelectorAll<HTMLElement>('dl dd')];
      // Call started and last contact, 30 variables (the name leads the header instead).
      expect(values.length).toBeGreaterThanOrEqual(31);
      for (const value of values) expect(value.getBoundingClientRect().height).toBeGreaterThan(0);
      expect(panel.querySelectorAll('li')).toHaveLength(6);
      // The 600-character unbroken value wraps onto many lines instead of widening the panel.
      const unbroken = values.find((value) => shown(value) === 'x'.repeat(600)) as HTMLElement;
      expect(unbroken.getBoundingClientRect().height).toBeGreaterThan(width < 500 ? 100 : 30);
      expect(shown(nameLine(panel))).toBe('Maximiliana Wolfeschlegelsteinhausenbergerdorff');
      const findings = await axeFindings(column);
      expect(findings.violations).toEqual([]);
      if (width === 360) await screenshot('panel-4kb', column);
    });
  }

  it('keeps the ref quiet on one line, whole in its title', () => {
    const { panel } = renderState({ attributes: fourKilobytes, expect: () => {} }, { width: 360 });
    const ref = one(panel, '[data-sticky-calls="customer-ref"]');
    const lineHeight = Number.parseFloat(getComputedStyle(ref).lineHeight);
    expect(ref.getBoundingClientRect().height).toBeLessThanOrEqual(lineHeight + 1);
    expect(one(ref, 'bdi').title).toBe(`cust_${'9'.repeat(60)}`);
    expect(Number.parseFloat(getComputedStyle(ref).fontSize)).toBeLessThan(
      Number.parseFloat(getComputedStyle(nameLine(panel)).fontSize),
    );
  });
});

/**
 * Where `word` is drawn: the box of its characters, found in the text of `root` as a
 * whole (a sentence filled with a value spans several text nodes).
 */
function boxOf(root: Element, word: string): DOMRect {
  const nodes: Text[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) nodes.push(node as Text);
  const text = nodes.map((node) => node.data).join('');
  const at = text.indexOf(word);
  if (at < 0) throw new Error(`${word} is not shown`);
  const locate = (offset: number, end: boolean): [Text, number] => {
    let seen = 0;
    for (const node of nodes) {
      if (offset < seen + node.length || (end && offset === seen + node.length)) return [node, offset - seen];
      seen += node.length;
    }
    throw new Error(`offset ${offset} is past the text`);
  };
  const range = document.createRange();
  range.setStart(...locate(at, false));
  range.setEnd(...locate(at + word.length, true));
  return range.getBoundingClientRect();
}

/** The box of what an element draws (its text), not of the block it fills. */
function inkOf(element: Element): DOMRect {
  const range = document.createRange();
  range.selectNodeContents(element);
  return range.getBoundingClientRect();
}

/** Whether `words`, in their logical order, are drawn on one line in `direction`. */
function drawnInOrder(root: Element, words: readonly string[], direction: 'ltr' | 'rtl' = 'ltr'): boolean {
  const boxes = words.map((word) => boxOf(root, word));
  const [first] = boxes;
  return boxes.every((box, index) => {
    if (Math.abs(box.top - (first?.top ?? 0)) >= 2) return false;
    if (index === 0) return true;
    const previous = boxes[index - 1] as DOMRect;
    return direction === 'ltr' ? box.left > previous.left : box.right < previous.right;
  });
}

describe('right to left', () => {
  /** A caller whose name and details are Arabic and Hebrew, beside a Latin order number. */
  function rtlCaller(): Record<string, unknown> {
    return withFlexKeys(
      startResponse({
        variables: {
          name: { value: 'ليلى حداد', source: 'agent', ttl_seconds: TTL },
          address: { value: 'רחוב הרצל 12, תל אביב', source: 'crm', ttl_seconds: TTL },
          last_order: { value: 'ORD-1042', source: 'agent', ttl_seconds: null },
          plan: { value: 'بريميوم', source: 'crm', ttl_seconds: TTL },
          last_contact_at: { value: LAST_CONTACT.toISOString(), source: null, ttl_seconds: TTL },
        },
      }),
    );
  }

  function rendered(dir: 'ltr' | 'rtl', width?: number) {
    const result = renderInFlex(
      <CallerContextPanel task={panelTask(rtlCaller())} />,
      width === undefined ? { dir } : { dir, width },
    );
    return { ...result, panel: panelOf(result.container) };
  }

  it('mirrors the panel: the name and the badge start on the right, accent bars on the right', async () => {
    const { panel, column } = rendered('rtl');
    expect(getComputedStyle(panel).direction).toBe('rtl');
    const content =
      panel.getBoundingClientRect().right - Number.parseFloat(getComputedStyle(panel).paddingRight);
    const name = inkOf(nameLine(panel));
    const badge = badgeOf(panel).getBoundingClientRect();
    expect(content - name.right).toBeLessThan(2);
    // In the side panel the badge wraps under the name, at the start of its line: the right.
    expect(badge.top).toBeGreaterThanOrEqual(name.bottom);
    expect(content - badge.right).toBeLessThan(2);
    for (const bar of [one(panel, 'section section'), one(panel, 'li[data-repeat="true"]')]) {
      const style = getComputedStyle(bar);
      expect(style.borderRightWidth).toBe('4px');
      expect(style.borderLeftWidth).toBe('0px');
    }
    // Each term of “What we know” starts on the right.
    for (const term of panel.querySelectorAll<HTMLElement>('dl dt')) {
      const row = (term.parentElement as HTMLElement).getBoundingClientRect();
      expect(row.right - inkOf(term).right).toBeLessThan(2);
    }
    expect((await axeFindings(column)).violations).toEqual([]);
    await screenshot('panel-rtl', column);
  });

  it('in a wide column, the badge sits at the far end of the name’s line: the left', () => {
    const { panel } = rendered('rtl', 700);
    const name = inkOf(nameLine(panel));
    const badge = badgeOf(panel).getBoundingClientRect();
    expect(badge.top).toBeLessThan(name.bottom);
    expect(badge.right).toBeLessThan(name.left);
  });

  it('left to right, the same panel puts the name, the badge and the bars on the left', () => {
    const { panel } = rendered('ltr');
    const content =
      panel.getBoundingClientRect().left + Number.parseFloat(getComputedStyle(panel).paddingLeft);
    expect(inkOf(nameLine(panel)).left - content).toBeLessThan(2);
    expect(badgeOf(panel).getBoundingClientRect().left - content).toBeLessThan(2);
    const bar = getComputedStyle(one(panel, 'section section'));
    expect([bar.borderLeftWidth, bar.borderRightWidth]).toEqual(['4px', '0px']);
  });

  it('keeps each value in an isolate of its own direction: Arabic and Hebrew right to left, Latin and numbers in order', () => {
    const { panel } = rendered('rtl');
    const isolateOf = (text: string) => {
      const found = [...panel.querySelectorAll('bdi')].find((bdi) => bdi.textContent === text);
      if (found === undefined) throw new Error(`${text} is not in an isolate`);
      return found;
    };
    expect(getComputedStyle(isolateOf('ليلى حداد')).direction).toBe('rtl');
    expect(getComputedStyle(isolateOf('רחוב הרצל 12, תל אביב')).direction).toBe('rtl');
    expect(getComputedStyle(isolateOf('ORD-1042')).direction).toBe('ltr');
    expect(drawnInOrder(isolateOf('ORD-1042'), ['ORD', '1042'])).toBe(true);
    // The caller's number reads as dialled, whatever the page's direction.
    const number = isolateOf('+1 415-555-1234');
    expect(drawnInOrder(number, ['+1', '415', '555', '1234'])).toBe(true);
  });
});

describe('right to left: the panel’s own times', () => {
  it('reads each time in its own order, whatever the page’s direction (the agent’s locale is English here)', () => {
    const attributes = withFlexKeys(
      startResponse({
        variables: {
          name: { value: 'ليلى حداد', source: 'agent', ttl_seconds: TTL },
          last_contact_at: { value: LAST_CONTACT.toISOString(), source: null, ttl_seconds: TTL },
        },
      }),
    );
    const { column } = renderInFlex(<CallerContextPanel task={panelTask(attributes)} />, { dir: 'rtl' });
    const times = [...panelOf(column).querySelectorAll<HTMLElement>('time')];
    expect(times.map((time) => shown(time))).toHaveLength(2);
    // “04:03 PM” drawn as “PM 04:03”, “Nov 25, 02:05 PM” as “PM 02:05 ,Nov 25”, unless isolated.
    for (const time of times) expect(drawnInOrder(time, shown(time).split(/\s+/)), shown(time)).toBe(true);
  });
});

// A right-to-left mark (U+200F) alone moves no Latin word: the jsdom tests check it is isolated.
describe('caller text in Chromium: the panel’s own words keep their order', () => {
  const RLO = '\u202E';
  const WORDS = ['Pick up', 'first', '4th', 'call', 'about this.'];

  it('the measure itself: a right-to-left override reverses the words after it unless isolated', () => {
    const { container } = render(
      <div style={{ width: 1000 }}>
        <p data-testid="plain">{`Pick up “${RLO}dnufer” first: 4th call about this.`}</p>
        <p data-testid="isolated">
          Pick up “<bdi>{`${RLO}dnufer`}</bdi>” first: 4th call about this.
        </p>
      </div>,
    );
    const plain = one(container, '[data-testid="plain"]');
    const isolated = one(container, '[data-testid="isolated"]');
    expect(drawnInOrder(plain, WORDS)).toBe(false);
    expect(drawnInOrder(isolated, WORDS)).toBe(true);
  });

  for (const [name, char] of [
    ['U+202E', RLO],
    ['U+202B', '\u202B'],
    ['U+2067', '\u2067'],
  ] as const) {
    it(`an intent with ${name}: the suggestion and the intent's row read in order`, async () => {
      const attributes = withFlexKeys(
        startResponse({ open_intents: [{ intent: `${char}dnufer`, status: 'open', attempt_count: 3 }] }),
      );
      const { column } = renderInFlex(<CallerContextPanel task={panelTask(attributes)} />, { width: 1000 });
      const panel = panelOf(column);
      const suggestion = one(panel, 'section section p');
      expect(drawnInOrder(suggestion, WORDS)).toBe(true);
      expect(drawnInOrder(one(panel, 'li'), ['4th', 'call', 'Repeat', 'contact'])).toBe(true);
      expect((await axeFindings(column)).violations).toEqual([]);
    });
  }

  it('renders markup and scripts in stored values as inert text', async () => {
    const win = window as unknown as { pwned?: number };
    const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>';
    const attributes = withFlexKeys(
      startResponse({
        customer_ref: '<i>ref</i>',
        variables: { '<svg onload=alert(1)>': { value: hostile, source: null, ttl_seconds: 1 } },
        open_intents: [{ intent: '<a href="javascript:alert(1)">x</a>', status: 'open', attempt_count: 3 }],
      }),
    );
    const { column } = renderInFlex(<CallerContextPanel task={panelTask(attributes)} />);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const panel = panelOf(column);
    expect(panel.querySelector('img, script, b, i, svg, a[href^="javascript"]')).toBeNull();
    expect(panel.textContent).toContain(hostile);
    expect(win.pwned).toBeUndefined();
  });
});
