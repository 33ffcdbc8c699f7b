import { ATTRIBUTE_KEY, TASK_ATTRIBUTES_LIMIT, type TierOptions } from '@stickycalls/core';
import { cleanup, render, screen, within } from '@testing-library/react';
import fc from 'fast-check';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
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
  returningCaller,
  startResponse,
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

describe('CallerContextPanel: a returning caller', () => {
  it('shows the tier, the match and the facts', () => {
    const { panel } = renderPanel(returningCaller());
    expect(within(panel).getByRole('heading', { level: 2, name: 'Caller context' })).toBeTruthy();
    const badge = within(panel).getByText(S.StickyCallsTierReuse).parentElement;
    expect(badge?.textContent).toContain('92% match · very high');
    expect(definitionOf(panel, S.StickyCallsCallerNumber)).toBe('+1 415-555-1234');
    expect(definitionOf(panel, S.StickyCallsCustomerRef)).toBe(CUSTOMER_REF);
    expect(definitionOf(panel, S.StickyCallsLastContact)).toBe(S.StickyCallsLastContactWeek);
    expect(panel.querySelector('time')?.getAttribute('datetime')).toBe(CALL_START);
  });

  it('lists the stored variables as term and definition, named for reading', () => {
    renderPanel(returningCaller());
    const section = region(S.StickyCallsVariablesTitle);
    expect(rowsOf(section)).toEqual([
      ['Name', 'Dana Scully'],
      ['Plan', 'Premium'],
      ['Last order', 'ORD-1042'],
    ]);
    // The slug itself stays available on hover.
    expect(within(section).getByText('Last order').getAttribute('title')).toBe('last_order');
  });

  it('lists the open intents with their attempt, marking the repeat contact', () => {
    renderPanel(returningCaller());
    const items = within(region(S.StickyCallsIntentsTitle)).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    const [repeat, first] = items as [HTMLElement, HTMLElement];
    expect(within(repeat).getByText('Refund request')).toBeTruthy();
    expect(within(repeat).getByText('attempt 2')).toBeTruthy();
    expect(within(repeat).getByText(S.StickyCallsRepeatAttempt)).toBeTruthy();
    expect(within(first).getByText('Address change')).toBeTruthy();
    expect(within(first).getByText('attempt 1')).toBeTruthy();
    expect(within(first).queryByText(S.StickyCallsRepeatAttempt)).toBeNull();
  });

  it('suggests following up the repeat intent, counting this call', () => {
    renderPanel(returningCaller());
    expect(within(region(S.StickyCallsSuggestionTitle)).getByText(/^Pick up/).textContent).toBe(
      'Pick up “Refund request” first: this is contact 3 about it.',
    );
  });

  it('does not ask to verify a match to reuse', () => {
    const { panel } = renderPanel(returningCaller());
    expect(within(panel).queryByText(S.StickyCallsVerifyPrompt)).toBeNull();
    expect(within(panel).queryByRole('note')).toBeNull();
  });

  it('reads the flat layout the same way', () => {
    const { panel } = renderPanel(flatLayout());
    expect(within(panel).getByText(S.StickyCallsTierReuse)).toBeTruthy();
    expect(rowsOf(region(S.StickyCallsVariablesTitle))).toHaveLength(3);
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
  it('asks to verify a confirm-tier match before using it', () => {
    const { panel } = renderPanel(confirmMatch());
    expect(within(panel).getByText(S.StickyCallsTierConfirm)).toBeTruthy();
    const note = within(panel).getByRole('note');
    expect(note.textContent).toContain(S.StickyCallsVerifyPrompt);
    expect(within(region(S.StickyCallsSuggestionTitle)).getByText(/^Verify/).textContent).toBe(
      'Verify the caller’s identity, then pick up “Delivery delay”.',
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
    ['conflict', 'an error (conflict)'],
    ['something we never heard of', 'an error (unknown)'],
  ])('words the reason %s as “%s”', (reason, words) => {
    const { panel } = renderPanel(degraded(reason, 'anonymous'));
    const sentences = [...within(panel).getByRole('note').querySelectorAll('p')].map((p) => p.textContent);
    expect(sentences).toContain(`The lookup at call start did not complete: ${words}.`);
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
    expect(definitionOf(panel, S.StickyCallsCustomerRef)).toBe(hostile.script);
    expect(definitionOf(panel, S.StickyCallsCallerNumber)).toBe(hostile.img);
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
      strings: { StickyCallsAttempts: 'intento {{count}}', StickyCallsConfidence: '{{percent}} %' },
    });
    expect(screen.getByText('intento 2')).toBeTruthy();
    expect(screen.getByText('92 %')).toBeTruthy();
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
