/**
 * The wrap-up form in a real Chromium with React 17, rendered as Flex renders it: inside
 * Flex's own theme provider from `@twilio/flex-ui` (light and dark) and inside
 * `StickyCallsTheme` with the theme Flex's `withTheme` hands over, in a column as wide
 * as Flex's side panel. What an agent in a hurry meets: the text box at once when there
 * is nothing to pick, words made into a name shown quietly, a detail named with spaces,
 * a 5,000-character paste kept whole and counted, where the wrap-up will go (the caller's
 * memory or the task only) as the panel's identity check changes it, the keyboard alone,
 * and axe with colour contrast in each state. With STICKY_CALLS_SCREENSHOTS set (`pnpm
 * screenshots`) it also saves the README's screenshots of the form.
 */
import {
  checkDraft,
  createWrapUpStore,
  NEW_INTENT,
  type WrapUpDraft,
  type WrapUpStore,
} from '@stickycalls/core';
import { cleanup } from '@testing-library/react';
import * as React from 'react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { CallerContextPanel, WrapUpCapture } from '../index.js';
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
import { confirmMatch, degraded, newCaller, returningCaller, TASK_SID, task } from './kit.js';

beforeAll(async () => {
  await unscaledViewport();
  await loadFlexInBrowser();
}, 180_000);

afterEach(() => cleanup());

const MODES: readonly FlexThemeMode[] = ['light', 'dark'];
const DISPOSITIONS = ['resolved', 'callback_scheduled', 'escalated'];

interface FormOptions extends InFlexOptions {
  store?: WrapUpStore;
  /** The draft as the agent left it. */
  draft?: Partial<WrapUpDraft>;
}

function renderForm(
  attributes: unknown,
  { store = createWrapUpStore(), draft, ...options }: FormOptions = {},
) {
  if (draft !== undefined) store.edit(TASK_SID, draft);
  const result = renderInFlex(
    <WrapUpCapture task={task(attributes)} store={store} dispositions={DISPOSITIONS} />,
    options,
  );
  return { ...result, store, form: one(result.container, '[data-sticky-calls="wrap-up"]') };
}

const draftOf = (store: WrapUpStore) => store.get(TASK_SID).draft;
const intentFieldset = (form: HTMLElement) => one(form, 'fieldset');
const intentBox = (form: HTMLElement) =>
  one<HTMLInputElement>(form, '[data-sticky-calls="wrap-up-intent-text"]');
const preview = (form: HTMLElement) => one(form, '[data-sticky-calls="save-preview"]');

/** Whether `quiet` reads quieter than `loud`: smaller type, and another (weaker) colour. */
function quieter(quiet: Element, loud: Element): boolean {
  const [q, l] = [getComputedStyle(quiet), getComputedStyle(loud)];
  return Number.parseFloat(q.fontSize) < Number.parseFloat(l.fontSize) && q.color !== l.color;
}

/** A wrap-up filled in as an agent would before completing. */
const FILLED: Partial<WrapUpDraft> = {
  intentChoice: 'refund_request',
  status: 'resolved',
  summary: 'Replacement kettle sent today; the refund request is withdrawn.',
  disposition: 'resolved',
  variables: [{ name: 'New postcode', value: 'SW1A 1AA' }],
};

describe('a caller with no open intents to pick', () => {
  const CASES: readonly (readonly [string, () => Record<string, unknown>])[] = [
    ['a new caller', newCaller],
    ['a failed lookup', () => degraded('timeout')],
    ['a withheld number', () => degraded('no_identity_hints', 'anonymous')],
  ];
  for (const [name, attributes] of CASES) {
    it(`${name}: the text box is there at once, first on Tab, no radio to click`, async () => {
      const { form, store } = renderForm(attributes());
      expect(intentFieldset(form).querySelectorAll('input[type="radio"]')).toHaveLength(0);
      expect(shown(form)).not.toContain('Something else');
      expect(await tabInto(form)).toBe(intentBox(form));
      expect(nameOf(document.activeElement)).toBe('In a few words');
      await userEvent.keyboard('Billing question');
      expect(draftOf(store)).toMatchObject({ intentChoice: NEW_INTENT, customIntent: 'Billing question' });
    });
  }

  it('typing “Delivery address change” shows the name it is saved as, quietly, and saves that', async () => {
    const { form, store } = renderForm(newCaller());
    const box = intentBox(form);
    await userEvent.click(box);
    await userEvent.keyboard('Delivery address change');
    const slug = one(form, '[data-sticky-calls="wrap-up-slug"]');
    expect(shown(slug)).toBe('Saved as delivery_address_change');
    expect(quieter(slug, box)).toBe(true);
    // A screen reader hears it with the box.
    expect(box.getAttribute('aria-describedby')?.split(' ')).toContain(slug.id);
    const checked = checkDraft({ ...draftOf(store), status: 'open' }, newCaller());
    expect(checked).toMatchObject({
      ok: true,
      fields: { intent: 'delivery_address_change', intent_status: 'open' },
    });
  });
});

describe('details and the note', () => {
  it('accepts a detail named “New postcode”, typed with the keyboard, and saves it as new_postcode', async () => {
    const { form, store } = renderForm(returningCaller(), {
      draft: { intentChoice: 'refund_request', status: 'open' },
    });
    one(form, 'textarea').focus();
    await userEvent.tab(); // the disposition
    await userEvent.tab();
    expect(nameOf(document.activeElement)).toBe('Add a detail');
    await userEvent.keyboard('{Enter}');
    expect(nameOf(document.activeElement)).toBe('Name');
    await userEvent.keyboard('New postcode');
    await userEvent.tab();
    expect(nameOf(document.activeElement)).toBe('Value');
    await userEvent.keyboard('SW1A 1AA');
    const name = one<HTMLInputElement>(form, 'input[id$="-variables-0"]');
    expect(name.value).toBe('New postcode');
    expect(name.getAttribute('aria-invalid')).toBeNull();
    expect(shown(one(form, '[data-sticky-calls="wrap-up-variable-slug"]'))).toBe('Saved as new_postcode');
    const checked = checkDraft(draftOf(store), returningCaller());
    expect(checked).toMatchObject({ ok: true, fields: { variables: { new_postcode: 'SW1A 1AA' } } });
  });

  it('shows a detail name as typed (“New postcode”) whole in its box, at the side panel’s width', () => {
    const { form } = renderForm(returningCaller(), {
      draft: { variables: [{ name: 'New postcode', value: 'SW1A 1AA' }] },
    });
    const name = one<HTMLInputElement>(form, 'input[id$="-variables-0"]');
    expect(name.scrollWidth, `${name.clientWidth} px box`).toBeLessThanOrEqual(name.clientWidth);
  });

  it('keeps all of a 5,000-character paste in the note and says how far over the limit it is', async () => {
    const { form, store } = renderForm(returningCaller());
    const note = one<HTMLTextAreaElement>(form, 'textarea');
    const count = one(form, '[data-sticky-calls="summary-count"]');
    expect(shown(count)).toBe(`${(1000).toLocaleString()} characters left`);
    const text = 'The caller read out every delivery since March, with dates. '
      .repeat(90)
      .slice(0, 4999)
      .concat('.');
    expect(text).toHaveLength(5000);
    // A real paste: copied from another text box with Ctrl+C, pasted into the note with Ctrl+V.
    const source = document.createElement('textarea');
    source.setAttribute('aria-label', 'copied from');
    source.value = text;
    document.body.append(source);
    try {
      source.select();
      await userEvent.copy();
      note.focus();
      await userEvent.paste();
    } finally {
      source.remove();
    }
    expect(note.value).toBe(text);
    expect(draftOf(store).summary).toBe(text);
    expect(shown(count)).toBe(`${(4000).toLocaleString()} characters over the limit: shorten the note`);
    expect(count.dataset.over).toBe('true');
    expect(note.getAttribute('aria-invalid')).toBe('true');
    expect(note.getAttribute('aria-describedby')?.split(' ')).toContain(count.id);
    // The counter stands out from the quiet hints, in the error colour.
    expect(getComputedStyle(count).color).not.toBe(getComputedStyle(one(form, 'legend')).color);
  });
});

describe('where the wrap-up goes, said before completing', () => {
  it('a known caller: to the caller’s memory', () => {
    const { form } = renderForm(returningCaller());
    expect(preview(form).dataset.saves).toBe('memory');
    expect(shown(preview(form))).toBe(
      'When you complete the task, this wrap-up is saved to the caller’s memory for their next call.',
    );
  });

  it('a withheld caller: the task only', () => {
    const { form } = renderForm(degraded('no_identity_hints', 'anonymous'));
    expect(preview(form).dataset.saves).toBe('task');
    expect(shown(preview(form))).toMatch(/number was withheld, so this wrap-up stays on this task only/);
  });

  it('a match to confirm follows the panel: memory unless “Not this caller”, then the task only, and back on Undo', async () => {
    const store = createWrapUpStore();
    const attributes = confirmMatch();
    const { container } = renderInFlex(
      <>
        <CallerContextPanel task={task(attributes)} store={store} />
        <WrapUpCapture task={task(attributes)} store={store} />
      </>,
    );
    const form = one(container, '[data-sticky-calls="wrap-up"]');
    const panel = one(container, '[data-sticky-calls="panel"]');
    const button = (label: string) =>
      [...panel.querySelectorAll('button')].find((b) => shown(b) === label) as HTMLButtonElement;
    expect(preview(form).dataset.saves).toBe('memory');
    expect(shown(preview(form))).toMatch(
      /saved to this customer’s memory, unless you choose “Not this caller”/,
    );
    // Nothing of the customer's is offered before the agent verifies.
    expect(intentFieldset(form).querySelectorAll('input[type="radio"]')).toHaveLength(0);

    await userEvent.click(button('Not this caller'));
    expect(preview(form).dataset.saves).toBe('task');
    expect(shown(preview(form))).toMatch(
      /You chose “Not this caller”, so this wrap-up stays on this task only/,
    );

    await userEvent.click(button('Undo'));
    await userEvent.click(button('Caller verified'));
    expect(preview(form).dataset.saves).toBe('memory');
    // Verified, the customer's open intent is offered.
    expect(shown(intentFieldset(form))).toContain('Delivery delay');
    expect((await axeFindings(container)).violations).toEqual([]);
  });
});

describe('the form with the keyboard alone', () => {
  for (const mode of MODES) {
    it(`reaches every field in reading order, each with a visible focus ring (${mode})`, async () => {
      const { form } = renderForm(returningCaller(), {
        mode,
        draft: { variables: [{ name: 'Ticket', value: 'T-1001' }] },
      });
      const stops = await tabStops(form, (focused) =>
        expect(focusRingOf(focused), `focus ring on ${nameOf(focused)}`).not.toBeNull(),
      );
      expect(stops).toEqual([
        // One stop per radio group: the arrows move within it.
        'Refund request 3rd call about this',
        'Something else, in a few words',
        'Still open',
        'Summary note',
        'Disposition',
        'Name',
        'Value',
        'Remove detail 1',
        'Add a detail',
      ]);
    });
  }

  it('fills in a whole wrap-up', async () => {
    const { form, store } = renderForm(returningCaller());
    await tabInto(form);
    await userEvent.keyboard(' ');
    expect(draftOf(store).intentChoice).toBe('refund_request');
    await userEvent.keyboard('{ArrowDown}');
    expect(draftOf(store).intentChoice).toBe('address_change');
    await userEvent.tab();
    await userEvent.keyboard('Warranty claim');
    expect(draftOf(store)).toMatchObject({ intentChoice: NEW_INTENT, customIntent: 'Warranty claim' });
    await userEvent.tab();
    await userEvent.keyboard('{ArrowRight}');
    await userEvent.tab();
    await userEvent.keyboard('Replacement kettle sent.');
    await userEvent.tab();
    await userEvent.selectOptions(document.activeElement as HTMLSelectElement, 'callback_scheduled');
    await userEvent.tab();
    await userEvent.keyboard('{Enter}');
    await userEvent.keyboard('Ticket');
    await userEvent.tab();
    await userEvent.keyboard('T-1001');
    expect(draftOf(store)).toMatchObject({
      customIntent: 'Warranty claim',
      status: 'resolved',
      summary: 'Replacement kettle sent.',
      disposition: 'callback_scheduled',
      variables: [{ name: 'Ticket', value: 'T-1001' }],
    });
    expect(checkDraft(draftOf(store), returningCaller())).toMatchObject({
      ok: true,
      fields: { intent: 'warranty_claim', intent_status: 'resolved' },
    });
    expect(shown(one(form, '[data-sticky-calls="wrap-up-slug"]'))).toBe('Saved as warranty_claim');
  });
});

/** A refused completion, with the issues the check really finds in this draft. */
function refused(store: WrapUpStore, draft: Partial<WrapUpDraft>, attributes: unknown) {
  store.edit(TASK_SID, draft);
  // As the wrap-up session checks it: the form shows the intent as required.
  const check = checkDraft(draftOf(store), attributes, { requireIntent: true });
  if (check.ok) throw new Error('the draft was meant to be refused');
  store.set(TASK_SID, { issues: check.issues, refusals: 1 });
  return check.issues;
}

describe('a refused completion', () => {
  it('takes the focus to the issues, each a link to its field', async () => {
    const store = createWrapUpStore();
    const { form } = renderForm(returningCaller(), { store });
    refused(store, { variables: [{ name: 'New postcode', value: '' }] }, returningCaller());
    await new Promise((resolve) => setTimeout(resolve, 0));
    const alert = one(form, '[role="alert"]');
    expect(document.activeElement).toBe(alert);
    expect(shown(alert)).toContain('Choose or type what the call was about.');
    expect(shown(alert)).toContain('Detail 1 needs a value.');
    for (const link of alert.querySelectorAll('a')) {
      const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      expect(target, shown(link)).not.toBeNull();
      expect(form.contains(target)).toBe(true);
    }
  });
});

interface FormState {
  readonly attributes: () => Record<string, unknown>;
  readonly draft?: Partial<WrapUpDraft>;
  /** Issues found by the check in the draft, shown as after a refused completion. */
  readonly refused?: boolean;
}

const FORM_STATES: Readonly<Record<string, FormState>> = {
  empty: { attributes: returningCaller },
  filled: { attributes: returningCaller, draft: FILLED },
  'new caller': { attributes: newCaller, draft: { customIntent: 'Delivery address change', status: 'open' } },
  issues: {
    attributes: returningCaller,
    draft: { summary: 'Asked about the refund.', variables: [{ name: 'New postcode', value: '' }] },
    refused: true,
  },
  'note over the limit': { attributes: returningCaller, draft: { ...FILLED, summary: 'x'.repeat(1200) } },
  'task only (withheld)': {
    attributes: () => degraded('no_identity_hints', 'anonymous'),
    draft: { customIntent: 'Lost card', status: 'open' },
  },
  'task only (not this caller)': {
    attributes: confirmMatch,
    draft: { identityCheck: { outcome: 'rejected', at: new Date().toISOString() } },
  },
};

describe('every state of the form, in Flex’s theme, light and dark', () => {
  for (const [name, state] of Object.entries(FORM_STATES)) {
    for (const mode of MODES) {
      it(`${name}, ${mode}: passes axe with colour contrast and fits the side panel`, async () => {
        const store = createWrapUpStore();
        const { form, column } = renderForm(state.attributes(), { mode, store, draft: state.draft ?? {} });
        if (state.refused === true) refused(store, {}, state.attributes());
        await new Promise((resolve) => setTimeout(resolve, 0));
        const findings = await axeFindings(column);
        expect.soft(findings.violations).toEqual([]);
        expect.soft(findings.contrastUndecided).toEqual([]);
        expect.soft(spills(form)).toEqual([]);
        if (name === 'filled') await screenshot(`wrap-up${mode === 'dark' ? '-dark' : ''}`, column);
        if (name === 'issues' && mode === 'light') await screenshot('wrap-up-issues', column);
      });
    }
  }
});
