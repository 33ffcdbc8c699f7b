import { TASK_ATTRIBUTES_LIMIT, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlexTask } from '../flex-types.js';
import { DEFAULT_STRINGS } from '../strings.js';
import { WrapUpCapture, type WrapUpCaptureProps } from '../WrapUpCapture.js';
import {
  type CheckedWrapUp,
  checkWrapUp,
  createWrapUpStore,
  EMPTY_DRAFT,
  NEW_INTENT,
  type WrapUpDraft,
  type WrapUpIssue,
  type WrapUpStore,
} from '../wrap-up-draft.js';
import {
  CALL_SID,
  CUSTOMER_REF,
  confirmMatch,
  degraded,
  flexVoiceKeys,
  newCaller,
  returningCaller,
  startResponse,
  TASK_SID,
  task,
  truncated,
  withFlexKeys,
} from './kit.js';

// Testing Library cleans up by itself only where the test runner has global hooks.
afterEach(cleanup);

const S = DEFAULT_STRINGS;

function renderWrapUp(
  attributes: unknown = returningCaller(),
  props: Omit<WrapUpCaptureProps, 'task' | 'store'> & { store?: WrapUpStore } = {},
) {
  const { store = createWrapUpStore(), ...rest } = props;
  const flexTask = task(attributes);
  const result = render(<WrapUpCapture task={flexTask} store={store} {...rest} />);
  return {
    ...result,
    store,
    task: flexTask,
    form: screen.getByRole('region', { name: S.StickyCallsWrapUpTitle }),
  };
}

const draftOf = (store: WrapUpStore) => store.get(TASK_SID).draft;
const intentGroup = () => screen.getByRole('group', { name: new RegExp(`^${S.StickyCallsWrapUpIntent}`) });
const statusGroup = () => screen.getByRole('group', { name: S.StickyCallsWrapUpStatus });
const summary = () =>
  screen.getByRole('textbox', { name: S.StickyCallsWrapUpSummary }) as HTMLTextAreaElement;
const type = (element: HTMLElement, value: string) => fireEvent.change(element, { target: { value } });

/** The text of the element an input's `aria-describedby` points at. */
function descriptionOf(element: HTMLElement): string | null {
  const ids = element.getAttribute('aria-describedby');
  if (ids === null) return null;
  return ids
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');
}

/** Refuses a completion for these issues, as `registerCallerContext`'s completion listener does. */
function completionFails(store: WrapUpStore, issues: readonly WrapUpIssue[], taskSid = TASK_SID) {
  act(() => store.set(taskSid, { issues, phase: 'editing', refusals: store.get(taskSid).refusals + 1 }));
}

function ok(result: CheckedWrapUp) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issues)}`);
  return result;
}

function issuesOf(result: CheckedWrapUp): readonly WrapUpIssue[] {
  if (result.ok) throw new Error('expected issues, got ok');
  return result.issues;
}

const draft = (change: Partial<WrapUpDraft>): WrapUpDraft => ({ ...EMPTY_DRAFT, ...change });

describe('WrapUpCapture: the intent', () => {
  it("offers the caller's open intents with their attempt, and something else", () => {
    renderWrapUp();
    const radios = within(intentGroup()).getAllByRole('radio');
    expect(radios.map((radio) => radio.closest('label')?.textContent)).toEqual([
      'Refund requestattempt 2',
      'Address changeattempt 1',
      S.StickyCallsWrapUpNewIntent,
    ]);
    expect(radios.every((radio) => !(radio as HTMLInputElement).checked)).toBe(true);
  });

  it('stores the open intent the agent picks', () => {
    const { store } = renderWrapUp();
    const refund = within(intentGroup()).getByRole('radio', { name: /^Refund request/ }) as HTMLInputElement;
    fireEvent.click(refund);
    expect(draftOf(store).intentChoice).toBe('refund_request');
    expect(refund.checked).toBe(true);
    fireEvent.click(within(intentGroup()).getByRole('radio', { name: /^Address change/ }));
    expect(draftOf(store).intentChoice).toBe('address_change');
    expect(refund.checked).toBe(false);
  });

  it('takes a typed intent, previewing the slug it is saved as', () => {
    const { store } = renderWrapUp();
    expect(screen.queryByRole('textbox', { name: S.StickyCallsWrapUpNewIntentLabel })).toBeNull();
    fireEvent.click(within(intentGroup()).getByRole('radio', { name: S.StickyCallsWrapUpNewIntent }));
    const input = screen.getByRole('textbox', { name: S.StickyCallsWrapUpNewIntentLabel });
    expect(descriptionOf(input)).toBe('');
    type(input, '  Billing Question: late fee! ');
    expect(descriptionOf(input)).toBe('billing_question_late_fee');
    expect(draftOf(store)).toMatchObject({
      intentChoice: NEW_INTENT,
      customIntent: '  Billing Question: late fee! ',
    });
    expect(input.getAttribute('maxlength')).toBe('64');
    type(input, '返金 申請');
    expect(descriptionOf(input)).toBe('返金_申請');
  });

  it('offers no open intents of a match to ignore, or of a failed lookup', () => {
    for (const attributes of [newCaller(), degraded(), flexVoiceKeys()]) {
      const { unmount } = renderWrapUp(attributes);
      expect(
        within(intentGroup())
          .getAllByRole('radio')
          .map((radio) => radio.closest('label')?.textContent),
      ).toEqual([S.StickyCallsWrapUpNewIntent]);
      unmount();
    }
  });

  it('offers the intents of a match to confirm', () => {
    renderWrapUp(confirmMatch());
    expect(within(intentGroup()).getByRole('radio', { name: /^Delivery delay/ })).toBeTruthy();
  });

  it('offers an intent the context repeats once', () => {
    const attributes = withFlexKeys(
      startResponse({
        open_intents: [
          { intent: 'refund_request', status: 'open', attempt_count: 2 },
          { intent: 'refund_request', status: 'open', attempt_count: 1 },
        ],
      }),
    );
    renderWrapUp(attributes);
    expect(within(intentGroup()).getAllByRole('radio', { name: /^Refund request/ })).toHaveLength(1);
  });

  it('marks the intent as required unless told otherwise', () => {
    renderWrapUp();
    const required = within(intentGroup())
      .getAllByRole('radio')
      .map((radio) => (radio as HTMLInputElement).required);
    expect(required).toEqual([true, true, true]);
    cleanup();
    renderWrapUp(returningCaller(), { requireIntent: false });
    expect(
      within(intentGroup())
        .getAllByRole('radio')
        .some((radio) => (radio as HTMLInputElement).required),
    ).toBe(false);
  });
});

describe('WrapUpCapture: status, summary, disposition', () => {
  it('stores the status the agent picks', () => {
    const { store } = renderWrapUp();
    const radios = within(statusGroup()).getAllByRole('radio');
    expect(radios.map((radio) => radio.closest('label')?.textContent)).toEqual([
      S.StickyCallsStatus_open,
      S.StickyCallsStatus_resolved,
      S.StickyCallsStatus_abandoned,
    ]);
    fireEvent.click(within(statusGroup()).getByRole('radio', { name: S.StickyCallsStatus_resolved }));
    expect(draftOf(store).status).toBe('resolved');
    expect((radios[1] as HTMLInputElement).checked).toBe(true);
  });

  it('stores the summary note, limited to maxSummaryLength', () => {
    const { store } = renderWrapUp();
    expect(summary().maxLength).toBe(1000);
    type(summary(), 'Refund approved, 3-5 days.');
    expect(draftOf(store).summary).toBe('Refund approved, 3-5 days.');
    expect(summary().value).toBe('Refund approved, 3-5 days.');
    cleanup();
    renderWrapUp(returningCaller(), { maxSummaryLength: 280 });
    expect(summary().maxLength).toBe(280);
  });

  it('offers the dispositions it is given as a select', () => {
    const { store } = renderWrapUp(returningCaller(), {
      dispositions: ['resolved_first_call', 'callback_requested'],
    });
    const select = screen.getByRole('combobox', {
      name: S.StickyCallsWrapUpDisposition,
    }) as HTMLSelectElement;
    expect(
      within(select)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual([S.StickyCallsWrapUpDispositionNone, 'Resolved first call', 'Callback requested']);
    expect(select.value).toBe('');
    type(select, 'callback_requested');
    expect(draftOf(store).disposition).toBe('callback_requested');
    expect(select.value).toBe('callback_requested');
    expect(screen.queryByRole('textbox', { name: S.StickyCallsWrapUpDisposition })).toBeNull();
  });

  it('takes a typed disposition without a list', () => {
    const { store } = renderWrapUp();
    expect(screen.queryByRole('combobox', { name: S.StickyCallsWrapUpDisposition })).toBeNull();
    type(screen.getByRole('textbox', { name: S.StickyCallsWrapUpDisposition }), 'escalated');
    expect(draftOf(store).disposition).toBe('escalated');
  });
});

describe('WrapUpCapture: extra details', () => {
  const names = () => screen.queryAllByRole('textbox', { name: S.StickyCallsWrapUpVariableName });
  const values = () => screen.queryAllByRole('textbox', { name: S.StickyCallsWrapUpVariableValue });
  const add = () => fireEvent.click(screen.getByRole('button', { name: S.StickyCallsWrapUpAddVariable }));

  it('adds rows, focusing the new one, and stores what is typed', () => {
    const { store } = renderWrapUp();
    expect(names()).toHaveLength(0);
    add();
    expect(document.activeElement).toBe(names()[0]);
    add();
    expect(names()).toHaveLength(2);
    expect(document.activeElement).toBe(names()[1]);
    type(names()[0] as HTMLElement, 'order_id');
    type(values()[0] as HTMLElement, 'ORD-2001');
    type(names()[1] as HTMLElement, 'callback_time');
    type(values()[1] as HTMLElement, 'after 5pm');
    expect(draftOf(store).variables).toEqual([
      { name: 'order_id', value: 'ORD-2001' },
      { name: 'callback_time', value: 'after 5pm' },
    ]);
  });

  it('removes the row whose button is pressed', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, {
      variables: [
        { name: 'order_id', value: 'ORD-2001' },
        { name: 'callback_time', value: 'after 5pm' },
        { name: 'plan', value: 'Basic' },
      ],
    });
    renderWrapUp(returningCaller(), { store });
    expect(names().map((input) => (input as HTMLInputElement).value)).toEqual([
      'order_id',
      'callback_time',
      'plan',
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Remove detail 2' }));
    expect(draftOf(store).variables).toEqual([
      { name: 'order_id', value: 'ORD-2001' },
      { name: 'plan', value: 'Basic' },
    ]);
    expect(names().map((input) => (input as HTMLInputElement).value)).toEqual(['order_id', 'plan']);
    expect(screen.queryByRole('button', { name: 'Remove detail 3' })).toBeNull();
  });
});

describe('WrapUpCapture: the store', () => {
  it('holds the whole draft, ready for checkWrapUp', () => {
    const { store, task: flexTask } = renderWrapUp(returningCaller(), { dispositions: ['refund_issued'] });
    fireEvent.click(screen.getByRole('radio', { name: /^Refund request/ }));
    fireEvent.click(screen.getByRole('radio', { name: S.StickyCallsStatus_resolved }));
    type(summary(), 'Refund approved.');
    type(screen.getByRole('combobox', { name: S.StickyCallsWrapUpDisposition }), 'refund_issued');
    fireEvent.click(screen.getByRole('button', { name: S.StickyCallsWrapUpAddVariable }));
    type(screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableName }), 'refund_amount');
    type(screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableValue }), '42.50');

    expect(draftOf(store)).toEqual({
      intentChoice: 'refund_request',
      customIntent: '',
      status: 'resolved',
      summary: 'Refund approved.',
      disposition: 'refund_issued',
      variables: [{ name: 'refund_amount', value: '42.50' }],
    });
    expect(ok(checkWrapUp(flexTask, draftOf(store), S)).wrapUp).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      intent: 'refund_request',
      intent_status: 'resolved',
      variables: { summary: 'Refund approved.', disposition: 'refund_issued', refund_amount: '42.50' },
      saved: false,
    });
  });

  it('keeps the draft when Flex unmounts the form and mounts it again', () => {
    const store = createWrapUpStore();
    const first = renderWrapUp(returningCaller(), { store });
    type(summary(), 'Half written');
    first.unmount();
    renderWrapUp(returningCaller(), { store });
    expect(summary().value).toBe('Half written');
  });

  it('keeps each task its own draft', () => {
    const store = createWrapUpStore();
    const other: FlexTask = task(returningCaller(), { taskSid: 'WTother' });
    render(
      <>
        <WrapUpCapture task={task(returningCaller())} store={store} />
        <WrapUpCapture task={other} store={store} />
      </>,
    );
    const [mine, theirs] = screen.getAllByRole('textbox', { name: S.StickyCallsWrapUpSummary }) as [
      HTMLTextAreaElement,
      HTMLTextAreaElement,
    ];
    type(mine, 'Mine');
    expect(theirs.value).toBe('');
    expect(store.get('WTother').draft.summary).toBe('');
  });

  it('shows changes made to the store elsewhere', () => {
    const { store } = renderWrapUp();
    act(() => store.edit(TASK_SID, { summary: 'Restored from the task' }));
    expect(summary().value).toBe('Restored from the task');
  });
});

describe('WrapUpCapture: issues', () => {
  const issues: WrapUpIssue[] = [
    { field: 'intent', message: S.StickyCallsErrorIntentRequired },
    { field: 'status', message: S.StickyCallsErrorStatusRequired },
    { field: 'summary', message: 'The wrap-up is 12 characters too long for the task: shorten the note.' },
    { field: 'variables.0', message: 'Detail 1 needs a value.' },
  ];

  function withRow() {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { variables: [{ name: 'order_id', value: '' }] });
    return renderWrapUp(returningCaller(), { store });
  }

  it('lists them in an alert, each linking to its field, and moves the focus there', () => {
    const { store } = withRow();
    expect(screen.queryByRole('alert')).toBeNull();
    completionFails(store, issues);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain(S.StickyCallsWrapUpErrors);
    expect(document.activeElement).toBe(alert);
    const links = within(alert).getAllByRole('link');
    expect(links.map((link) => link.textContent)).toEqual(issues.map((issue) => issue.message));
    const targets = links.map((link) => document.getElementById(link.getAttribute('href')?.slice(1) ?? ''));
    expect(targets).toEqual([
      within(intentGroup()).getAllByRole('radio')[0],
      within(statusGroup()).getAllByRole('radio')[0],
      summary(),
      screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableName }),
    ]);
  });

  it('moves the focus to them on every refusal, even with the same issues', () => {
    const { store } = withRow();
    completionFails(store, issues);
    expect(store.get(TASK_SID).refusals).toBe(1);
    expect(document.activeElement).toBe(screen.getByRole('alert'));

    summary().focus();
    completionFails(store, issues);
    expect(store.get(TASK_SID).refusals).toBe(2);
    expect(document.activeElement).toBe(screen.getByRole('alert'));

    // Editing changes the issues without a refusal: the focus stays where the agent types.
    summary().focus();
    type(summary(), 'Shorter');
    expect(store.get(TASK_SID).issues).toHaveLength(issues.length - 1);
    expect(document.activeElement).toBe(summary());
  });

  it('lists an issue of no field of the form (the task has no call) as text, without a link', () => {
    const { store } = withRow();
    completionFails(store, [
      { field: 'intent', message: S.StickyCallsErrorIntentRequired },
      { field: 'call_id', message: S.StickyCallsErrorNoCall },
      { field: 'variables.x', message: 'Not a row' },
    ]);
    const alert = screen.getByRole('alert');
    expect(
      within(alert)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual([S.StickyCallsErrorIntentRequired, S.StickyCallsErrorNoCall, 'Not a row']);
    const links = within(alert).getAllByRole('link');
    expect(links.map((link) => link.textContent)).toEqual([S.StickyCallsErrorIntentRequired]);
    expect(document.getElementById(links[0]?.getAttribute('href')?.slice(1) ?? '')).toBe(
      within(intentGroup()).getAllByRole('radio')[0],
    );
  });

  it('says each one at its field too', () => {
    const { store } = withRow();
    completionFails(store, issues);
    expect(descriptionOf(summary())).toContain(issues[2]?.message);
    expect(summary().getAttribute('aria-invalid')).toBe('true');
    expect(descriptionOf(intentGroup())).toContain(S.StickyCallsErrorIntentRequired);
    expect(descriptionOf(statusGroup())).toContain(S.StickyCallsErrorStatusRequired);
    const name = screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableName });
    expect(descriptionOf(name)).toContain('Detail 1 needs a value.');
  });

  it("clears a field's issue when the agent edits it, and the alert with the last one", () => {
    const { store } = withRow();
    completionFails(store, issues);
    const messages = () =>
      within(screen.getByRole('alert'))
        .getAllByRole('link')
        .map((link) => link.textContent);

    fireEvent.click(screen.getByRole('radio', { name: S.StickyCallsStatus_open }));
    expect(messages()).toEqual([issues[0]?.message, issues[2]?.message, issues[3]?.message]);
    expect(descriptionOf(statusGroup())).toBeNull();

    type(summary(), 'Shorter');
    expect(messages()).toEqual([issues[0]?.message, issues[3]?.message]);
    expect(summary().getAttribute('aria-invalid')).toBeNull();

    type(screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableValue }), 'ORD-1');
    expect(messages()).toEqual([issues[0]?.message]);

    fireEvent.click(screen.getByRole('radio', { name: /^Refund request/ }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(store.get(TASK_SID).issues).toEqual([]);
  });

  it('shows the issue of a task without a call, checkWrapUp finding it', () => {
    const store = createWrapUpStore();
    const noCall = { ...returningCaller(), call_sid: undefined };
    const { task: flexTask } = renderWrapUp(noCall, { store });
    fireEvent.click(screen.getByRole('radio', { name: /^Refund request/ }));
    fireEvent.click(screen.getByRole('radio', { name: S.StickyCallsStatus_resolved }));
    completionFails(store, issuesOf(checkWrapUp(flexTask, draftOf(store), S)));
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain(S.StickyCallsErrorNoCall);
    expect(within(alert).queryAllByRole('link')).toEqual([]);
  });

  it('shows the issues checkWrapUp finds in an empty draft', () => {
    const { store, task: flexTask } = renderWrapUp();
    completionFails(store, issuesOf(checkWrapUp(flexTask, draftOf(store), S)));
    expect(within(screen.getByRole('alert')).getByRole('link').textContent).toBe(
      S.StickyCallsErrorIntentRequired,
    );
  });
});

describe('WrapUpCapture: saving', () => {
  it('locks the form while saving and once saved, saying so', () => {
    const { store, form } = renderWrapUp();
    const status = () => within(form).getByRole('status');
    // Controls in a disabled fieldset are disabled without an attribute of their own.
    const controls = () => [
      ...within(form).getAllByRole('radio'),
      ...within(form).getAllByRole('textbox'),
      within(form).getByRole('button', { name: S.StickyCallsWrapUpAddVariable }),
    ];
    const disabled = () => controls().map((control) => control.matches(':disabled'));
    expect(status().textContent).toBe('');
    expect(disabled().some(Boolean)).toBe(false);

    act(() => store.set(TASK_SID, { phase: 'saving' }));
    expect(status().textContent).toBe(S.StickyCallsWrapUpSaving);
    expect(disabled().every(Boolean)).toBe(true);

    act(() => store.set(TASK_SID, { phase: 'saved' }));
    expect(status().textContent).toBe(S.StickyCallsWrapUpSaved);
    expect(disabled().every(Boolean)).toBe(true);
  });

  it('lets the agent edit again when the save failed', () => {
    const { store } = renderWrapUp();
    act(() => store.set(TASK_SID, { phase: 'saving' }));
    act(() => store.set(TASK_SID, { phase: 'failed' }));
    expect(screen.getByRole('status').textContent).toBe(S.StickyCallsWrapUpSaveFailed);
    expect(summary().matches(':disabled')).toBe(false);
    expect(screen.getByRole('radio', { name: S.StickyCallsStatus_open }).matches(':disabled')).toBe(false);
  });

  it('says so when the wrap-up is neither saved nor stored on the task, and stays editable', () => {
    const { store } = renderWrapUp();
    act(() => store.set(TASK_SID, { phase: 'unstored' }));
    expect(screen.getByRole('status').textContent).toBe(S.StickyCallsWrapUpUnstored);
    expect(screen.getByRole('status').getAttribute('data-phase')).toBe('unstored');
    expect(summary().matches(':disabled')).toBe(false);
  });

  it('says a wrap-up kept on the task only is stored, and locks it', () => {
    const { store } = renderWrapUp();
    act(() => store.set(TASK_SID, { phase: 'stored' }));
    expect(screen.getByRole('status').textContent).toBe(S.StickyCallsWrapUpStored);
    expect(summary().matches(':disabled')).toBe(true);
  });
});

describe('WrapUpCapture: two forms on one page', () => {
  function twoForms() {
    const store = createWrapUpStore();
    render(
      <>
        <WrapUpCapture task={task(returningCaller())} store={store} />
        <WrapUpCapture task={task(returningCaller(), { taskSid: 'WTother' })} store={store} />
      </>,
    );
    const [mine, theirs] = screen.getAllByRole('region', { name: S.StickyCallsWrapUpTitle }) as [
      HTMLElement,
      HTMLElement,
    ];
    return { store, mine, theirs };
  }

  it('never share an id', () => {
    const { mine, theirs } = twoForms();
    // Open every optional part, so each id the form can have is in the page.
    for (const form of [mine, theirs]) {
      fireEvent.click(within(form).getByRole('radio', { name: S.StickyCallsWrapUpNewIntent }));
      fireEvent.click(within(form).getByRole('button', { name: S.StickyCallsWrapUpAddVariable }));
    }
    const ids = [...document.querySelectorAll('[id]')].map((element) => element.id);
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    // Each form's labels and references point into that form.
    for (const form of [mine, theirs]) {
      expect(within(form).getByRole('textbox', { name: S.StickyCallsWrapUpSummary })).toBeTruthy();
      expect(within(form).getByRole('textbox', { name: S.StickyCallsWrapUpNewIntentLabel })).toBeTruthy();
      const heading = document.getElementById(form.getAttribute('aria-labelledby') ?? '');
      expect(form.contains(heading)).toBe(true);
    }
  });

  it('have radio groups of their own', () => {
    const { store, mine, theirs } = twoForms();
    const name = (form: HTMLElement, label: string | RegExp) =>
      (within(form).getByRole('radio', { name: label }) as HTMLInputElement).name;
    expect(name(mine, /^Refund request/)).not.toBe(name(theirs, /^Refund request/));
    expect(name(mine, S.StickyCallsStatus_open)).not.toBe(name(theirs, S.StickyCallsStatus_open));

    fireEvent.click(within(mine).getByRole('radio', { name: /^Refund request/ }));
    fireEvent.click(within(theirs).getByRole('radio', { name: /^Address change/ }));
    fireEvent.click(within(mine).getByRole('radio', { name: S.StickyCallsStatus_resolved }));
    fireEvent.click(within(theirs).getByRole('radio', { name: S.StickyCallsStatus_open }));
    const checked = (form: HTMLElement) =>
      within(form)
        .getAllByRole('radio')
        .filter((radio) => (radio as HTMLInputElement).checked)
        .map((radio) => (radio as HTMLInputElement).value);
    expect(checked(mine)).toEqual(['refund_request', 'resolved']);
    expect(checked(theirs)).toEqual(['address_change', 'open']);
    expect(store.get(TASK_SID).draft).toMatchObject({ intentChoice: 'refund_request', status: 'resolved' });
    expect(store.get('WTother').draft).toMatchObject({ intentChoice: 'address_change', status: 'open' });
  });

  it("moves the focus to the refused form's issues, not the other's", () => {
    const { store, mine, theirs } = twoForms();
    completionFails(store, [{ field: 'intent', message: S.StickyCallsErrorIntentRequired }], 'WTother');
    expect(within(mine).queryByRole('alert')).toBeNull();
    expect(document.activeElement).toBe(within(theirs).getByRole('alert'));
    const link = within(theirs).getByRole('link');
    expect(theirs.contains(document.getElementById(link.getAttribute('href')?.slice(1) ?? ''))).toBe(true);
  });
});

describe('WrapUpCapture: strings', () => {
  it('uses its strings prop', () => {
    const strings = { StickyCallsWrapUpTitle: 'Cierre', StickyCallsWrapUpSummary: 'Nota' };
    render(<WrapUpCapture task={task(returningCaller())} store={createWrapUpStore()} strings={strings} />);
    expect(screen.getByRole('region', { name: 'Cierre' })).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Nota' })).toBeTruthy();
  });
});

describe('checkWrapUp', () => {
  const returning = () => task(returningCaller());

  it('names the missing call when the task has no call_sid', () => {
    const noCall = { ...returning(), attributes: { ...returningCaller(), call_sid: undefined } };
    const complete = draft({ intentChoice: 'refund_request', status: 'resolved' });
    expect(issuesOf(checkWrapUp(noCall, complete, S))).toEqual([
      { field: 'call_id', message: S.StickyCallsErrorNoCall },
    ]);
  });

  it('needs an intent', () => {
    expect(issuesOf(checkWrapUp(returning(), EMPTY_DRAFT, S))).toEqual([
      { field: 'intent', message: S.StickyCallsErrorIntentRequired },
    ]);
    const blank = draft({ intentChoice: NEW_INTENT, customIntent: '   ', status: 'open' });
    expect(issuesOf(checkWrapUp(returning(), blank, S))).toEqual([
      { field: 'intent', message: S.StickyCallsErrorIntentRequired },
    ]);
  });

  it('calls typed text that makes no slug (only punctuation) a format issue, not a missing intent', () => {
    for (const status of ['open', ''] as const) {
      const punctuation = draft({ intentChoice: NEW_INTENT, customIntent: ' !!! ', status });
      expect(issuesOf(checkWrapUp(returning(), punctuation, S))).toEqual([
        { field: 'intent', message: S.StickyCallsErrorIntentFormat },
      ]);
    }
    // Even when no intent is required: the agent typed one.
    const optional = draft({ intentChoice: NEW_INTENT, customIntent: '¿?', status: 'open' });
    expect(issuesOf(checkWrapUp(returning(), optional, S, { requireIntent: false }))).toEqual([
      { field: 'intent', message: S.StickyCallsErrorIntentFormat },
    ]);
  });

  it('does without an intent when told to, saving only the note', () => {
    const result = ok(
      checkWrapUp(returning(), draft({ summary: 'Wrong number' }), S, { requireIntent: false }),
    );
    expect(result.wrapUp).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      variables: { summary: 'Wrong number' },
      saved: false,
    });
    expect(result.endCall).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      variables: { summary: 'Wrong number' },
    });
  });

  it('needs a status once there is an intent', () => {
    expect(issuesOf(checkWrapUp(returning(), draft({ intentChoice: 'refund_request' }), S))).toEqual([
      { field: 'status', message: S.StickyCallsErrorStatusRequired },
    ]);
  });

  it('saves a typed intent as its slug', () => {
    const typed = draft({ intentChoice: NEW_INTENT, customIntent: 'Billing Question', status: 'open' });
    expect(ok(checkWrapUp(returning(), typed, S)).wrapUp).toMatchObject({
      intent: 'billing_question',
      intent_status: 'open',
    });
  });

  it.each([
    ['返金 申請', '返金_申請'],
    ['Ünïcödé Çafé', 'ünïcödé_çafé'],
    ['  Rückruf: Montag! ', 'rückruf_montag'],
    ['v2.1-beta', 'v2.1-beta'],
  ])('saves the typed intent %s as the Unicode slug %s', (typed, slug) => {
    const result = ok(
      checkWrapUp(returning(), draft({ intentChoice: NEW_INTENT, customIntent: typed, status: 'open' }), S),
    );
    expect(result.wrapUp.intent).toBe(slug);
    expect(result.endCall).toMatchObject({ intent: slug });
  });

  it('refuses a typed intent longer than 64 characters', () => {
    const long = draft({ intentChoice: NEW_INTENT, customIntent: 'a'.repeat(65), status: 'open' });
    expect(issuesOf(checkWrapUp(returning(), long, S))).toEqual([
      { field: 'intent', message: S.StickyCallsErrorIntentFormat },
    ]);
    const longest = draft({ intentChoice: NEW_INTENT, customIntent: 'a'.repeat(64), status: 'open' });
    expect(ok(checkWrapUp(returning(), longest, S)).wrapUp.intent).toBe('a'.repeat(64));
  });

  it("takes the caller's own open intent as the API gave it, with no slug check", () => {
    // Whatever the API called it is what the API knows it by.
    for (const intent of ['refund request', 'Refund_Request', 'x'.repeat(80)]) {
      const result = ok(checkWrapUp(returning(), draft({ intentChoice: intent, status: 'open' }), S));
      expect(result.wrapUp.intent).toBe(intent);
      expect(result.endCall).toMatchObject({ intent, intent_status: 'open' });
    }
    const padded = draft({ intentChoice: ' refund_request ', status: 'open' });
    expect(ok(checkWrapUp(returning(), padded, S)).wrapUp.intent).toBe('refund_request');
  });

  it('names each bad extra detail by its row', () => {
    const result = checkWrapUp(
      returning(),
      draft({
        intentChoice: 'refund_request',
        status: 'resolved',
        variables: [
          { name: 'order id', value: 'ORD-1' },
          { name: 'order_id', value: 'ORD-1' },
          { name: '', value: '' },
          { name: 'order_id', value: 'ORD-2' },
          { name: 'summary', value: 'x' },
          { name: 'disposition', value: 'y' },
          { name: 'callback_time', value: '   ' },
          { name: 'x'.repeat(65), value: 'z' },
        ],
      }),
      S,
    );
    expect(issuesOf(result)).toEqual([
      { field: 'variables.0', message: 'Detail 1 needs a name (letters, digits and _).' },
      { field: 'variables.3', message: 'Detail 4 repeats the name “order_id”.' },
      { field: 'variables.4', message: 'Detail 5 repeats the name “summary”.' },
      { field: 'variables.5', message: 'Detail 6 repeats the name “disposition”.' },
      { field: 'variables.6', message: 'Detail 7 needs a value.' },
      { field: 'variables.7', message: 'Detail 8 needs a name (letters, digits and _).' },
    ]);
  });

  it('reports every problem at once', () => {
    const result = checkWrapUp(
      returning(),
      draft({ intentChoice: 'refund_request', variables: [{ name: 'a b', value: '1' }] }),
      S,
    );
    expect(issuesOf(result).map((issue) => issue.field)).toEqual(['status', 'variables.0']);
  });

  it('trims what was typed and leaves out empty fields', () => {
    const result = ok(
      checkWrapUp(
        returning(),
        draft({
          intentChoice: 'address_change',
          status: 'open',
          summary: '  Moving in May \n',
          disposition: '   ',
          variables: [
            { name: ' new_city ', value: ' Leeds ' },
            { name: '', value: '' },
          ],
        }),
        S,
      ),
    );
    expect(result.wrapUp.variables).toEqual({ summary: 'Moving in May', new_city: 'Leeds' });
  });

  it('gives the calls.end body for a known caller', () => {
    const result = ok(
      checkWrapUp(
        returning(),
        draft({ intentChoice: 'refund_request', status: 'resolved', disposition: 'refund_issued' }),
        S,
      ),
    );
    expect(result.endCall).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      intent: 'refund_request',
      intent_status: 'resolved',
      variables: { disposition: 'refund_issued' },
    });
  });

  it('names the caller by their number when the lookup failed (identity_hints from `from`)', () => {
    const result = ok(
      checkWrapUp(
        task(degraded('timeout', '+1 (415) 555-1234')),
        draft({ intentChoice: NEW_INTENT, customIntent: 'lost card', status: 'open' }),
        S,
      ),
    );
    expect(result.wrapUp.customer_ref).toBeUndefined();
    expect(result.endCall).toEqual({
      call_id: CALL_SID,
      identity_hints: { ani: '+14155551234' },
      intent: 'lost_card',
      intent_status: 'open',
    });
  });

  it.each([
    ['withheld', 'anonymous'],
    ['a Twilio Client', 'client:agent_alice'],
  ])(
    'keeps the wrap-up on the task only (endCall null) when the caller is %s and unknown',
    (_label, from) => {
      const result = ok(
        checkWrapUp(
          task(degraded('no_identity_hints', from)),
          draft({ intentChoice: 'x', status: 'open' }),
          S,
        ),
      );
      expect(result.wrapUp).toEqual({ call_id: CALL_SID, intent: 'x', intent_status: 'open', saved: false });
      expect(result.endCall).toBeNull();
    },
  );

  it('reads attributes given as JSON', () => {
    const result = ok(
      checkWrapUp(task(JSON.stringify(returningCaller())), draft({ intentChoice: 'a', status: 'open' }), S),
    );
    expect(result.wrapUp).toMatchObject({ call_id: CALL_SID, customer_ref: CUSTOMER_REF });
  });

  it('uses the strings it is given', () => {
    const strings = { ...S, StickyCallsErrorIntentRequired: '¿De qué trató la llamada?' };
    expect(issuesOf(checkWrapUp(returning(), EMPTY_DRAFT, strings))[0]?.message).toBe(
      '¿De qué trató la llamada?',
    );
  });

  describe('the 4,096-character task attribute limit', () => {
    const withSummary = (flexTask: FlexTask, length: number) =>
      checkWrapUp(
        flexTask,
        draft({ intentChoice: 'topic_0', status: 'open', summary: 'n'.repeat(length) }),
        S,
      );

    /** The longest summary that still fits on the task, found through checkWrapUp itself. */
    function longestFitting(flexTask: FlexTask): number {
      let low = 0;
      let high = TASK_ATTRIBUTES_LIMIT;
      expect(withSummary(flexTask, low).ok).toBe(true);
      expect(withSummary(flexTask, high).ok).toBe(false);
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (withSummary(flexTask, middle).ok) low = middle;
        else high = middle;
      }
      return low;
    }

    it('counts how many characters too long the wrap-up is', () => {
      const flexTask = task(truncated());
      const longest = longestFitting(flexTask);
      const wrapUp = ok(withSummary(flexTask, longest)).wrapUp;
      expect(wrapUp.saved).toBe(false);
      // At the limit exactly: the attributes with the wrap-up as first written (saved: false)…
      const written = (saved: boolean) =>
        JSON.stringify({ ...(flexTask.attributes as object), [WRAP_UP_ATTRIBUTE_KEY]: { ...wrapUp, saved } });
      expect(written(false).length).toBe(TASK_ATTRIBUTES_LIMIT);
      // …so marking it saved (`true` is one character shorter) fits too.
      expect(written(true).length).toBe(TASK_ATTRIBUTES_LIMIT - 1);

      for (const over of [1, 37]) {
        expect(issuesOf(withSummary(flexTask, longest + over))).toEqual([
          {
            field: 'summary',
            message: `The wrap-up is ${over} characters too long for the task: shorten the note.`,
          },
        ]);
      }
    });

    it('is reached by a typed note on a task already carrying a large context', () => {
      const flexTask = task(truncated());
      expect(JSON.stringify(flexTask.attributes).length).toBeGreaterThan(3000);
      expect(longestFitting(flexTask)).toBeLessThan(1000);
      // The same note fits beside a small context.
      expect(withSummary(task(returningCaller()), 999).ok).toBe(true);
    });

    it('shows the too-long issue at the summary', () => {
      const flexTask = task(truncated());
      const store = createWrapUpStore();
      store.edit(TASK_SID, { intentChoice: 'topic_0', status: 'open', summary: 'n'.repeat(999) });
      render(<WrapUpCapture task={flexTask} store={store} />);
      completionFails(store, issuesOf(checkWrapUp(flexTask, draftOf(store), S)));
      expect(descriptionOf(summary())).toMatch(/The wrap-up is \d+ characters too long for the task/);
      expect(document.activeElement).toBe(screen.getByRole('alert'));
    });
  });
});
