// @vitest-environment jsdom
/**
 * Bidi isolation, in jsdom: every caller- or API-supplied text of the caller-context panel
 * and the wrap-up capture, holding a right-to-left override (U+202E), embedding (U+202B),
 * isolate (U+2067) or mark (U+200F), shows inside an isolating element (`<bdi>` or an
 * element with `dir`), with the component's own words next to it outside any; a text
 * made of zero-width characters alone shows a visible stand-in (`⟨U+200B⟩`), isolated
 * too. That the words then keep their visual order is measured in a real browser
 * (Chromium) in packages/flex-react/src/__tests__/panel.browser.test.tsx.
 */
import { ATTRIBUTE_KEY, createWrapUpStore, toTaskAttributes, type WrapUpIssue } from '@stickycalls/core';
import { CallerContextPanel, WrapUpCapture } from '@stickycalls/flex-react';
import { act, cleanup, render } from '@testing-library/react';
import * as React from 'react';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { notes } from './notes.js';

afterEach(cleanup);

const MARKER = 'dnufer';

/** What each field is given: a bidi control before a marker word, or zero-width characters alone. */
const VALUES = [
  ['U+202E (right-to-left override)', `\u202E${MARKER}`],
  ['U+202B (right-to-left embedding)', `\u202B${MARKER}`],
  ['U+2067 (right-to-left isolate)', `\u2067${MARKER}`],
  ['U+200F (right-to-left mark)', `\u200F${MARKER}`],
  ['zero-width characters alone', '\u200B\u200C\u200D\u2060\uFEFF'],
] as const;

const ZERO_WIDTH_STAND_IN = '⟨U+200B⟩⟨U+200C⟩⟨U+200D⟩⟨U+2060⟩';
const ISOLATING = 'bdi, [dir]';

const TASK_SID = `WT${'7'.repeat(32)}`;

interface StartFields {
  customer_ref?: string;
  level?: string;
  intent?: string;
  variableName?: string;
  variableValue?: string;
  /** A stored `name` too, so the name leads the header and the number moves to the facts. */
  name?: string;
  from?: string;
}

function attributesWith(fields: StartFields, layout: 'namespaced' | 'flat'): Record<string, unknown> {
  const attributes: Record<string, unknown> = toTaskAttributes({
    call_id: 'CA1',
    customer_ref: fields.customer_ref ?? 'cust_1',
    call_start: '2026-02-07T10:30:00.000Z',
    identity: { confidence: 0.9, level: fields.level ?? 'very_high', sources: [], recommendation: 'reuse' },
    open_intents: [{ intent: fields.intent ?? 'refund_request', status: 'open', attempt_count: 3 }],
    variables: {
      [fields.variableName ?? 'plan']: {
        value: fields.variableValue ?? 'Premium',
        source: null,
        ttl_seconds: 60,
      },
      ...(fields.name === undefined ? {} : { name: { value: fields.name, source: null, ttl_seconds: 60 } }),
    },
  });
  if (layout === 'flat') delete attributes[ATTRIBUTE_KEY];
  return { call_sid: 'CA1', from: fields.from ?? '+14155551234', ...attributes };
}

function flexTask(attributes: unknown) {
  return { taskSid: TASK_SID, sid: `WR${'7'.repeat(32)}`, status: 'wrapping', attributes };
}

/** The text nodes under `root` holding `needle`. */
function textNodes(root: Element, needle: string): Text[] {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found: Text[] = [];
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    if ((node.nodeValue ?? '').includes(needle)) found.push(node as Text);
  }
  return found;
}

/**
 * In `cell`, the value shows (the marker, or the stand-in of a zero-width value) inside
 * isolating elements holding none of `own`, and each of `own` shows outside any.
 */
function expectIsolated(cell: Element, value: string, own: readonly string[]): void {
  const zeroWidth = !value.includes(MARKER);
  // A stand-in may be split into one element per character: the isolate holds all of it.
  const shown = zeroWidth ? '⟨U+200B⟩' : MARKER;
  const nodes = textNodes(cell, shown);
  expect(
    nodes.length,
    `the value shows in ${cell.tagName}: ${JSON.stringify(cell.textContent)}`,
  ).toBeGreaterThan(0);
  for (const node of nodes) {
    const isolate = node.parentElement?.closest(ISOLATING);
    expect(isolate, `${JSON.stringify(node.nodeValue)} is in an isolating element`).toBeTruthy();
    if (zeroWidth) expect(isolate?.textContent).toContain(ZERO_WIDTH_STAND_IN);
    for (const word of own) expect(isolate?.textContent).not.toContain(word);
  }
  for (const word of own) {
    const outside = textNodes(cell, word);
    expect(outside.length, `${word} shows`).toBeGreaterThan(0);
    for (const node of outside) expect(node.parentElement?.closest(ISOLATING) ?? null).toBeNull();
  }
}

interface Field {
  readonly name: string;
  /** Renders a panel or a form with the value in this field; returns the element the value shows in. */
  readonly render: (value: string, layout: 'namespaced' | 'flat') => Element;
  /** The component's own words in that element. */
  readonly own: readonly string[];
}

function panelWith(fields: StartFields, layout: 'namespaced' | 'flat'): HTMLElement {
  const { container } = render(<CallerContextPanel task={flexTask(attributesWith(fields, layout))} />);
  return container;
}

const section = (root: Element, title: string) =>
  [...root.querySelectorAll('section')].find(
    (s) => s.querySelector(':scope > h3')?.textContent === title,
  ) as Element;
const fact = (root: Element, label: string) =>
  [...root.querySelectorAll('dt')].find((dt) => dt.textContent === label)?.parentElement as Element;
/** The header's "who": the panel's title, the caller's name (else their number) and the customer ref. */
const who = (root: Element) =>
  root.querySelector('[data-sticky-calls="caller-name"]')?.parentElement as Element;
const WHO_OWN = ['Caller context', 'Customer ref', 'Copy ref'] as const;

const PANEL_FIELDS: readonly Field[] = [
  {
    name: 'intent',
    render: (value, layout) => section(panelWith({ intent: value }, layout), 'Open intents'),
    own: ['4th call about this', 'Repeat contact'],
  },
  {
    name: 'intent in the suggested next step',
    render: (value, layout) =>
      section(panelWith({ intent: value }, layout), 'Suggested next step').querySelector('p') as Element,
    own: ['Pick up “', '” first: ', '4th call about this'],
  },
  {
    name: 'variable name',
    render: (value, layout) => section(panelWith({ variableName: value }, layout), 'What we know'),
    own: ['What we know'],
  },
  {
    name: 'variable value',
    render: (value, layout) =>
      section(panelWith({ variableName: 'order_note', variableValue: value }, layout), 'What we know'),
    own: ['What we know'],
  },
  {
    name: 'customer ref',
    render: (value, layout) =>
      panelWith({ customer_ref: value }, layout).querySelector('[data-sticky-calls="customer-ref"]')
        ?.parentElement as Element,
    own: ['Customer ref', 'Copy ref'],
  },
  // With no stored name, the caller's number leads the header in the name's place.
  {
    name: 'caller (client identity)',
    render: (value, layout) => who(panelWith({ from: `client:${value}` }, layout)),
    own: WHO_OWN,
  },
  {
    name: 'caller (SIP address)',
    render: (value, layout) => who(panelWith({ from: `sip:${value}@example.com` }, layout)),
    own: WHO_OWN,
  },
  {
    name: 'caller (not a number)',
    render: (value, layout) => who(panelWith({ from: `x${value}` }, layout)),
    own: WHO_OWN,
  },
  // With a name, the number is one of the facts.
  {
    name: 'caller (client identity) beside a name',
    render: (value, layout) => fact(panelWith({ from: `client:${value}`, name: 'Ana' }, layout), 'Number'),
    own: ['Number'],
  },
  {
    name: 'caller (SIP address) beside a name',
    render: (value, layout) =>
      fact(panelWith({ from: `sip:${value}@example.com`, name: 'Ana' }, layout), 'Number'),
    own: ['Number'],
  },
  {
    name: 'caller (not a number) beside a name',
    render: (value, layout) => fact(panelWith({ from: `x${value}`, name: 'Ana' }, layout), 'Number'),
    own: ['Number'],
  },
  // The badge no longer shows the API's level (its words come from the confidence: see the
  // case below), so the caller-supplied text of the header is the caller's name.
  {
    name: 'caller name',
    render: (value, layout) => who(panelWith({ name: value }, layout)),
    own: WHO_OWN,
  },
];

function refusedForm(rows: { name: string; value: string }[], issues: WrapUpIssue[]): HTMLElement {
  const store = createWrapUpStore();
  store.edit(TASK_SID, { variables: rows });
  const { container } = render(
    <WrapUpCapture task={flexTask(attributesWith({}, 'namespaced'))} store={store} />,
  );
  act(() => store.set(TASK_SID, { issues, phase: 'editing', refusals: 1 }));
  return container;
}

const FORM_FIELDS: readonly Field[] = [
  {
    name: 'intent choice',
    render: (value) => {
      const { container } = render(
        <WrapUpCapture
          task={flexTask(attributesWith({ intent: value }, 'namespaced'))}
          store={createWrapUpStore()}
        />,
      );
      return container.querySelector('input[type="radio"]')?.closest('label') as Element;
    },
    own: ['4th call about this'],
  },
  {
    name: 'detail name in an issue',
    render: (value) =>
      refusedForm(
        [
          { name: value, value: 'a' },
          { name: value, value: 'b' },
        ],
        [{ code: 'variable_duplicate', path: ['variables', 1], name: value, message: 'given twice' }],
      ).querySelector('[role="alert"] li') as Element,
    own: [' repeats the name “'],
  },
  {
    name: 'message of the save Function',
    render: (value) =>
      refusedForm([], [{ code: 'other', path: ['call_id'], message: value }]).querySelector(
        '[role="alert"] li',
      ) as Element,
    own: ['The save Function refused the wrap-up: '],
  },
];

let cases = 0;

describe('the caller-context panel isolates caller- and API-supplied text', () => {
  for (const layout of ['namespaced', 'flat'] as const) {
    describe(`${layout === 'namespaced' ? 'sticky_calls' : 'the guide’s flat'} layout`, () => {
      for (const field of PANEL_FIELDS) {
        it.each(VALUES)(`${field.name}: %s`, (_label, value) => {
          cases += 1;
          expectIsolated(field.render(value, layout), value, field.own);
        });
      }
    });
  }
});

// Nothing isolates the badge's words: that holds only while no API-supplied text reaches them.
describe('the badge shows none of the API’s level text', () => {
  for (const layout of ['namespaced', 'flat'] as const) {
    it.each(VALUES)(`${layout}: %s`, (_label, value) => {
      cases += 1;
      const panel = panelWith({ level: value }, layout);
      const badge = panel.querySelector('[data-sticky-calls="badge"]');
      expect(badge?.textContent).toBe('✓Known caller90% match');
      expect(panel.textContent).not.toContain(MARKER);
      expect(panel.textContent).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/);
    });
  }
});

describe('the wrap-up capture isolates caller-, API- and Function-supplied text', () => {
  for (const field of FORM_FIELDS) {
    it.each(VALUES)(`${field.name}: %s`, (_label, value) => {
      cases += 1;
      expectIsolated(field.render(value, 'namespaced'), value, field.own);
    });
  }
});

afterAll(() => {
  const fields = PANEL_FIELDS.length * 2 + FORM_FIELDS.length;
  const levels = 2 * VALUES.length;
  notes.push(
    `${fields} field renderings (${PANEL_FIELDS.length} panel fields in 2 layouts, ${FORM_FIELDS.length} form fields) × ${VALUES.length} values (4 bidi characters, 1 zero-width-only) = ${fields * VALUES.length} combinations, plus ${levels} levels kept out of the badge; ${cases} run`,
  );
});
