/**
 * Caller-supplied text in the panel, the wrap-up form and the notifications: each value
 * sits in a bidi isolate of its own, so a right-to-left override, embedding, isolate or
 * mark inside it cannot reorder the panel's own words; names that would draw nothing
 * (zero-width, bidi or control characters) show a visible stand-in; control characters
 * never reach the page raw. Chromium measures the visual order in panel.browser.test.tsx.
 */
import { ATTRIBUTE_KEY, createWrapUpStore, type WrapUpIssue } from '@stickycalls/core';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { CallerContextPanel } from '../CallerContextPanel.js';
import type { FlexLike, FlexNotification, ManagerLike } from '../flex-types.js';
import { registerCallerContext } from '../registerCallerContext.js';
import { DEFAULT_STRINGS } from '../strings.js';
import { WrapUpCapture } from '../WrapUpCapture.js';
import { NOTIFICATION_IDS } from '../wrap-up-binding.js';
import { flexVoiceKeys, returningCaller, startResponse, TASK_SID, task, withFlexKeys } from './kit.js';

afterEach(cleanup);

const S = DEFAULT_STRINGS;

/** Right-to-left override, embedding, isolate, and the right-to-left mark. */
const BIDI = [
  ['U+202E', '\u202E'],
  ['U+202B', '\u202B'],
  ['U+2067', '\u2067'],
  ['U+200F', '\u200F'],
] as const;

/** Zero-width characters a name can be made of alone. */
const ZERO_WIDTH = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF'] as const;

/** Elements that isolate their content from the text around them. */
const ISOLATING = 'bdi, [dir]';

/** The text nodes under `root` that hold `needle`. */
function textNodes(root: Element, needle: string): Text[] {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found: Text[] = [];
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    if ((node.nodeValue ?? '').includes(needle)) found.push(node as Text);
  }
  return found;
}

/**
 * `value` (a marker inside the caller's text) shows only inside isolating elements, and
 * each of `own` (the component's words next to it) outside any.
 */
function expectIsolated(root: Element, marker: string, own: readonly string[]): void {
  const values = textNodes(root, marker);
  expect(values.length, `${JSON.stringify(marker)} is shown`).toBeGreaterThan(0);
  for (const node of values) {
    const isolate = node.parentElement?.closest(ISOLATING);
    expect(isolate, `${JSON.stringify(node.nodeValue)} sits in an isolate`).toBeTruthy();
    for (const word of own) expect(isolate?.textContent).not.toContain(word);
  }
  for (const word of own) {
    const nodes = textNodes(root, word);
    expect(nodes.length, `${word} is shown`).toBeGreaterThan(0);
    for (const node of nodes) expect(node.parentElement?.closest(ISOLATING) ?? null).toBeNull();
  }
}

/** What a reader sees of an element: its text without the characters that draw nothing. */
function visible(element: Element | null | undefined): string {
  return (element?.textContent ?? '').replace(/[\p{Cc}\p{Cf}\p{Z}]/gu, '');
}

/** No text node under `root` holds a control character other than tab and line breaks. */
function expectNoRawControls(root: Element): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    expect((node.nodeValue ?? '').replace(/[\t\n\r]/g, '')).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
  }
}

function contextWith(overrides: Record<string, unknown>, from?: string) {
  return withFlexKeys(startResponse(overrides), undefined, from);
}

function panel(attributes: unknown): HTMLElement {
  render(<CallerContextPanel task={task(attributes)} />);
  return screen.getByRole('region', { name: S.StickyCallsPanelTitle });
}

const region = (name: string) => screen.getByRole('region', { name });

describe('the panel isolates what the caller and the API supply', () => {
  describe.each(BIDI)('with %s', (_name, char) => {
    const value = `${char}dnufer`;

    it('an intent, from its attempt and repeat tag and from the suggestion around it', () => {
      panel(contextWith({ open_intents: [{ intent: value, status: 'open', attempt_count: 3 }] }));
      expectIsolated(region(S.StickyCallsIntentsTitle), 'dnufer', [
        '4th call about this',
        S.StickyCallsRepeatAttempt,
      ]);
      expectIsolated(region(S.StickyCallsSuggestionTitle), 'dnufer', ['Pick up', '4th call about this']);
    });

    it('a variable name and value, each apart from the other', () => {
      panel(
        contextWith({ variables: { [value]: { value: `${char}eulav`, source: null, ttl_seconds: 60 } } }),
      );
      const section = region(S.StickyCallsVariablesTitle);
      expectIsolated(section, 'dnufer', [S.StickyCallsVariablesTitle]);
      expectIsolated(section, 'eulav', [S.StickyCallsVariablesTitle]);
      const name = textNodes(section, 'dnufer')[0]?.parentElement?.closest(ISOLATING);
      expect(name?.textContent).not.toContain('eulav');
    });

    it('the customer ref and the caller, from their labels', () => {
      const root = panel(contextWith({ customer_ref: `${char}fer` }, `client:${char}ecila`));
      expectIsolated(root, 'fer', [S.StickyCallsCustomerRef, S.StickyCallsCopyRef]);
      expectIsolated(root, 'ecila', [S.StickyCallsCallerNumber]);
    });

    it('the name that leads the header, from the panel’s title and the badge', () => {
      const root = panel(
        contextWith({ variables: { name: { value: `${char}ycnan`, source: null, ttl_seconds: 60 } } }),
      );
      expectIsolated(root, 'ycnan', [S.StickyCallsPanelTitle, S.StickyCallsTierReuse]);
      expect(root.querySelector('[data-sticky-calls="caller-name"] bdi')?.textContent).toBe(`${char}ycnan`);
    });

    it('the caller’s number that leads the header when nothing names them', () => {
      const root = panel(contextWith({ variables: {} }, `client:${char}ecila`));
      const lead = root.querySelector('[data-sticky-calls="caller-name"]') as HTMLElement;
      expectIsolated(lead, 'ecila', []);
      expectIsolated(root, 'ecila', [S.StickyCallsPanelTitle]);
    });
  });
});

describe('the panel shows names that would draw nothing', () => {
  it.each(ZERO_WIDTH.map((char) => [`U+${char.charCodeAt(0).toString(16).toUpperCase()}`, char]))(
    'an intent and a variable name made of %s alone',
    (code, char) => {
      panel(
        contextWith({
          open_intents: [{ intent: char.repeat(2), status: 'open', attempt_count: 1 }],
          variables: { [char]: { value: 'kept', source: null, ttl_seconds: 60 } },
        }),
      );
      const intent = within(region(S.StickyCallsIntentsTitle)).getByRole('listitem');
      const label = textNodes(intent, 'U+')[0]?.parentElement?.closest(ISOLATING);
      expect(visible(label)).toBe(`⟨${code}⟩⟨${code}⟩`);
      const name = within(region(S.StickyCallsVariablesTitle)).getByRole('term');
      expect(visible(name)).toBe(`⟨${code}⟩`);
      expect(region(S.StickyCallsSuggestionTitle).querySelector('p')?.textContent).toContain(code);
    },
  );

  it('an intent and a variable name holding bidi or control characters, each shown as its code point', () => {
    const root = panel(
      contextWith(
        {
          customer_ref: 'ref\u0000\u001b[2J',
          open_intents: [{ intent: 'refund\u202E\u0007\ndone', status: 'open', attempt_count: 1 }],
          variables: {
            'order\u2066id': { value: 'A1\u0008\u0085\u2028B2\nline 2', source: null, ttl_seconds: 60 },
          },
        },
        'client:ali\u0000ce',
      ),
    );
    expectNoRawControls(root);
    const intent = within(region(S.StickyCallsIntentsTitle)).getByRole('listitem');
    expect(intent.textContent).toContain('Refund⟨U+202E⟩⟨U+0007⟩⟨U+000A⟩done');
    expect(within(region(S.StickyCallsVariablesTitle)).getByRole('term').textContent).toBe('Order⟨U+2066⟩id');
    // A value keeps its own line breaks and right-to-left marks, isolated; other controls are shown.
    expect(within(region(S.StickyCallsVariablesTitle)).getByRole('definition').textContent).toBe(
      'A1⟨U+0008⟩⟨U+0085⟩⟨U+2028⟩B2\nline 2',
    );
    expect(root.textContent).toContain('ref⟨U+0000⟩⟨U+001B⟩[2J');
    expect(root.textContent).toContain('ali⟨U+0000⟩ce');
  });

  it('an empty intent or variable name as “(no name)”', () => {
    // The API's schema drops them; a task's attributes can still hold them.
    panel({
      ...flexVoiceKeys(),
      [ATTRIBUTE_KEY]: {
        v: 1,
        status: 'ok',
        reason: null,
        customer_ref: 'cust_1',
        confidence: 0.9,
        level: 'high',
        tier: 'reuse',
        sources: [],
        call_start: null,
        intents: [{ intent: '', status: 'open', attempts: 1 }],
        vars: { '': 'kept' },
        truncated: false,
        omitted: { variables: 0, intents: 0 },
      },
    });
    expect(within(region(S.StickyCallsIntentsTitle)).getByRole('listitem').textContent).toContain(
      S.StickyCallsUnnamed,
    );
    expect(within(region(S.StickyCallsVariablesTitle)).getByRole('term').textContent).toBe(
      S.StickyCallsUnnamed,
    );
  });

  it('leaves ordinary names as they were, in any script', () => {
    panel(
      contextWith({
        open_intents: [{ intent: 'החזר_כספי', status: 'open', attempt_count: 2 }],
        variables: { رقم_الطلب: { value: 'طلب ٤٤٧١', source: null, ttl_seconds: 60 } },
      }),
    );
    const intent = within(region(S.StickyCallsIntentsTitle)).getByRole('listitem');
    expect(intent.textContent).toContain('החזר כספי');
    expect(intent.textContent).not.toContain('U+');
    expect(within(region(S.StickyCallsVariablesTitle)).getByRole('term').textContent).toBe('رقم الطلب');
    expect(within(region(S.StickyCallsVariablesTitle)).getByRole('definition').textContent).toBe('طلب ٤٤٧١');
  });
});

describe('the wrap-up form isolates what the caller, the API and the save Function supply', () => {
  function form(attributes: unknown = returningCaller()) {
    const store = createWrapUpStore();
    render(<WrapUpCapture task={task(attributes)} store={store} />);
    return { store, root: screen.getByRole('region', { name: S.StickyCallsWrapUpTitle }) };
  }
  const refuse = (store: ReturnType<typeof createWrapUpStore>, issues: WrapUpIssue[]) =>
    act(() => store.set(TASK_SID, { issues, phase: 'editing', refusals: 1 }));

  describe.each(BIDI)('with %s', (_name, char) => {
    it('an intent choice, from its attempt', () => {
      const { root } = form(
        contextWith({ open_intents: [{ intent: `${char}dnufer`, status: 'open', attempt_count: 3 }] }),
      );
      expectIsolated(within(root).getByRole('group', { name: /call about/ }), 'dnufer', [
        '4th call about this',
      ]);
    });

    it('a detail name in an issue, and a message of the save Function', () => {
      const { store, root } = form();
      act(() =>
        store.edit(TASK_SID, {
          variables: [
            { name: `${char}eman`, value: 'a' },
            { name: `${char}eman`, value: 'b' },
          ],
        }),
      );
      refuse(store, [
        { code: 'variable_duplicate', path: ['variables', 1], name: `${char}eman`, message: 'given twice' },
        { code: 'other', path: ['call_id'], message: `${char}dilavni` },
      ]);
      const alert = within(root).getByRole('alert');
      expectIsolated(alert, 'eman', ['repeats the name']);
      expectIsolated(alert, 'dilavni', ['refused the wrap-up']);
    });
  });

  it.each(ZERO_WIDTH)('shows an intent choice made of %j alone', (char) => {
    const { root } = form(
      contextWith({ open_intents: [{ intent: char, status: 'open', attempt_count: 1 }] }),
    );
    const [first] = within(root).getAllByRole('radio');
    expect(visible(first?.closest('label'))).toMatch(/^⟨U\+[0-9A-F]{4}⟩/);
  });

  it('shows a detail name of zero-width characters in an issue, never an empty pair of quotes', () => {
    const { store, root } = form();
    refuse(store, [{ code: 'variable_duplicate', path: ['variables', 0], name: '\u200B', message: 'twice' }]);
    expect(within(root).getByRole('alert').textContent).toContain('repeats the name “⟨U+200B⟩”');
  });
});

describe('the notifications isolate the task they name', () => {
  it.each(BIDI)('with %s in the task’s channel', (_name, char) => {
    const registered = new Map<string, FlexNotification>();
    const noop = () => undefined;
    const content = { add: noop, remove: noop };
    const flex: FlexLike = {
      TaskCanvas: { Content: content },
      Actions: { addListener: noop, removeListener: noop },
      Notifications: {
        registerNotification: (notification) => void registered.set(notification.id, notification),
        showNotification: noop,
        dismissNotificationById: noop,
      },
    };
    const manager: ManagerLike = { user: { token: 'token' } };
    const dispose = registerCallerContext(flex, manager, { saveContextUrl: 'https://example.com/save' });
    const notification = registered.get(NOTIFICATION_IDS.taskGone) as FlexNotification;
    const element = notification.content as React.ReactElement;
    const { container } = render(
      React.cloneElement(element, {
        notificationContext: { taskSid: 'WT1', task: { taskChannelUniqueName: `${char}eciov` } },
      }),
    );
    expectIsolated(container, 'eciov', ['The wrap-up of the', 'cannot be saved']);
    dispose();
  });
});
