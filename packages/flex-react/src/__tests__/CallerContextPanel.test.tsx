import {
  ATTRIBUTE_KEY,
  createWrapUpStore,
  DEGRADED_REASONS,
  TASK_ATTRIBUTES_LIMIT,
  type TierOptions,
} from '@stickycalls/core';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import fc from 'fast-check';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallerContextPanel, type CallerContextPanelProps } from '../CallerContextPanel.js';
import type { CallerContextView } from '../caller-view.js';
import type { FlexTask } from '../flex-types.js';
import { DEFAULT_STRINGS, StickyCallsStringsProvider } from '../strings.js';
import { useCallerContext } from '../useCallerContext.js';
import {
  CALL_START,
  CUSTOMER_REF,
  confirmMatch,
  degraded,
  flatLayout,
  flexVoiceKeys,
  GARBAGE,
  newCaller,
  RESERVATION_SID,
  returningCaller,
  startResponse,
  TASK_SID,
  TRUNCATED_VARIABLES,
  task,
  truncated,
  withFlexKeys,
} from './kit.js';

// Testing Library cleans up by itself only where the test runner has global hooks.
afterEach(cleanup);

const S = DEFAULT_STRINGS;

function renderPanel(attributes: unknown, props: Omit<CallerContextPanelProps, 'task'> = {}) {
  const result = render(<CallerContextPanel task={task(attributes)} {...props} />);
  return { ...result, panel: screen.getByRole('region', { name: S.StickyCallsPanelTitle }) };
}

/** The definition a description list gives a term, found by the term's text. */
function definitionOf(container: HTMLElement, term: string): string | null {
  const dt = within(container)
    .getAllByRole('term')
    .find((element) => element.textContent === term);
  if (dt === undefined) throw new Error(`no term ${term}`);
  return dt.nextElementSibling?.textContent ?? null;
}

/** The term/definition rows of the list under a section heading. */
function rowsOf(section: HTMLElement): [string | null, string | null][] {
  const terms = within(section).getAllByRole('term');
  const definitions = within(section).getAllByRole('definition');
  expect(definitions).toHaveLength(terms.length);
  return terms.map((term, index) => [term.textContent, definitions[index]?.textContent ?? null]);
}

const region = (name: string) => screen.getByRole('region', { name });

/** The element a `data-sticky-calls` hook names, inside `root`. */
function hook(root: HTMLElement, name: string): HTMLElement | null {
  return root.querySelector(`[data-sticky-calls="${name}"]`);
}

/** A reuse-tier caller with this match, these stored variables (value only) and the fixture's intents. */
function callerWith(
  vars: Record<string, string>,
  identity: Record<string, unknown> = {
    confidence: 0.92,
    level: 'very_high',
    sources: ['ani:mobile', 'recency:7days'],
    recommendation: 'reuse',
  },
) {
  return withFlexKeys(
    startResponse({
      identity,
      variables: Object.fromEntries(
        Object.entries(vars).map(([name, value]) => [name, { value, source: 'agent', ttl_seconds: 60 }]),
      ),
    }),
  );
}

describe('CallerContextPanel: a returning caller', () => {
  it('leads with the caller, then the match and the facts', () => {
    const { panel } = renderPanel(returningCaller());
    expect(within(panel).getByRole('heading', { level: 2, name: 'Caller context' })).toBeTruthy();
    expect(hook(panel, 'caller-name')?.textContent).toBe('Dana Scully');
    const badge = within(panel).getByText(S.StickyCallsTierReuse).parentElement;
    expect(badge?.textContent).toBe('✓Known caller92% match');
    expect(definitionOf(panel, S.StickyCallsCallerNumber)).toBe('+1 415-555-1234');
    expect(hook(panel, 'customer-ref')?.textContent).toBe(CUSTOMER_REF);
    expect(definitionOf(panel, S.StickyCallsLastContact)).toBe(S.StickyCallsLastContactWeek);
    expect(panel.querySelector('time')?.getAttribute('datetime')).toBe(CALL_START);
  });

  it('lists the stored variables as term and definition, named for reading, the name not among them', () => {
    renderPanel(returningCaller());
    const section = region(S.StickyCallsVariablesTitle);
    expect(rowsOf(section)).toEqual([
      ['Plan', 'Premium'],
      ['Last order', 'ORD-1042'],
    ]);
    // The slug itself stays available on hover.
    expect(within(section).getByText('Last order').getAttribute('title')).toBe('last_order');
  });

  it('lists the open intents with the calls about each, this one included, marking the repeat contact', () => {
    renderPanel(returningCaller());
    const items = within(region(S.StickyCallsIntentsTitle)).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    const [repeat, first] = items as [HTMLElement, HTMLElement];
    expect(within(repeat).getByText('Refund request')).toBeTruthy();
    expect(within(repeat).getByText('3rd call about this')).toBeTruthy();
    expect(within(repeat).getByText(S.StickyCallsRepeatAttempt)).toBeTruthy();
    expect(within(first).getByText('Address change')).toBeTruthy();
    expect(within(first).getByText('2nd call about this')).toBeTruthy();
    expect(within(first).queryByText(S.StickyCallsRepeatAttempt)).toBeNull();
  });

  it('suggests following up the repeat intent in the same words as its row', () => {
    renderPanel(returningCaller());
    const row = within(region(S.StickyCallsIntentsTitle)).getAllByRole('listitem')[0] as HTMLElement;
    expect(within(row).getByText('3rd call about this')).toBeTruthy();
    expect(within(region(S.StickyCallsSuggestionTitle)).getByText(/^Pick up/).textContent).toBe(
      'Pick up “Refund request” first: 3rd call about this.',
    );
  });

  it.each([
    [0, '1st'],
    [1, '2nd'],
    [2, '3rd'],
    [3, '4th'],
    [10, '11th'],
    [11, '12th'],
    [12, '13th'],
    [20, '21st'],
    [21, '22nd'],
    [102, '103rd'],
  ])('says an intent raised on %i earlier calls is the %s call about it', (attempts, ordinal) => {
    renderPanel(
      withFlexKeys(
        startResponse({
          open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: attempts }],
        }),
      ),
    );
    expect(within(region(S.StickyCallsIntentsTitle)).getByRole('listitem').textContent).toContain(
      `${ordinal} call about this`,
    );
  });

  it('shows no count for an attempt count that is not a whole number of calls', () => {
    renderPanel({
      ...flexVoiceKeys(),
      [ATTRIBUTE_KEY]: {
        v: 1,
        status: 'ok',
        reason: null,
        customer_ref: 'cust_1',
        confidence: 0.9,
        level: 'very_high',
        tier: 'reuse',
        sources: [],
        call_start: null,
        intents: [
          { intent: 'a', status: 'open', attempts: -2 },
          { intent: 'b', status: 'open', attempts: 1.5 },
        ],
        vars: {},
        truncated: false,
        omitted: { variables: 0, intents: 0 },
      },
    });
    for (const item of within(region(S.StickyCallsIntentsTitle)).getAllByRole('listitem')) {
      expect(item.textContent).not.toMatch(/call about this/);
    }
  });

  it('does not ask to verify a match to reuse', () => {
    const { panel } = renderPanel(returningCaller());
    expect(within(panel).queryByText(S.StickyCallsVerifyPrompt)).toBeNull();
    expect(within(panel).queryByRole('note')).toBeNull();
  });

  it('reads the flat layout the same way', () => {
    const { panel } = renderPanel(flatLayout());
    expect(within(panel).getByText(S.StickyCallsTierReuse)).toBeTruthy();
    expect(rowsOf(region(S.StickyCallsVariablesTitle))).toHaveLength(2);
    expect(hook(panel, 'caller-name')?.textContent).toBe('Dana Scully');
    expect(within(region(S.StickyCallsIntentsTitle)).getAllByRole('listitem')).toHaveLength(2);
  });

  it('says when nothing is stored and nothing is open', () => {
    renderPanel(withFlexKeys(startResponse({ variables: {}, open_intents: [] })));
    expect(within(region(S.StickyCallsVariablesTitle)).getByText(S.StickyCallsNoVariables)).toBeTruthy();
    expect(within(region(S.StickyCallsIntentsTitle)).getByText(S.StickyCallsNoIntents)).toBeTruthy();
    expect(
      within(region(S.StickyCallsSuggestionTitle)).getByText(S.StickyCallsSuggestWelcomeBack),
    ).toBeTruthy();
  });
});

describe('CallerContextPanel: tiers', () => {
  it('asks to verify a confirm-tier match before using it, naming none of its intents yet', () => {
    const { panel } = renderPanel(confirmMatch());
    expect(within(panel).getByText(S.StickyCallsTierConfirm)).toBeTruthy();
    const note = within(panel).getByRole('note');
    expect(note.textContent).toContain(S.StickyCallsVerifyPrompt);
    expect(within(region(S.StickyCallsSuggestionTitle)).getByText(/^Verify/).textContent).toBe(
      S.StickyCallsSuggestVerify,
    );
  });

  it("shows an ignore-tier match as a new caller, without the other person's data", () => {
    const { panel } = renderPanel(newCaller());
    expect(within(panel).getByText(S.StickyCallsTierIgnore)).toBeTruthy();
    expect(within(panel).getByText(S.StickyCallsNewCallerHint)).toBeTruthy();
    expect(screen.queryByRole('region', { name: S.StickyCallsVariablesTitle })).toBeNull();
    expect(screen.queryByRole('region', { name: S.StickyCallsIntentsTitle })).toBeNull();
    expect(within(panel).queryByText('Someone Else')).toBeNull();
    expect(within(panel).queryByText('Lost card')).toBeNull();
    expect(
      within(region(S.StickyCallsSuggestionTitle)).getByText(S.StickyCallsSuggestNewCaller),
    ).toBeTruthy();
  });

  it('uses the thresholds it is given', () => {
    const { panel } = renderPanel(flatLayout(), { tiers: { reuseAt: 0.95 } });
    expect(within(panel).getByText(S.StickyCallsTierConfirm)).toBeTruthy();
    expect(within(panel).getByText(S.StickyCallsVerifyPrompt)).toBeTruthy();
  });

  it('names each tier in words, not only in colour', () => {
    const labels = [
      [returningCaller(), S.StickyCallsTierReuse],
      [confirmMatch(), S.StickyCallsTierConfirm],
      [newCaller(), S.StickyCallsTierIgnore],
    ] as const;
    for (const [attributes, label] of labels) {
      const { panel, unmount } = renderPanel(attributes);
      const badge = within(panel).getByText(label);
      expect(badge.tagName).toBe('STRONG');
      // The icon beside the word is decoration: hidden from screen readers.
      const icon = badge.parentElement?.querySelector('[aria-hidden="true"]');
      expect(icon?.textContent).not.toBe('');
      unmount();
    }
    expect(new Set(labels.map(([, label]) => label)).size).toBe(3);
  });
});

describe('CallerContextPanel: the badge tells one story', () => {
  const match = (confidence: number, level: string, recommendation = 'reuse') =>
    callerWith({ name: 'Dana Scully' }, { confidence, level, sources: [], recommendation });

  it.each([
    [0.95, 'very_high', S.StickyCallsTierReuse, 'strong'],
    [0.75, 'high', S.StickyCallsTierReuse, 'strong'],
    [0.5, 'medium', S.StickyCallsTierReuseLikely, 'likely'],
    [0.62, 'medium', S.StickyCallsTierReuseLikely, 'likely'],
  ] as const)('words a match to reuse at %d as “%s”', (confidence, level, label, look) => {
    const { panel } = renderPanel(match(confidence, level));
    const badge = hook(panel, 'badge') as HTMLElement;
    expect(within(badge).getByText(label).tagName).toBe('STRONG');
    expect(badge.textContent).toContain(`${Math.round(confidence * 100)}% match`);
    expect(badge.getAttribute('data-look')).toBe(look);
    expect(panel.getAttribute('data-tier')).toBe('reuse');
    expect(panel.getAttribute('data-level')).toBe(level);
  });

  it('never says “Known caller” beside a medium match', () => {
    const { panel } = renderPanel(match(0.5, 'medium'));
    expect(within(panel).queryByText(S.StickyCallsTierReuse)).toBeNull();
    expect(hook(panel, 'badge')?.textContent).not.toMatch(/medium/);
  });

  it('takes the level from the number the agent sees, whatever level the API sent beside it', () => {
    const { panel } = renderPanel(match(0.55, 'very_high'), {
      strings: { StickyCallsConfidence: '{{percent}}% match · {{level}}' },
    });
    expect(panel.getAttribute('data-level')).toBe('medium');
    expect(within(panel).getByText(S.StickyCallsTierReuseLikely)).toBeTruthy();
    expect(hook(panel, 'badge')?.textContent).toContain('55% match · medium');
    expect(panel.textContent).not.toMatch(/very/);
  });

  it('shows a high match visibly stronger than a medium one', () => {
    const first = renderPanel(match(0.92, 'very_high'));
    const { borderTopWidth, fontSize, background, fontWeight } = getComputedStyle(
      hook(first.panel, 'badge') as HTMLElement,
    );
    const strongStyle = { borderTopWidth, fontSize, background, fontWeight };
    first.unmount();
    const likely = getComputedStyle(hook(renderPanel(match(0.55, 'medium')).panel, 'badge') as HTMLElement);
    expect(Number.parseFloat(strongStyle.borderTopWidth)).toBeGreaterThan(
      Number.parseFloat(likely.borderTopWidth),
    );
    expect(Number.parseFloat(strongStyle.fontSize)).toBeGreaterThan(Number.parseFloat(likely.fontSize));
    expect(strongStyle.background).not.toBe(likely.background);
    expect(strongStyle.fontWeight).toBe('700');
  });
});

describe('CallerContextPanel: who is calling', () => {
  it('leads with the name, the most prominent value of the header', () => {
    const { panel } = renderPanel(returningCaller());
    const name = hook(panel, 'caller-name') as HTMLElement;
    expect(name.getAttribute('data-source')).toBe('name');
    expect(getComputedStyle(name).fontWeight).toBe('700');
    const title = within(panel).getByRole('heading', { level: 2 });
    expect(Number.parseFloat(getComputedStyle(name).fontSize)).toBeGreaterThan(
      Number.parseFloat(getComputedStyle(title).fontSize),
    );
    // The name is in an isolate of its own.
    expect(name.querySelector('bdi')?.textContent).toBe('Dana Scully');
  });

  it('reads the name from the variable the admin maps, and lists the others', () => {
    const attributes = callerWith({ full_name: 'Dana Katherine Scully', name: 'Dana' });
    const { panel } = renderPanel(attributes, { nameVariable: 'full_name' });
    expect(hook(panel, 'caller-name')?.textContent).toBe('Dana Katherine Scully');
    expect(rowsOf(region(S.StickyCallsVariablesTitle))).toEqual([['Name', 'Dana']]);
  });

  it("leads with the caller's number when nothing names them, without repeating it as a fact", () => {
    const { panel } = renderPanel(callerWith({ plan: 'Premium', name: '   ' }));
    const lead = hook(panel, 'caller-name') as HTMLElement;
    expect(lead.textContent).toBe('+1 415-555-1234');
    expect(lead.getAttribute('data-source')).toBe('number');
    expect(within(panel).queryByText(S.StickyCallsCallerNumber)).toBeNull();
  });

  it('keeps the ref quiet: small, weak, on one line cut with an ellipsis, whole in its title', () => {
    const ref = `cust-${'0123456789'.repeat(4)}`;
    const { panel } = renderPanel(withFlexKeys(startResponse({ customer_ref: ref })));
    const element = hook(panel, 'customer-ref') as HTMLElement;
    expect(element.textContent).toBe(ref);
    expect(element.querySelector('[title]')?.getAttribute('title')).toBe(ref);
    const style = getComputedStyle(element);
    expect(style.whiteSpace).toBe('nowrap');
    expect(style.textOverflow).toBe('ellipsis');
    expect(style.overflow).toBe('hidden');
    const line = getComputedStyle(element.parentElement as HTMLElement);
    expect(line.fontSize).toBe('0.75rem');
    expect(line.color).not.toBe(getComputedStyle(panel).color);
    expect(element.closest('code')).toBeNull();
    // No font of its own (a ref is no code): the panel's, inherited where the page computes inheritance.
    expect(['', getComputedStyle(panel).fontFamily]).toContain(style.fontFamily);
  });
});

describe('CallerContextPanel: copying the ref', () => {
  function withClipboard(writeText: ((text: string) => Promise<void>) | undefined) {
    Object.defineProperty(window.navigator, 'clipboard', {
      value: writeText === undefined ? undefined : { writeText },
      configurable: true,
    });
  }
  afterEach(() => {
    Reflect.deleteProperty(window.navigator, 'clipboard');
  });

  it('copies the whole ref and says so politely', async () => {
    const writeText = vi.fn((_text: string) => Promise.resolve());
    withClipboard(writeText);
    const { panel } = renderPanel(returningCaller());
    const button = within(panel).getByRole('button', { name: S.StickyCallsCopyRef });
    expect(button.getAttribute('data-sticky-calls')).toBe('copy-ref');
    const status = within(panel).getByRole('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(status.textContent).toBe('');
    fireEvent.click(button);
    expect(writeText).toHaveBeenCalledWith(CUSTOMER_REF);
    await within(panel).findByText(S.StickyCallsCopied);
    expect(within(panel).getByRole('status').textContent).toBe(S.StickyCallsCopied);
  });

  it.each([
    ['refuses', () => withClipboard(() => Promise.reject(new Error('denied')))],
    ['is missing', () => withClipboard(undefined)],
    [
      'throws',
      () =>
        withClipboard(() => {
          throw new Error('no');
        }),
    ],
  ])('selects the ref for the agent to copy when the clipboard %s', async (_label, setUp) => {
    setUp();
    const { panel } = renderPanel(returningCaller());
    fireEvent.click(within(panel).getByRole('button', { name: S.StickyCallsCopyRef }));
    await within(panel).findByText(S.StickyCallsCopySelected);
    expect(window.getSelection()?.toString()).toBe(CUSTOMER_REF);
  });
});

describe('CallerContextPanel: last contact', () => {
  // 7 Feb 2026, 15:00 in the agent's time zone.
  const NOW = new Date(2026, 1, 7, 15, 0);
  const at = (days: number, hours: number, minutes: number) => {
    const date = new Date(NOW);
    date.setDate(date.getDate() - days);
    date.setHours(hours, minutes, 0, 0);
    return date;
  };
  const lastContactOf = (panel: HTMLElement) => hook(panel, 'last-contact') as HTMLElement;

  it.each([
    ['today', 0, /^today, /],
    ['yesterday', 1, /^yesterday, /],
  ] as const)('says %s with the time', (_label, days, words) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const date = at(days, 14, 5);
    const { panel } = renderPanel(callerWith({ name: 'Dana Scully', last_contact_at: date.toISOString() }));
    const element = lastContactOf(panel);
    expect(element.tagName).toBe('TIME');
    expect(element.getAttribute('datetime')).toBe(date.toISOString());
    expect(element.textContent).toMatch(words);
    expect(element.textContent).toMatch(/(14|02):05/);
    // The date and time replace the recency words the match sources give.
    expect(within(panel).queryByText(S.StickyCallsLastContactWeek)).toBeNull();
  });

  it('gives an older contact its day and time, and the year when it is not this one', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const recent = at(5, 9, 30);
    const { panel, unmount } = renderPanel(
      callerWith({ name: 'Dana Scully', last_contact_at: recent.toISOString() }),
    );
    expect(lastContactOf(panel).textContent).toMatch(/Feb/);
    expect(lastContactOf(panel).textContent).toMatch(/2/);
    expect(lastContactOf(panel).textContent).toMatch(/(09|9):30/);
    expect(lastContactOf(panel).textContent).not.toMatch(/2026/);
    unmount();
    const old = new Date(2024, 11, 3, 9, 30);
    const again = renderPanel(callerWith({ name: 'Dana Scully', last_contact_at: old.toISOString() }));
    expect(lastContactOf(again.panel).textContent).toMatch(/Dec/);
    expect(lastContactOf(again.panel).textContent).toMatch(/2024/);
  });

  it('falls back to the recency words when no time was recorded', () => {
    const { panel } = renderPanel(returningCaller());
    const element = lastContactOf(panel);
    expect(element.tagName).not.toBe('TIME');
    expect(element.textContent).toBe(S.StickyCallsLastContactWeek);
  });

  it('shows neither the recorded times nor the identity fields as rows of what we know', () => {
    renderPanel(
      callerWith({
        name: 'Dana Scully',
        plan: 'Premium',
        last_contact_at: '2026-02-06T14:05:00.000Z',
        identity_verified_at: '2025-12-03T09:30:00.000Z',
        identity_verified_by: 'WK0123456789abcdef0123456789abcdef',
        identity_verified_how: 'agent',
      }),
    );
    expect(rowsOf(region(S.StickyCallsVariablesTitle))).toEqual([['Plan', 'Premium']]);
    expect(screen.queryByText(/WK0123/)).toBeNull();
  });

  it('shows an identity verified on an earlier call as a quiet fact, its day only', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const verified = new Date(2025, 11, 3, 9, 30);
    const { panel } = renderPanel(
      callerWith({ name: 'Dana Scully', identity_verified_at: verified.toISOString() }),
    );
    const fact = hook(panel, 'verified-before') as HTMLElement;
    expect(definitionOf(panel, S.StickyCallsIdentityVerifiedBefore)).toBe(fact.textContent);
    expect(fact.getAttribute('datetime')).toBe(verified.toISOString());
    expect(fact.textContent).toMatch(/Dec/);
    expect(fact.textContent).not.toMatch(/09:30|9:30/);
  });
});

describe('CallerContextPanel: identity, confirm then use', () => {
  const button = (name: string) => screen.getByRole('button', { name });
  const hidden = () => {
    expect(screen.queryByRole('region', { name: S.StickyCallsVariablesTitle })).toBeNull();
    expect(screen.queryByRole('region', { name: S.StickyCallsIntentsTitle })).toBeNull();
    expect(screen.queryByText('Fox Mulder')).toBeNull();
    expect(screen.queryByText('Delivery delay')).toBeNull();
  };
  const shown = () => {
    expect(within(region(S.StickyCallsVariablesTitle)).getByText(S.StickyCallsNoVariables)).toBeTruthy();
    expect(within(region(S.StickyCallsIntentsTitle)).getByText('Delivery delay')).toBeTruthy();
  };

  it('asks for a decision with two buttons, hiding what is stored until then', () => {
    const { panel } = renderPanel(confirmMatch(), { store: createWrapUpStore() });
    expect(panel.getAttribute('data-identity')).toBe('pending');
    const actions = hook(panel, 'verify-actions') as HTMLElement;
    expect(within(panel).getByRole('group', { name: S.StickyCallsVerifyPrompt })).toBe(actions);
    const buttons = within(actions).getAllByRole('button');
    expect(buttons.map((element) => element.textContent)).toEqual([
      S.StickyCallsVerifyYes,
      S.StickyCallsVerifyNo,
    ]);
    for (const element of buttons) {
      expect(element.tagName).toBe('BUTTON');
      expect(element.getAttribute('type')).toBe('button');
      expect(element.hasAttribute('disabled')).toBe(false);
      expect(element.getAttribute('tabindex')).toBeNull();
      // The browser's own focus ring stays: nothing turns the outline off.
      expect(element.style.outline).toBe('');
      element.focus();
      expect(document.activeElement).toBe(element);
    }
    expect(within(panel).getByText(S.StickyCallsVerifyHidden)).toBeTruthy();
    hidden();
    // Who is calling is the number until the agent knows; the ref stays, for a look-up elsewhere.
    expect(hook(panel, 'caller-name')?.textContent).toBe('+1 415-555-1234');
    expect(hook(panel, 'customer-ref')?.textContent).toBe(CUSTOMER_REF);
  });

  it('records “Caller verified” in the store, then shows what is stored, when, and a way back', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2026, 1, 7, 14, 5));
    const store = createWrapUpStore();
    const { panel } = renderPanel(confirmMatch(), { store });
    fireEvent.click(button(S.StickyCallsVerifyYes));
    expect(store.get(TASK_SID).draft.identityCheck).toEqual({
      outcome: 'verified',
      at: new Date(2026, 1, 7, 14, 5).toISOString(),
    });
    expect(panel.getAttribute('data-identity')).toBe('verified');
    expect(hook(panel, 'verify-actions')).toBeNull();
    const verified = hook(panel, 'verified') as HTMLElement;
    expect(verified.textContent).toMatch(/^✓Verified by you at (14|02):05/);
    // The focus follows the decision, so the keyboard and a screen reader carry on from it.
    expect(document.activeElement).toBe(verified);
    shown();
    expect(hook(panel, 'caller-name')?.textContent).toBe('Fox Mulder');
    expect(within(panel).getByText(S.StickyCallsTierVerified)).toBeTruthy();
    expect(within(region(S.StickyCallsSuggestionTitle)).getByText(/^Ask/).textContent).toBe(
      'Ask whether “Delivery delay” is still open.',
    );

    fireEvent.click(within(verified).getByRole('button', { name: S.StickyCallsUndo }));
    expect(store.get(TASK_SID).draft.identityCheck).toBeNull();
    expect(panel.getAttribute('data-identity')).toBe('pending');
    hidden();
    expect(document.activeElement).toBe(button(S.StickyCallsVerifyYes));
  });

  it('records “Not this caller”, keeps what is stored hidden and treats the caller as new', () => {
    const store = createWrapUpStore();
    const { panel } = renderPanel(confirmMatch(), { store });
    const before = Date.now();
    fireEvent.click(button(S.StickyCallsVerifyNo));
    const check = store.get(TASK_SID).draft.identityCheck;
    expect(check?.outcome).toBe('rejected');
    expect(Date.parse(check?.at ?? '')).toBeGreaterThanOrEqual(before);
    expect(Date.parse(check?.at ?? '')).toBeLessThanOrEqual(Date.now());
    expect(panel.getAttribute('data-identity')).toBe('rejected');
    const rejected = hook(panel, 'rejected') as HTMLElement;
    expect(rejected.textContent).toContain(S.StickyCallsRejected);
    expect(document.activeElement).toBe(rejected);
    hidden();
    expect(
      within(region(S.StickyCallsSuggestionTitle)).getByText(S.StickyCallsSuggestNewCaller),
    ).toBeTruthy();
    expect(within(panel).getByText(S.StickyCallsTierIgnore)).toBeTruthy();
    expect(hook(panel, 'customer-ref')).toBeNull();
    expect(hook(panel, 'caller-name')?.textContent).toBe('+1 415-555-1234');

    fireEvent.click(within(rejected).getByRole('button', { name: S.StickyCallsUndo }));
    expect(store.get(TASK_SID).draft.identityCheck).toBeNull();
    expect(hook(panel, 'verify-actions')).toBeTruthy();
  });

  it('follows the store when the check changes elsewhere, or was made before the panel showed', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { identityCheck: { outcome: 'verified', at: '2026-02-07T10:31:00.000Z' } });
    const { panel } = renderPanel(confirmMatch(), { store });
    expect(panel.getAttribute('data-identity')).toBe('verified');
    shown();
    act(() =>
      store.edit(TASK_SID, { identityCheck: { outcome: 'rejected', at: '2026-02-07T10:32:00.000Z' } }),
    );
    expect(panel.getAttribute('data-identity')).toBe('rejected');
    hidden();
    act(() => store.edit(TASK_SID, { summary: 'Called about a parcel' }));
    expect(panel.getAttribute('data-identity')).toBe('rejected');
    act(() => store.edit(TASK_SID, { identityCheck: null }));
    expect(panel.getAttribute('data-identity')).toBe('pending');
  });

  it('keeps each task’s check apart, in the store under the task sid (else the reservation sid)', () => {
    const store = createWrapUpStore();
    const other = task(confirmMatch(), { taskSid: 'WTffffffffffffffffffffffffffffffff' });
    const { rerender } = render(<CallerContextPanel task={task(confirmMatch())} store={store} />);
    fireEvent.click(button(S.StickyCallsVerifyYes));
    rerender(<CallerContextPanel task={other} store={store} />);
    expect(hook(document.body, 'verify-actions')).toBeTruthy();
    expect(store.get('WTffffffffffffffffffffffffffffffff').draft.identityCheck).toBeNull();
    rerender(<CallerContextPanel task={task(confirmMatch())} store={store} />);
    expect(hook(document.body, 'verified')).toBeTruthy();

    const reservationOnly: FlexTask = { sid: RESERVATION_SID, attributes: confirmMatch() };
    rerender(<CallerContextPanel task={reservationOnly} store={store} />);
    fireEvent.click(button(S.StickyCallsVerifyNo));
    expect(store.get(RESERVATION_SID).draft.identityCheck?.outcome).toBe('rejected');
  });

  it('keeps the check in the panel, for each task, without a store', () => {
    const other = task(confirmMatch(), { taskSid: 'WTffffffffffffffffffffffffffffffff' });
    const { rerender } = render(<CallerContextPanel task={task(confirmMatch())} />);
    fireEvent.click(button(S.StickyCallsVerifyYes));
    shown();
    rerender(<CallerContextPanel task={other} />);
    hidden();
    rerender(<CallerContextPanel task={task(confirmMatch())} />);
    shown();
    fireEvent.click(button(S.StickyCallsUndo));
    hidden();
  });

  it('asks nothing of a match to reuse or to ignore', () => {
    for (const attributes of [returningCaller(), newCaller()]) {
      const { panel, unmount } = renderPanel(attributes, { store: createWrapUpStore() });
      expect(hook(panel, 'verify-actions')).toBeNull();
      expect(panel.hasAttribute('data-identity')).toBe(false);
      unmount();
    }
  });

  it('stops listening to the store when it goes', () => {
    const store = createWrapUpStore();
    const subscribe = vi.spyOn(store, 'subscribe');
    const { unmount } = renderPanel(confirmMatch(), { store });
    const unsubscribe = subscribe.mock.results[0]?.value as () => void;
    expect(typeof unsubscribe).toBe('function');
    unmount();
    // A change after the panel went causes no update of an unmounted component (setup.ts fails on one).
    store.edit(TASK_SID, { identityCheck: { outcome: 'verified', at: '2026-02-07T10:31:00.000Z' } });
  });
});

describe('CallerContextPanel: layout', () => {
  it('puts no gap above the suggestion heading inside its box', () => {
    renderPanel(returningCaller());
    const heading = within(region(S.StickyCallsSuggestionTitle)).getByRole('heading', { level: 3 });
    expect(getComputedStyle(heading).marginTop).toBe('0px');
    expect(getComputedStyle(heading).marginBlockStart).toBe('');
  });

  it.each([
    ['a returning caller', returningCaller],
    ['a match to confirm', confirmMatch],
    ['a lookup that failed', () => degraded('timeout')],
  ])('lays out %s with logical properties only, so right to left mirrors it', (_label, fixture) => {
    const { container } = renderPanel(fixture());
    // Every element is laid out by the panel's stylesheet, none by a style of its own.
    expect(container.querySelectorAll('[style]')).toHaveLength(0);
    const sheet = document.querySelectorAll('style[data-sticky-calls-styles]');
    expect(sheet).toHaveLength(1);
    expect(sheet[0]?.textContent).toContain('border-inline-start');
    expect(sheet[0]?.textContent).not.toMatch(
      /(^|[\s;:{-])(left|right)\b|(margin|padding|border)-(left|right)/,
    );
  });
});

describe('CallerContextPanel: caller number', () => {
  it.each([
    ['+14155551234', '+1 415-555-1234'],
    ['+442071838750', '+442071838750'],
    ['anonymous', S.StickyCallsNumberWithheld],
    ['client:agent_alice', 'agent_alice'],
    ['sip:alice@example.com', 'sip:alice@example.com'],
  ])('shows %s as %s', (from, shown) => {
    const { panel } = renderPanel(degraded('timeout', from));
    expect(definitionOf(panel, S.StickyCallsCallerNumber)).toBe(shown);
  });
});

describe('CallerContextPanel: degraded, invalid, absent, truncated', () => {
  it('says why the lookup failed and what to do', () => {
    const { panel } = renderPanel(degraded('timeout'));
    const note = within(panel).getByRole('note');
    expect(within(note).getByText(S.StickyCallsUnavailable)).toBeTruthy();
    expect(within(note).getByText('The lookup at call start did not complete: it timed out.')).toBeTruthy();
    expect(within(note).getByText(S.StickyCallsUnavailableHint)).toBeTruthy();
    expect(definitionOf(panel, S.StickyCallsCallerNumber)).toBe('+1 415-555-1234');
    expect(within(panel).queryByText(S.StickyCallsTierReuse)).toBeNull();
  });

  it.each([
    ['no_identity_hints', 'the caller’s number was withheld'],
    ['quota_exceeded', 'the monthly quota is used up'],
    ['too_large', 'the context was too large for the task'],
    ['conflict', 'this call had already been looked up'],
    ['server_error', 'the Sticky Calls service had a problem'],
    ['invalid_response', 'the Sticky Calls API sent an answer that could not be read'],
    ['something we never heard of', 'something unexpected went wrong'],
  ])('words the reason %s as “%s”', (reason, words) => {
    const { panel } = renderPanel(degraded(reason, 'anonymous'));
    const sentences = [...within(panel).getByRole('note').querySelectorAll('p')].map((p) => p.textContent);
    expect(sentences).toContain(`The lookup at call start did not complete: ${words}.`);
  });

  it('words every reason the core can record in plain words of its own, the code kept in data-reason', () => {
    const seen = new Set<string>();
    for (const reason of DEGRADED_REASONS) {
      const { panel, unmount } = renderPanel(degraded(reason, 'anonymous'));
      const note = within(panel).getByRole('note');
      expect(note.getAttribute('data-reason')).toBe(reason);
      const words = note.textContent ?? '';
      // No code, whole or in parts (`server_error`, `server error`), reaches the agent.
      expect(words).not.toContain(reason);
      expect(words).not.toMatch(/[()_]/);
      seen.add(words);
      unmount();
    }
    // Each known reason has words of its own; only `unknown` reads as the generic sentence.
    expect(seen.size).toBe(DEGRADED_REASONS.length);
  });

  it('words a reason from a newer version as the generic sentence, keeping its code out of the text', () => {
    const attributes = degraded('timeout');
    const namespaced = attributes[ATTRIBUTE_KEY] as Record<string, unknown>;
    const { panel } = renderPanel({
      ...attributes,
      [ATTRIBUTE_KEY]: { ...namespaced, reason: 'brand_new_code' },
    });
    const note = within(panel).getByRole('note');
    expect(note.textContent).toContain(`: ${S.StickyCallsReason_other}.`);
    expect(note.textContent).not.toContain('brand_new_code');
  });

  it.each(GARBAGE)('says the context could not be read when it is %s', (_label, attributes) => {
    const { panel } = renderPanel(attributes);
    const note = within(panel).getByRole('note');
    expect(within(note).getByText(S.StickyCallsUnavailable)).toBeTruthy();
    expect(within(note).getByText(S.StickyCallsInvalid)).toBeTruthy();
  });

  it('says when a task has no caller context', () => {
    const { panel } = renderPanel(flexVoiceKeys());
    expect(within(panel).getByText(S.StickyCallsAbsent)).toBeTruthy();
    expect(within(panel).queryByRole('note')).toBeNull();
    render(<CallerContextPanel />);
    expect(screen.getAllByText(S.StickyCallsAbsent)).toHaveLength(2);
  });

  it('says how much was left out of a truncated context, and shows the rest', () => {
    const attributes = truncated();
    const { omitted } = attributes[ATTRIBUTE_KEY] as { omitted: { variables: number; intents: number } };
    expect(omitted.variables).toBeGreaterThan(0);
    const { panel } = renderPanel(attributes);
    const note = within(panel)
      .getAllByRole('note')
      .find((element) => element.textContent?.startsWith('Some context was left out'));
    expect(note?.textContent).toBe(
      `Some context was left out to fit the task (${omitted.variables} variables, ${omitted.intents} intents not shown).`,
    );
    expect(rowsOf(region(S.StickyCallsVariablesTitle))).toHaveLength(TRUNCATED_VARIABLES - omitted.variables);
  });
});

describe('CallerContextPanel: values are text', () => {
  const hostile = {
    img: '<img src=x onerror="globalThis.__stickyPwned=1">',
    script: '<script>globalThis.__stickyPwned=1</script>',
    bold: '<b>bold</b> &amp; co',
    // An intent is shown humanized (`_` and `.` as spaces): this one has neither.
    intent: '<img src=x onerror=alert(1)>',
  };

  it('renders markup in variables, intents, the customer ref and the caller as text', () => {
    const attributes = withFlexKeys(
      startResponse({
        customer_ref: hostile.script,
        variables: {
          note: { value: hostile.img, source: 'agent', ttl_seconds: null },
          script: { value: hostile.script, source: 'agent', ttl_seconds: null },
          '<i>name</i>': { value: hostile.bold, source: 'agent', ttl_seconds: null },
        },
        open_intents: [{ intent: hostile.intent, status: 'open', attempt_count: 1 }],
      }),
      undefined,
      `client:${hostile.img}`,
    );
    const { panel, container } = renderPanel(attributes);
    expect(container.querySelector('img, script, b, i')).toBeNull();
    expect(rowsOf(region(S.StickyCallsVariablesTitle))).toEqual([
      ['Note', hostile.img],
      ['Script', hostile.script],
      ['<i>name</i>', hostile.bold],
    ]);
    expect(hook(panel, 'customer-ref')?.textContent).toBe(hostile.script);
    // No stored name: the caller's identity leads instead.
    expect(hook(panel, 'caller-name')?.textContent).toBe(hostile.img);
    const intent = within(region(S.StickyCallsIntentsTitle)).getByText(hostile.intent);
    expect(intent.getAttribute('title')).toBe(hostile.intent);
    expect(Reflect.get(globalThis, '__stickyPwned')).toBeUndefined();
  });

  it('renders markup in string overrides as text', () => {
    const { container } = renderPanel(returningCaller(), {
      strings: {
        StickyCallsTierReuse: hostile.img,
        StickyCallsSuggestFollowUp: `${hostile.script} {{intent}}`,
      },
    });
    expect(container.querySelector('img, script')).toBeNull();
    expect(screen.getByText(hostile.img)).toBeTruthy();
    const suggestion = region(S.StickyCallsSuggestionTitle).querySelector('p');
    expect(suggestion?.textContent).toBe(`${hostile.script} Refund request`);
  });
});

describe('CallerContextPanel: a context near the 4 KB task limit', () => {
  it('renders every variable in full', () => {
    const variables = Object.fromEntries(
      Array.from({ length: 17 }, (_, i) => [
        `detail_${String(i).padStart(2, '0')}`,
        {
          value: `Value ${i}: ${'lorem ipsum dolor sit amet '.repeat(6).slice(0, 140)}`,
          source: 'agent',
          ttl_seconds: 100,
        },
      ]),
    );
    const attributes = withFlexKeys(
      startResponse({
        variables,
        open_intents: [],
        identity: { confidence: 0.9, level: 'very_high', sources: [], recommendation: 'reuse' },
      }),
      { budget: 3072, flatBudget: 512 },
    );
    const size = JSON.stringify(attributes).length;
    expect(size).toBeGreaterThan(3700);
    expect(size).toBeLessThanOrEqual(TASK_ATTRIBUTES_LIMIT);

    const { panel } = renderPanel(attributes);
    expect(rowsOf(region(S.StickyCallsVariablesTitle))).toEqual(
      Object.values(variables).map((variable, i) => [`Detail ${String(i).padStart(2, '0')}`, variable.value]),
    );
    expect(within(panel).queryByText(/left out/)).toBeNull();
  });
});

describe('CallerContextPanel: strings', () => {
  const spanish = {
    StickyCallsPanelTitle: 'Contexto del llamante',
    StickyCallsTierReuse: 'Cliente conocido',
    StickyCallsVariablesTitle: 'Lo que sabemos',
  };

  it('takes overrides from its strings prop', () => {
    render(<CallerContextPanel task={task(returningCaller())} strings={spanish} />);
    const panel = screen.getByRole('region', { name: 'Contexto del llamante' });
    expect(within(panel).getByText('Cliente conocido')).toBeTruthy();
    expect(within(panel).getByRole('region', { name: 'Lo que sabemos' })).toBeTruthy();
    // What is not overridden stays English.
    expect(within(panel).getByRole('region', { name: S.StickyCallsIntentsTitle })).toBeTruthy();
  });

  it('takes overrides from StickyCallsStringsProvider, its own prop winning', () => {
    render(
      <StickyCallsStringsProvider strings={spanish}>
        <CallerContextPanel
          task={task(returningCaller())}
          strings={{ StickyCallsTierReuse: 'Cliente habitual' }}
        />
        <CallerContextPanel task={task(degraded('timeout'))} />
      </StickyCallsStringsProvider>,
    );
    const [first, second] = screen.getAllByRole('region', { name: 'Contexto del llamante' }) as [
      HTMLElement,
      HTMLElement,
    ];
    expect(within(first).getByText('Cliente habitual')).toBeTruthy();
    expect(within(first).queryByText('Cliente conocido')).toBeNull();
    expect(within(first).getByRole('region', { name: 'Lo que sabemos' })).toBeTruthy();
    expect(within(second).getByText(S.StickyCallsUnavailable)).toBeTruthy();
  });

  it('fills placeholders in overridden templates', () => {
    renderPanel(returningCaller(), {
      strings: {
        StickyCallsCallCount_other: 'llamada n.º {{count}} sobre esto',
        StickyCallsConfidence: '{{percent}} % · {{level}}',
      },
    });
    // The English forms (`3rd`, `2nd`) give way to the override of the general one.
    expect(screen.getByText('llamada n.º 3 sobre esto')).toBeTruthy();
    expect(screen.getByText('llamada n.º 2 sobre esto')).toBeTruthy();
    expect(
      hook(screen.getByRole('region', { name: S.StickyCallsPanelTitle }), 'badge')?.textContent,
    ).toContain('92 % · very high');
  });

  it('keeps an overridden ordinal form where the agent’s language uses it', () => {
    renderPanel(returningCaller(), {
      strings: {
        StickyCallsCallCount_other: 'call number {{count}}',
        StickyCallsCallCount_few: 'the {{count}}rd call',
      },
    });
    expect(screen.getByText('the 3rd call')).toBeTruthy();
    expect(screen.getByText('call number 2')).toBeTruthy();
  });
});

describe('CallerContextPanel: updates', () => {
  it('shows the context once the task attributes change', () => {
    const { rerender } = render(<CallerContextPanel task={task(degraded())} />);
    expect(screen.getByText(S.StickyCallsUnavailable)).toBeTruthy();
    rerender(<CallerContextPanel task={task(returningCaller())} />);
    expect(screen.queryByText(S.StickyCallsUnavailable)).toBeNull();
    expect(screen.getByText(S.StickyCallsTierReuse)).toBeTruthy();
  });
});

/** Renders the hook's view and records each one it returns. */
function Probe(props: { task: FlexTask | null; tiers?: TierOptions; seen: CallerContextView[] }) {
  const view = useCallerContext(props.task, props.tiers === undefined ? {} : { tiers: props.tiers });
  props.seen.push(view);
  return <p>{view.state}</p>;
}

describe('useCallerContext', () => {
  it('keeps the same view while the attributes object is the same, whatever else changes', () => {
    const attributes = returningCaller();
    const seen: CallerContextView[] = [];
    const { rerender } = render(<Probe task={task(attributes)} tiers={{ reuseAt: 0.6 }} seen={seen} />);
    // Flex hands a new task object and the caller an inline tiers object on every render.
    rerender(<Probe task={task(attributes, { status: 'wrapping' })} tiers={{ reuseAt: 0.6 }} seen={seen} />);
    rerender(<Probe task={task(attributes)} tiers={{ reuseAt: 0.6 }} seen={seen} />);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]?.state).toBe('ready');
  });

  it('recomputes for new attributes, even with the same content', () => {
    const seen: CallerContextView[] = [];
    const { rerender } = render(<Probe task={task(returningCaller())} seen={seen} />);
    rerender(<Probe task={task(returningCaller())} seen={seen} />);
    expect(seen).toHaveLength(2);
    expect(seen[1]).not.toBe(seen[0]);
    expect(seen[1]).toEqual(seen[0]);
    rerender(<Probe task={task(degraded())} seen={seen} />);
    expect(seen[2]?.state).toBe('degraded');
    expect(screen.getByText('degraded')).toBeTruthy();
  });

  it('recomputes when the thresholds change', () => {
    const attributes = flatLayout();
    const seen: CallerContextView[] = [];
    const { rerender } = render(<Probe task={task(attributes)} seen={seen} />);
    rerender(<Probe task={task(attributes)} tiers={{ reuseAt: 0.95 }} seen={seen} />);
    expect(seen.map((view) => view.tier)).toEqual(['reuse', 'confirm']);
  });

  it('is absent without a task', () => {
    const seen: CallerContextView[] = [];
    render(<Probe task={null} seen={seen} />);
    expect(seen[0]).toEqual({ state: 'absent', tier: null, caller: null });
  });
});

describe('CallerContextPanel: whatever the attributes hold', () => {
  const namespaced = fc.record({
    v: fc.constant(1),
    status: fc.constantFrom('ok', 'degraded'),
    reason: fc.option(fc.string()),
    customer_ref: fc.option(fc.string()),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    level: fc.option(fc.string()),
    tier: fc.constantFrom('reuse', 'confirm', 'ignore'),
    sources: fc.array(fc.oneof(fc.string(), fc.constantFrom('recency:1day', 'recency:30days'))),
    call_start: fc.option(
      fc.oneof(
        fc.string(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
    ),
    intents: fc.array(
      fc.record({ intent: fc.string(), status: fc.string(), attempts: fc.option(fc.integer()) }),
      { maxLength: 5 },
    ),
    vars: fc.dictionary(fc.string(), fc.string(), { maxKeys: 5 }),
    truncated: fc.boolean(),
    omitted: fc.record({ variables: fc.nat(), intents: fc.nat() }),
  });

  it('renders a panel, never throwing or warning', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          namespaced.map((value) => ({ ...flexVoiceKeys(), [ATTRIBUTE_KEY]: value })),
        ),
        (attributes) => {
          try {
            render(<CallerContextPanel task={task(attributes)} />);
            expect(screen.getByRole('region', { name: S.StickyCallsPanelTitle })).toBeTruthy();
          } finally {
            cleanup();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
