/**
 * The panel and the wrap-up capture in a real Chromium with React 17: what renders,
 * what a keyboard can reach, what axe finds, how a full 4 KB context lays out, and
 * that hostile values stay text. With STICKY_CALLS_SCREENSHOTS set (`pnpm screenshots`)
 * it also saves the README's screenshots.
 */
import {
  ATTRIBUTE_KEY,
  degradedTaskAttributes,
  type StartCallResponse,
  toTaskAttributes,
} from '@stickycalls/core';
import { cleanup, render } from '@testing-library/react';
import axe from 'axe-core';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { CallerContextPanel, createWrapUpStore, type FlexTask, WrapUpCapture } from '../index.js';

declare const __SCREENSHOTS__: string;

afterEach(() => cleanup());

const NOW = new Date();

function startResponse(overrides: Partial<StartCallResponse> = {}): StartCallResponse {
  return {
    call_id: 'CA0123456789abcdef0123456789abcdef',
    customer_ref: 'cust_8f2a91',
    call_start: NOW.toISOString(),
    identity: {
      confidence: 0.92,
      level: 'very_high',
      sources: ['ani:mobile', 'recency:7days'],
      recommendation: 'reuse',
    },
    open_intents: [
      { intent: 'refund_request', status: 'open', attempt_count: 2 },
      { intent: 'address_change', status: 'open', attempt_count: 1 },
    ],
    variables: {
      name: { value: 'Ada Lovelace', source: null, ttl_seconds: 2592000 },
      last_order: { value: 'Order #4471, blue kettle, 49.90 EUR', source: 'crm', ttl_seconds: 2592000 },
      summary: {
        value: 'Kettle arrived broken; refund promised within 5 days.',
        source: null,
        ttl_seconds: 2592000,
      },
    },
    ...overrides,
  };
}

function voiceTask(attributes: object, status = 'assigned'): FlexTask {
  return {
    sid: 'WR0123456789abcdef0123456789abcdef',
    taskSid: 'WT0123456789abcdef0123456789abcdef',
    status,
    taskChannelUniqueName: 'voice',
    attributes: { from: '+14155551234', call_sid: 'CA0123456789abcdef0123456789abcdef', ...attributes },
  };
}

const STATES: Record<string, FlexTask> = {
  known: voiceTask(toTaskAttributes(startResponse())),
  verify: voiceTask(
    toTaskAttributes(
      startResponse({
        identity: { confidence: 0.42, level: 'low', sources: ['ani:landline'], recommendation: 'confirm' },
      }),
    ),
  ),
  new: voiceTask(
    toTaskAttributes(
      startResponse({
        identity: { confidence: 0, level: 'low', sources: [], recommendation: 'ignore' },
        open_intents: [],
        variables: {},
      }),
    ),
  ),
  unavailable: voiceTask(degradedTaskAttributes('timeout')),
  truncated: voiceTask(
    toTaskAttributes(
      startResponse({
        variables: Object.fromEntries(
          Array.from({ length: 40 }, (_, i) => [
            `note_${i}`,
            { value: `A fairly long stored note number ${i}`, source: null, ttl_seconds: 60 },
          ]),
        ),
      }),
      { budget: 900 },
    ),
  ),
};

/** A namespaced context of about 4 KB: many variables, some very long and unbroken. */
function fourKilobyteTask(): FlexTask {
  const vars: Record<string, string> = {};
  for (let i = 0; i < 30; i += 1) vars[`variable_with_a_long_name_${i}`] = `value ${i} `.repeat(8);
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
    call_start: NOW.toISOString(),
    intents: Array.from({ length: 6 }, (_, i) => ({
      intent: `intent_${'z'.repeat(40)}_${i}`,
      status: 'open',
      attempts: i,
    })),
    vars,
    truncated: false,
    omitted: { variables: 0, intents: 0 },
  };
  const task = voiceTask({ [ATTRIBUTE_KEY]: context });
  expect(JSON.stringify(task.attributes).length).toBeGreaterThan(3500);
  return task;
}

async function seriousViolations(element: Element): Promise<string[]> {
  const results = await axe.run(element, { resultTypes: ['violations'] });
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.length} nodes)`);
}

async function screenshot(name: string, element: HTMLElement) {
  if (__SCREENSHOTS__ === '') return;
  await page.screenshot({ element, path: `${__SCREENSHOTS__}/${name}.png` });
}

function frame(children: React.ReactNode, width = 420) {
  return (
    <div data-testid="frame" style={{ width, padding: 12, background: 'rgb(244, 244, 246)' }}>
      {children}
    </div>
  );
}

describe('CallerContextPanel in Chromium', () => {
  for (const [name, task] of Object.entries(STATES)) {
    it(`renders the ${name} state with no serious accessibility violation`, async () => {
      const { container } = render(frame(<CallerContextPanel task={task} />));
      const panel = container.querySelector('[data-sticky-calls="panel"]') as HTMLElement;
      expect(panel).not.toBeNull();
      expect(panel.getAttribute('aria-labelledby')).toBeTruthy();
      expect(await seriousViolations(container)).toEqual([]);
      // Nothing spills out sideways in a narrow Flex column.
      expect(panel.scrollWidth).toBeLessThanOrEqual(panel.clientWidth);
      await screenshot(`panel-${name}`, container.firstElementChild as HTMLElement);
    });
  }

  it('shows what the state means in words, not only in colour', async () => {
    const expected: Record<string, RegExp> = {
      known: /Known caller/,
      verify: /Verify identity[\s\S]*Confirm who is calling/,
      new: /New caller/,
      unavailable: /Caller context unavailable[\s\S]*timed out/,
      truncated: /left out to fit the task/,
    };
    for (const [name, task] of Object.entries(STATES)) {
      const { container, unmount } = render(<CallerContextPanel task={task} />);
      expect(container.textContent).toMatch(expected[name] as RegExp);
      unmount();
    }
  });

  it('lays out a 4 KB context inside a 360 px column without overflow, every row visible', async () => {
    const task = fourKilobyteTask();
    const { container } = render(frame(<CallerContextPanel task={task} />, 360));
    const panel = container.querySelector('[data-sticky-calls="panel"]') as HTMLElement;
    const box = panel.getBoundingClientRect();
    expect(box.width).toBeLessThanOrEqual(360);
    expect(panel.scrollWidth).toBeLessThanOrEqual(panel.clientWidth);
    const values = [...panel.querySelectorAll('dd')];
    expect(values.length).toBeGreaterThanOrEqual(32);
    for (const value of values) {
      const rect = value.getBoundingClientRect();
      expect(rect.right).toBeLessThanOrEqual(box.right + 0.5);
      expect(rect.height).toBeGreaterThan(0);
    }
    // The 600-character unbroken value wraps onto many lines instead of widening the panel.
    const unbroken = values.find((value) => value.textContent === 'x'.repeat(600)) as HTMLElement;
    expect(unbroken.getBoundingClientRect().height).toBeGreaterThan(60);
    expect(await seriousViolations(container)).toEqual([]);
    await screenshot('panel-4kb', container.firstElementChild as HTMLElement);
  });

  it('renders markup and scripts in stored values as inert text', async () => {
    const win = window as unknown as { pwned?: number };
    const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>';
    const task = voiceTask(
      toTaskAttributes(
        startResponse({
          customer_ref: '<i>ref</i>',
          variables: { '<svg onload=alert(1)>': { value: hostile, source: null, ttl_seconds: 1 } },
          open_intents: [{ intent: '<a href="javascript:alert(1)">x</a>', status: 'open', attempt_count: 3 }],
        }),
      ),
    );
    const { container } = render(<CallerContextPanel task={task} />);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(container.querySelector('img, script, b, i, svg, a[href^="javascript"]')).toBeNull();
    expect(container.textContent).toContain(hostile);
    expect(win.pwned).toBeUndefined();
  });
});

describe('WrapUpCapture in Chromium', () => {
  function wrapUpTask() {
    return voiceTask(toTaskAttributes(startResponse()), 'wrapping');
  }

  it('can be filled in with the keyboard alone', async () => {
    const store = createWrapUpStore();
    const task = wrapUpTask();
    const { container } = render(
      <WrapUpCapture task={task} store={store} dispositions={['resolved', 'callback_scheduled']} />,
    );
    const section = container.querySelector('[data-sticky-calls="wrap-up"]') as HTMLElement;
    // Tab into the intent group: the first open intent takes the focus; arrows move within the group.
    await userEvent.tab();
    expect((document.activeElement as HTMLInputElement).value).toBe('refund_request');
    await userEvent.keyboard(' ');
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(store.get(task.taskSid as string).draft.intentChoice).not.toBe('refund_request');
    await userEvent.tab();
    expect((document.activeElement as HTMLInputElement).type).toBe('text');
    await userEvent.keyboard('Warranty claim');
    await userEvent.tab();
    await userEvent.keyboard('{ArrowRight}');
    await userEvent.tab();
    await userEvent.keyboard('Replacement kettle sent.');
    await userEvent.tab();
    expect(document.activeElement?.tagName).toBe('SELECT');
    await userEvent.selectOptions(document.activeElement as HTMLSelectElement, 'callback_scheduled');
    await userEvent.tab();
    expect(document.activeElement?.textContent).toBe('Add a detail');
    await userEvent.keyboard('{Enter}');
    // The new row's name field takes the focus.
    expect((document.activeElement as HTMLElement).id).toMatch(/-variables-0$/);
    await userEvent.keyboard('ticket');
    await userEvent.tab();
    await userEvent.keyboard('T-1001');

    const { draft } = store.get(task.taskSid as string);
    expect(draft).toMatchObject({
      customIntent: 'Warranty claim',
      summary: 'Replacement kettle sent.',
      disposition: 'callback_scheduled',
      variables: [{ name: 'ticket', value: 'T-1001' }],
    });
    expect(draft.status).not.toBe('');
    expect(await seriousViolations(section)).toEqual([]);
  });

  it('moves focus to the issues when a completion is refused, and stays accessible', async () => {
    const store = createWrapUpStore();
    const task = wrapUpTask();
    const { container } = render(frame(<WrapUpCapture task={task} store={store} />));
    store.set(task.taskSid as string, {
      issues: [
        { code: 'intent_required', path: ['intent'], message: 'intent is required' },
        {
          code: 'status_required',
          path: ['intent_status'],
          message: 'intent_status is required with an intent (open, resolved or abandoned)',
        },
      ],
      refusals: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const alert = container.querySelector('[role="alert"]') as HTMLElement;
    expect(document.activeElement).toBe(alert);
    expect(alert.textContent).toContain('Choose or type what the call was about.');
    expect(alert.textContent).toContain('Choose the intent’s status.');
    expect(await seriousViolations(container)).toEqual([]);
    await screenshot('wrap-up-issues', container.firstElementChild as HTMLElement);
  });

  it('renders the empty form with no serious accessibility violation', async () => {
    const store = createWrapUpStore();
    const { container } = render(
      frame(<WrapUpCapture task={wrapUpTask()} store={store} dispositions={['resolved']} />),
    );
    expect(await seriousViolations(container)).toEqual([]);
    await screenshot('wrap-up', container.firstElementChild as HTMLElement);
  });
});

/** Where `word` is drawn: the box of its characters in the first text node that holds it. */
function boxOf(root: Element, word: string): DOMRect {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    const at = (node.nodeValue ?? '').indexOf(word);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + word.length);
    return range.getBoundingClientRect();
  }
  throw new Error(`${word} is not shown`);
}

/** Whether `words`, in their logical order, are drawn left to right on one line. */
function drawnInOrder(root: Element, words: readonly string[]): boolean {
  const boxes = words.map((word) => boxOf(root, word));
  const [first] = boxes;
  return boxes.every(
    (box, index) =>
      Math.abs(box.top - (first?.top ?? 0)) < 2 && (index === 0 || box.left > (boxes[index - 1]?.left ?? 0)),
  );
}

// A right-to-left mark (U+200F) alone moves no Latin word: the jsdom tests check it is isolated.
describe('caller text in Chromium: the panel’s own words keep their order', () => {
  const RLO = '\u202E';
  const sentence = (value: string) => `Pick up “${value}” first: this is contact 4 about it.`;
  // The closing full stop too: an embedding or isolate left open moves it to the far left.
  const WORDS = ['Pick up', 'first', 'contact', 'about it.'];

  it('the measure itself: a right-to-left override reverses the words after it unless isolated', () => {
    const { container } = render(
      frame(
        <>
          <p data-testid="plain">{sentence(`${RLO}dnufer`)}</p>
          <p data-testid="isolated">
            Pick up “<bdi>{`${RLO}dnufer`}</bdi>” first: this is contact 4 about it.
          </p>
        </>,
        1000,
      ),
    );
    const plain = container.querySelector('[data-testid="plain"]') as HTMLElement;
    const isolated = container.querySelector('[data-testid="isolated"]') as HTMLElement;
    expect(drawnInOrder(plain, WORDS)).toBe(false);
    expect(boxOf(plain, 'about').left).toBeLessThan(boxOf(plain, 'first').left);
    expect(drawnInOrder(isolated, WORDS)).toBe(true);
  });

  for (const [name, char] of [
    ['U+202E', RLO],
    ['U+202B', '\u202B'],
    ['U+2067', '\u2067'],
  ] as const) {
    it(`an intent with ${name}: the suggestion, the attempt and the repeat tag read in order`, async () => {
      const task = voiceTask(
        toTaskAttributes(
          startResponse({ open_intents: [{ intent: `${char}dnufer`, status: 'open', attempt_count: 3 }] }),
        ),
      );
      const { container } = render(frame(<CallerContextPanel task={task} />, 1000));
      const suggestion = [...container.querySelectorAll('section p')].find((p) =>
        p.textContent?.startsWith('Pick up'),
      ) as HTMLElement;
      expect(drawnInOrder(suggestion, WORDS)).toBe(true);
      const intent = container.querySelector('li') as HTMLElement;
      expect(drawnInOrder(intent, ['attempt', '3', 'Repeat', 'contact'])).toBe(true);
      expect(await seriousViolations(container)).toEqual([]);
    });

    it(`a message of the save Function with ${name}, first in a translated sentence, leaves the rest in order`, async () => {
      const store = createWrapUpStore();
      const task = voiceTask(toTaskAttributes(startResponse()), 'wrapping');
      const { container } = render(
        frame(
          <WrapUpCapture
            task={task}
            store={store}
            strings={{ StickyCallsErrorOther: '{{message}}: refused by the save Function, try again.' }}
          />,
          1000,
        ),
      );
      store.set(task.taskSid as string, {
        issues: [{ code: 'other', path: ['call_id'], message: `${char}dilavni` }],
        refusals: 1,
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      const alert = container.querySelector('[role="alert"] li') as HTMLElement;
      expect(drawnInOrder(alert, ['refused', 'save', 'Function', 'try again.'])).toBe(true);
      expect(await seriousViolations(container)).toEqual([]);
    });
  }
});
