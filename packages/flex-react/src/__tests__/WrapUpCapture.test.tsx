import {
  checkDraft,
  createWrapUpSession,
  createWrapUpStore,
  NEW_INTENT,
  WRAP_UP_LIMITS,
  type WrapUpIssue,
  type WrapUpPhase,
  type WrapUpRules,
  type WrapUpStore,
} from '@stickycalls/core';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlexTask } from '../flex-types.js';
import { DEFAULT_STRINGS } from '../strings.js';
import { WrapUpCapture, type WrapUpCaptureProps } from '../WrapUpCapture.js';
import {
  CALLER,
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

/** Refuses a completion for these issues, as the wrap-up session does before a task completes. */
function completionFails(store: WrapUpStore, issues: readonly WrapUpIssue[], taskSid = TASK_SID) {
  act(() => store.set(taskSid, { issues, phase: 'editing', refusals: store.get(taskSid).refusals + 1 }));
}

/** What the session checks before a completion: the task's draft, against the task. */
function checkTask(store: WrapUpStore, flexTask: FlexTask, rules: WrapUpRules = { requireIntent: true }) {
  return checkDraft(store.get(flexTask.taskSid as string).draft, flexTask.attributes, rules);
}

function issuesOf(result: ReturnType<typeof checkDraft>): readonly WrapUpIssue[] {
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.fields)}`);
  return result.issues;
}

/** An issue as the validator or the save Function reports it; the message is not what the form shows. */
const issue = (code: WrapUpIssue['code'], path: WrapUpIssue['path'], extra: Partial<WrapUpIssue> = {}) =>
  ({ code, path, message: `(${code})`, ...extra }) as WrapUpIssue;

/** The texts of the alert's list, in order. */
const listed = () =>
  within(screen.getByRole('alert'))
    .getAllByRole('listitem')
    .map((item) => item.textContent);

describe('WrapUpCapture: the intent', () => {
  const otherBox = () => screen.getByRole('textbox', { name: S.StickyCallsWrapUpOtherIntentLabel });
  const loneBox = () =>
    screen.getByRole('textbox', { name: S.StickyCallsWrapUpNewIntentLabel }) as HTMLInputElement;
  const somethingElse = () =>
    within(intentGroup()).getByRole('radio', { name: S.StickyCallsWrapUpNewIntent }) as HTMLInputElement;

  it("offers the caller's open intents with their calls, something else, and its text box", () => {
    renderWrapUp();
    const radios = within(intentGroup()).getAllByRole('radio');
    expect(radios.map((radio) => radio.closest('label')?.textContent)).toEqual([
      'Refund request3rd call about this',
      'Address change2nd call about this',
      S.StickyCallsWrapUpNewIntent,
    ]);
    expect(radios.every((radio) => !(radio as HTMLInputElement).checked)).toBe(true);
    // The box is there from the start: no click to make it appear.
    expect(intentGroup().contains(otherBox())).toBe(true);
    expect(otherBox().getAttribute('data-sticky-calls')).toBe('wrap-up-intent-text');
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

  it('takes typed words as something else, by themselves, showing quietly what they are saved as', () => {
    const { store, form } = renderWrapUp();
    fireEvent.click(within(intentGroup()).getByRole('radio', { name: /^Refund request/ }));
    const input = otherBox();
    expect(descriptionOf(input)).toBe('');
    type(input, '  Billing Question: late fee! ');
    expect(somethingElse().checked).toBe(true);
    expect(draftOf(store)).toMatchObject({
      intentChoice: NEW_INTENT,
      customIntent: '  Billing Question: late fee! ',
    });
    expect(descriptionOf(input)).toBe('Saved as billing_question_late_fee');
    const saved = within(form).getByText('billing_question_late_fee').closest('[data-sticky-calls]');
    expect(saved?.getAttribute('data-sticky-calls')).toBe('wrap-up-slug');
    // No cut short of the real limit (the check says when it is too long).
    expect(input.hasAttribute('maxlength')).toBe(false);
    type(input, '返金 申請');
    expect(descriptionOf(input)).toBe('Saved as 返金_申請');
    // Picking an open intent again leaves the words where they are, unchosen.
    fireEvent.click(within(intentGroup()).getByRole('radio', { name: /^Address change/ }));
    expect(draftOf(store)).toMatchObject({ intentChoice: 'address_change', customIntent: '返金 申請' });
  });

  it('speaks no jargon: no "slug" and no "intent" anywhere the agent reads', () => {
    const { form } = renderWrapUp();
    type(otherBox(), 'Billing question');
    expect(form.textContent).not.toMatch(/slug|intent/i);
    cleanup();
    const lone = renderWrapUp(newCaller());
    type(loneBox(), 'Billing question');
    expect(lone.form.textContent).not.toMatch(/slug|intent/i);
  });

  it.each([
    ['a new caller (a match to ignore)', newCaller()],
    ['a withheld number', degraded('no_identity_hints', 'anonymous')],
    ['an outage at call start', degraded('server_error')],
    ['Flex’s keys only (no lookup)', flexVoiceKeys()],
  ])('with no open intents (%s): the text box at once, no lone radio', (_name, attributes) => {
    const { store } = renderWrapUp(attributes);
    expect(within(intentGroup()).queryAllByRole('radio')).toEqual([]);
    const input = loneBox();
    expect(input.required).toBe(true);
    expect(input.id).toBe(intentGroup().querySelector('input')?.id);
    type(input, 'Lost card');
    expect(draftOf(store)).toMatchObject({ intentChoice: NEW_INTENT, customIntent: 'Lost card' });
    expect(descriptionOf(input)).toBe('Saved as lost_card');
  });

  it('takes what is typed in the lone box even when an earlier choice is no longer offered', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { intentChoice: 'refund_request', customIntent: 'Lost card', status: 'open' });
    renderWrapUp(newCaller(), { store });
    expect(draftOf(store).intentChoice).toBe(NEW_INTENT);
    expect(checkDraft(draftOf(store), undefined, {})).toMatchObject({
      ok: true,
      fields: { intent: 'lost_card' },
    });
  });

  it('offers the intents of a match to confirm only once the agent verified the caller', () => {
    const { store } = renderWrapUp(confirmMatch());
    expect(within(intentGroup()).queryAllByRole('radio')).toEqual([]);
    act(() =>
      store.edit(TASK_SID, { identityCheck: { outcome: 'verified', at: '2026-02-07T10:31:00.000Z' } }),
    );
    fireEvent.click(within(intentGroup()).getByRole('radio', { name: /^Delivery delay/ }));
    expect(draftOf(store).intentChoice).toBe('delivery_delay');
    // "Not this caller": that customer's intents are hidden, and a choice of one is dropped.
    act(() =>
      store.edit(TASK_SID, { identityCheck: { outcome: 'rejected', at: '2026-02-07T10:32:00.000Z' } }),
    );
    expect(within(intentGroup()).queryAllByRole('radio')).toEqual([]);
    expect(draftOf(store).intentChoice).toBe('');
    expect(loneBox()).toBeTruthy();
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
    cleanup();
    renderWrapUp(newCaller(), { requireIntent: false });
    expect(loneBox().required).toBe(false);
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

  it('stores the summary note, never cut short', () => {
    const { store } = renderWrapUp();
    expect(summary().hasAttribute('maxlength')).toBe(false);
    type(summary(), 'Refund approved, 3-5 days.');
    expect(draftOf(store).summary).toBe('Refund approved, 3-5 days.');
    expect(summary().value).toBe('Refund approved, 3-5 days.');
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

  it('takes a typed disposition without a list, never cut short', () => {
    const { store } = renderWrapUp();
    expect(screen.queryByRole('combobox', { name: S.StickyCallsWrapUpDisposition })).toBeNull();
    const input = screen.getByRole('textbox', { name: S.StickyCallsWrapUpDisposition });
    expect(input.hasAttribute('maxlength')).toBe(false);
    type(input, 'escalated');
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
  it('holds the whole draft, ready for checkDraft', () => {
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
      identityCheck: null,
    });
    expect(checkTask(store, flexTask)).toEqual({
      ok: true,
      fields: {
        intent: 'refund_request',
        intent_status: 'resolved',
        variables: { summary: 'Refund approved.', disposition: 'refund_issued', refund_amount: '42.50' },
      },
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
  /** Issues as the session stores them, and as the form words them. */
  const issues: WrapUpIssue[] = [
    issue('intent_required', ['intent']),
    issue('status_required', ['intent_status']),
    issue('too_long', ['variables'], { count: 12 }),
    issue('variable_value', ['variables', 0], { name: 'order_id' }),
  ];
  const worded = [
    S.StickyCallsErrorIntentRequired,
    S.StickyCallsErrorStatusRequired,
    'The wrap-up is 12 characters too long for the task: shorten the note.',
    'Detail 1 needs a value.',
  ];

  function withRow() {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { variables: [{ name: 'order_id', value: '' }] });
    return renderWrapUp(returningCaller(), { store });
  }

  const links = () =>
    within(screen.getByRole('alert'))
      .getAllByRole('link')
      .map((link) => link.textContent);
  const targetOf = (link: HTMLElement) => document.getElementById(link.getAttribute('href')?.slice(1) ?? '');

  it('lists them in an alert, each linking to its field, and moves the focus there', () => {
    const { store } = withRow();
    expect(screen.queryByRole('alert')).toBeNull();
    completionFails(store, issues);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain(S.StickyCallsWrapUpErrors);
    expect(document.activeElement).toBe(alert);
    expect(links()).toEqual(worded);
    expect(within(alert).getAllByRole('link').map(targetOf)).toEqual([
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
      issue('intent_required', ['intent']),
      issue('no_call', ['call_id']),
      issue('variables_format', ['variables']),
      { code: 'other', path: ['variables', 'no_such_row'], message: 'the CRM is read-only today' },
    ]);
    expect(listed()).toEqual([
      S.StickyCallsErrorIntentRequired,
      S.StickyCallsErrorNoCall,
      S.StickyCallsErrorVariablesFormat,
      'The save Function refused the wrap-up: the CRM is read-only today',
    ]);
    const alert = screen.getByRole('alert');
    expect(links()).toEqual([S.StickyCallsErrorIntentRequired]);
    expect(targetOf(within(alert).getByRole('link'))).toBe(within(intentGroup()).getAllByRole('radio')[0]);
  });

  it('says each one at its field too', () => {
    const { store } = withRow();
    completionFails(store, issues);
    expect(descriptionOf(summary())).toContain(worded[2]);
    expect(summary().getAttribute('aria-invalid')).toBe('true');
    expect(descriptionOf(intentGroup())).toContain(S.StickyCallsErrorIntentRequired);
    expect(descriptionOf(statusGroup())).toContain(S.StickyCallsErrorStatusRequired);
    const name = screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableName });
    expect(descriptionOf(name)).toContain('Detail 1 needs a value.');
    expect(name.getAttribute('aria-invalid')).toBe('true');
  });

  it("clears a field's issue when the agent edits it, and only that field's", () => {
    const { store } = withRow();
    completionFails(store, issues);

    fireEvent.click(screen.getByRole('radio', { name: S.StickyCallsStatus_open }));
    expect(links()).toEqual([worded[0], worded[2], worded[3]]);
    expect(descriptionOf(statusGroup())).toBeNull();

    type(summary(), 'Shorter');
    expect(links()).toEqual([worded[0], worded[3]]);
    expect(summary().getAttribute('aria-invalid')).toBeNull();

    fireEvent.click(screen.getByRole('radio', { name: /^Refund request/ }));
    expect(links()).toEqual([worded[3]]);
    expect(descriptionOf(intentGroup())).toBeNull();
  });

  it("clears a row's issue when the agent edits that row, and the alert with the last one", () => {
    const { store } = withRow();
    completionFails(store, [issue('variable_value', ['variables', 0], { name: 'order_id' })]);
    expect(links()).toEqual(['Detail 1 needs a value.']);

    type(screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableValue }), 'ORD-1');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(store.get(TASK_SID).issues).toEqual([]);
    const name = screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableName });
    expect(name.getAttribute('aria-invalid')).toBeNull();
  });

  it('shows an issue the save Function raises about a variable at that variable’s row', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, {
      variables: [
        { name: 'plan', value: 'Basic' },
        { name: 'order id', value: 'A1' },
      ],
    });
    renderWrapUp(returningCaller(), { store });
    completionFails(store, [
      {
        code: 'variable_name',
        path: ['variables', 'order id'],
        name: 'order id',
        message: 'variable name "order id" must be 1 to 64 letters, digits, _, . or -',
      },
    ]);
    const message = 'Detail 2 needs a name of a few words, with letters or digits (at most 64 characters).';
    expect(links()).toEqual([message]);
    const [plan, orderId] = screen.getAllByRole('textbox', { name: S.StickyCallsWrapUpVariableName }) as [
      HTMLInputElement,
      HTMLInputElement,
    ];
    expect(targetOf(within(screen.getByRole('alert')).getByRole('link'))).toBe(orderId);
    expect(orderId.getAttribute('aria-invalid')).toBe('true');
    expect(descriptionOf(orderId)).toContain(message);
    expect(plan.getAttribute('aria-invalid')).toBeNull();
    // Only what the name is saved as: the issue is the other row's.
    expect(descriptionOf(plan)).toBe('Saved as plan');

    // Fixing the name clears it.
    type(orderId, 'order_id');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(orderId.getAttribute('aria-invalid')).toBeNull();
  });

  it('words what checkDraft finds, naming each row by its number', () => {
    const store = createWrapUpStore();
    const noCall = { ...returningCaller(), call_sid: undefined };
    const { task: flexTask } = renderWrapUp(noCall, { store });
    act(() =>
      store.edit(TASK_SID, {
        intentChoice: 'refund_request',
        variables: [
          { name: '!!!', value: 'A1' },
          { name: 'plan', value: 'Basic' },
          { name: 'Plan', value: 'Premium' },
          { name: 'callback_time', value: ' ' },
          { name: 'Order ID', value: 'A1' },
        ],
      }),
    );
    completionFails(store, issuesOf(checkTask(store, flexTask)));
    const expected = [
      'Detail 1 needs a name of a few words, with letters or digits (at most 64 characters).',
      'Detail 3 repeats the name “plan”.',
      'Detail 4 needs a value.',
      S.StickyCallsErrorStatusRequired,
      S.StickyCallsErrorNoCall,
    ];
    expect(listed()).toHaveLength(expected.length);
    expect(listed()).toEqual(expect.arrayContaining(expected));
    // Every issue but the missing call links to its field.
    expect(links()).toHaveLength(expected.length - 1);
    expect(links()).not.toContain(S.StickyCallsErrorNoCall);
    const names = screen.getAllByRole('textbox', { name: S.StickyCallsWrapUpVariableName });
    expect(names.map((name) => name.getAttribute('aria-invalid'))).toEqual([
      'true',
      null,
      'true',
      'true',
      null,
    ]);
    expect(descriptionOf(names[2] as HTMLElement)).toContain('Detail 3 repeats the name “plan”.');
  });

  it('words the issue of an empty draft checkDraft finds: the intent is required', () => {
    const { store, task: flexTask } = renderWrapUp();
    completionFails(store, issuesOf(checkTask(store, flexTask)));
    expect(listed()).toEqual([S.StickyCallsErrorIntentRequired]);
    expect(links()).toEqual([S.StickyCallsErrorIntentRequired]);
  });

  it('shows the too-long issue checkDraft finds at the summary, with its count', () => {
    const flexTask = task(truncated());
    const store = createWrapUpStore();
    store.edit(TASK_SID, { intentChoice: 'topic_0', status: 'open', summary: 'n'.repeat(999) });
    render(<WrapUpCapture task={flexTask} store={store} />);
    const found = issuesOf(checkTask(store, flexTask));
    expect(found.map((one) => one.code)).toEqual(['too_long']);
    const count = found[0]?.count ?? 0;
    expect(count).toBeGreaterThan(0);
    completionFails(store, found);
    const message = `The wrap-up is ${count} characters too long for the task: shorten the note.`;
    expect(listed()).toEqual([message]);
    expect(descriptionOf(summary())).toContain(message);
    expect(targetOf(within(screen.getByRole('alert')).getByRole('link'))).toBe(summary());
    expect(document.activeElement).toBe(screen.getByRole('alert'));
  });
});

describe('WrapUpCapture: the note’s limit', () => {
  const count = () =>
    screen.getByText((_text, element) => element?.getAttribute('data-sticky-calls') === 'summary-count');
  const live = (form: HTMLElement) => form.querySelector('[aria-live="polite"]');

  it('shows the limit and what is left, as the check counts it (trimmed, line breaks as one)', () => {
    const { form } = renderWrapUp();
    expect(count().textContent).toBe('1,000 characters left');
    expect(descriptionOf(summary())).toContain('1,000 characters left');
    type(summary(), 'n'.repeat(180));
    expect(count().textContent).toBe('820 characters left');
    type(summary(), `  ${'n'.repeat(89)}\r\n${'n'.repeat(90)}  `);
    expect(count().textContent).toBe('820 characters left');
    // Far from the limit, nothing is announced at each keystroke.
    expect(live(form)?.textContent).toBe('');
  });

  it('takes the form’s maxSummaryLength, saying so politely once near it', () => {
    const { form } = renderWrapUp(returningCaller(), { maxSummaryLength: 280 });
    expect(count().textContent).toBe('280 characters left');
    type(summary(), 'n'.repeat(279));
    expect(count().textContent).toBe('1 character left');
    expect(live(form)?.textContent).toBe('1 character left');
  });

  it('keeps a paste over the limit whole, shown as over, never dropping text', () => {
    const { store, form } = renderWrapUp();
    type(summary(), 'p'.repeat(5000));
    expect(summary().value).toHaveLength(5000);
    expect(draftOf(store).summary).toHaveLength(5000);
    expect(count().textContent).toBe('4,000 characters over the limit: shorten the note');
    expect(count().getAttribute('data-over')).toBe('true');
    expect(live(form)?.textContent).toBe('4,000 characters over the limit: shorten the note');
    type(summary(), 'p'.repeat(1001));
    expect(count().textContent).toBe('1 character over the limit: shorten the note');
  });

  it('agrees with the check a completion runs: refused for the same count, said the same way', async () => {
    const store = createWrapUpStore();
    const flexTask = task(returningCaller());
    const session = createWrapUpSession({
      store,
      maxSummaryLength: 280,
      post: () => Promise.reject(new Error('nothing is posted for a refused completion')),
    });
    render(<WrapUpCapture task={flexTask} store={store} maxSummaryLength={280} />);
    fireEvent.click(screen.getByRole('radio', { name: /^Refund request/ }));
    fireEvent.click(screen.getByRole('radio', { name: S.StickyCallsStatus_resolved }));
    type(summary(), 'q'.repeat(2280));
    let proceed = true;
    await act(async () => {
      proceed = await session.beforeComplete({ taskSid: TASK_SID, attributes: flexTask.attributes });
    });
    expect(proceed).toBe(false);
    expect(count().textContent).toBe('2,000 characters over the limit: shorten the note');
    expect(listed()).toEqual(['The summary note is 2,000 characters over the limit: shorten the note.']);
    expect(summary().getAttribute('aria-invalid')).toBe('true');
    // At the note, its counter says it: the issue is not repeated beneath it.
    expect(descriptionOf(summary())).toBe('2,000 characters over the limit: shorten the note');
    expect(document.activeElement).toBe(screen.getByRole('alert'));
  });
});

describe('WrapUpCapture: details as the agent types them', () => {
  const add = () => fireEvent.click(screen.getByRole('button', { name: S.StickyCallsWrapUpAddVariable }));
  const name = () => screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableName });
  const value = () => screen.getByRole('textbox', { name: S.StickyCallsWrapUpVariableValue });

  it('takes a name with spaces, showing quietly what it is saved as; the check saves that', () => {
    const { store, task: flexTask } = renderWrapUp();
    add();
    type(name(), 'New postcode');
    type(value(), 'EC1A 1BB');
    expect(descriptionOf(name())).toBe('Saved as new_postcode');
    expect(name().hasAttribute('maxlength')).toBe(false);
    fireEvent.click(screen.getByRole('radio', { name: /^Refund request/ }));
    fireEvent.click(screen.getByRole('radio', { name: S.StickyCallsStatus_open }));
    expect(checkTask(store, flexTask)).toMatchObject({
      ok: true,
      fields: { variables: { new_postcode: 'EC1A 1BB' } },
    });
  });

  it('never cuts a value short of the real limit, and says when it is over', () => {
    renderWrapUp();
    add();
    expect(value().hasAttribute('maxlength')).toBe(false);
    type(value(), 'v'.repeat(600));
    expect(descriptionOf(value())).toBeNull();
    type(value(), 'v'.repeat(WRAP_UP_LIMITS.variableValueLength + 25));
    expect((value() as HTMLInputElement).value).toHaveLength(WRAP_UP_LIMITS.variableValueLength + 25);
    expect(descriptionOf(value())).toBe('25 characters over the limit: shorten the value');
  });

  it('says a name Sticky Calls writes itself is its own', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { variables: [{ name: 'Last contact at', value: 'yesterday' }] });
    const { task: flexTask } = renderWrapUp(returningCaller(), { store });
    act(() => store.edit(TASK_SID, { intentChoice: 'refund_request', status: 'open' }));
    completionFails(store, issuesOf(checkTask(store, flexTask)));
    expect(listed()).toEqual([
      'Detail 1: Sticky Calls records “last_contact_at” itself. Choose another name.',
    ]);
  });
});

describe('WrapUpCapture: what happens on completion, said before it', () => {
  const preview = () =>
    screen.getByText((_text, element) => element?.getAttribute('data-sticky-calls') === 'save-preview');
  const at = (minute: number) => `2026-02-07T10:${String(minute).padStart(2, '0')}:00.000Z`;

  it.each([
    ['a known caller', returningCaller(), 'memory', S.StickyCallsWrapUpSavesToMemory],
    [
      'a new caller (the API keeps a memory for them)',
      newCaller(),
      'memory',
      S.StickyCallsWrapUpSavesToMemory,
    ],
    ['an outage, the number known', degraded('server_error'), 'memory', S.StickyCallsWrapUpSavesToMemory],
    [
      'a withheld number',
      degraded('no_identity_hints', 'anonymous'),
      'task',
      S.StickyCallsWrapUpKeptWithheld,
    ],
    [
      'an outage, no phone number',
      degraded('timeout', 'client:agent_7'),
      'task',
      S.StickyCallsWrapUpKeptUnknown,
    ],
    [
      'a match to confirm, not checked yet',
      confirmMatch(),
      'memory',
      'When you complete the task, this wrap-up is saved to this customer’s memory, unless you choose “Not this caller”.',
    ],
  ])('%s: says where it goes', (_name, attributes, saves, words) => {
    renderWrapUp(attributes);
    expect(preview().getAttribute('data-saves')).toBe(saves);
    expect(preview().textContent).toBe(words);
  });

  it('follows the agent’s identity check: verified, memory; not this caller, the task only', () => {
    const { store } = renderWrapUp(confirmMatch());
    act(() => store.edit(TASK_SID, { identityCheck: { outcome: 'verified', at: at(31) } }));
    expect(preview().getAttribute('data-saves')).toBe('memory');
    expect(preview().textContent).toBe(S.StickyCallsWrapUpSavesToMemory);
    act(() => store.edit(TASK_SID, { identityCheck: { outcome: 'rejected', at: at(32) } }));
    expect(preview().getAttribute('data-saves')).toBe('task');
    expect(preview().textContent).toBe(
      'You chose “Not this caller”, so this wrap-up stays on this task only: it is not saved to that customer’s memory.',
    );
  });

  it('says a task without a Sticky Calls call cannot be saved', () => {
    renderWrapUp({ from: CALLER });
    expect(preview().getAttribute('data-saves')).toBe('none');
    expect(preview().textContent).toBe(S.StickyCallsErrorNoCall);
  });

  it('gives way to the outcome once the wrap-up is saved or kept', () => {
    const { store } = renderWrapUp();
    act(() => store.set(TASK_SID, { phase: 'stored' }));
    expect(preview().getAttribute('data-saves')).toBe('memory');
    act(() => store.set(TASK_SID, { phase: 'saved' }));
    expect(screen.queryByText((_t, e) => e?.getAttribute('data-sticky-calls') === 'save-preview')).toBeNull();
  });

  it('is worded with the strings prop, the button it names too', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { identityCheck: { outcome: 'rejected', at: at(32) } });
    render(
      <WrapUpCapture
        task={task(confirmMatch())}
        store={store}
        strings={{
          StickyCallsVerifyNo: 'No es esta persona',
          StickyCallsWrapUpKeptRejected: 'Elegiste «{{reject}}».',
        }}
      />,
    );
    expect(preview().textContent).toBe('Elegiste «No es esta persona».');
  });
});

describe('WrapUpCapture: one issue list', () => {
  it('lists an issue given twice once', () => {
    const store = createWrapUpStore();
    renderWrapUp(returningCaller(), { store });
    const twice = issue('status_required', ['intent_status']);
    completionFails(store, [issue('intent_required', ['intent']), twice, { ...twice }]);
    expect(listed()).toEqual([S.StickyCallsErrorIntentRequired, S.StickyCallsErrorStatusRequired]);
    // A second refusal replaces the list: still one of each, one alert.
    completionFails(store, [issue('intent_required', ['intent']), twice]);
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(listed()).toEqual([S.StickyCallsErrorIntentRequired, S.StickyCallsErrorStatusRequired]);
  });
});

describe('WrapUpCapture: storing and saving', () => {
  function phases() {
    const rendered = renderWrapUp();
    const { form } = rendered;
    const status = () => within(form).getByRole('status');
    // Controls in a disabled fieldset are disabled without an attribute of their own.
    const controls = () => [
      ...within(form).getAllByRole('radio'),
      ...within(form).getAllByRole('textbox'),
      within(form).getByRole('button', { name: S.StickyCallsWrapUpAddVariable }),
    ];
    const disabled = () => controls().map((control) => control.matches(':disabled'));
    const to = (phase: WrapUpPhase) => act(() => rendered.store.set(TASK_SID, { phase }));
    return { ...rendered, status, disabled, to };
  }

  it('says nothing and is editable while the agent types', () => {
    const { status, disabled } = phases();
    expect(status().textContent).toBe('');
    expect(status().getAttribute('data-phase')).toBe('editing');
    expect(disabled()).not.toContain(true);
  });

  it('locks the form while storing and saving and once saved, saying so', () => {
    const { status, disabled, to } = phases();
    to('storing');
    expect(status().textContent).toBe(S.StickyCallsWrapUpStoring);
    expect(disabled()).not.toContain(false);

    to('saving');
    expect(status().textContent).toBe(S.StickyCallsWrapUpSaving);
    expect(disabled()).not.toContain(false);

    to('saved');
    expect(status().textContent).toBe(S.StickyCallsWrapUpSaved);
    expect(disabled()).not.toContain(false);
  });

  it('stays editable once stored on the task, saying it is saved when the task completes', () => {
    const { status, disabled, to } = phases();
    to('storing');
    to('stored');
    expect(status().textContent).toBe(S.StickyCallsWrapUpStoredPending);
    expect(status().getAttribute('data-phase')).toBe('stored');
    expect(disabled()).not.toContain(true);
  });

  it('lets the agent edit again when the save failed', () => {
    const { status, disabled, to } = phases();
    to('saving');
    to('failed');
    expect(status().textContent).toBe(S.StickyCallsWrapUpSaveFailed);
    expect(disabled()).not.toContain(true);
  });

  it('says so when the wrap-up is kept only in this browser, and stays editable', () => {
    const { status, disabled, to } = phases();
    to('local');
    expect(status().textContent).toBe(S.StickyCallsWrapUpUnstored);
    expect(status().getAttribute('data-phase')).toBe('local');
    expect(disabled()).not.toContain(true);
  });

  it('says a wrap-up kept on the task only (nothing names the caller) is stored there, and locks it', () => {
    const { status, disabled, to } = phases();
    to('kept');
    expect(status().textContent).toBe(S.StickyCallsWrapUpStored);
    expect(status().getAttribute('data-phase')).toBe('kept');
    expect(disabled()).not.toContain(false);
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
      fireEvent.click(within(form).getByRole('button', { name: S.StickyCallsWrapUpAddVariable }));
    }
    const ids = [...document.querySelectorAll('[id]')].map((element) => element.id);
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    // Each form's labels and references point into that form.
    for (const form of [mine, theirs]) {
      expect(within(form).getByRole('textbox', { name: S.StickyCallsWrapUpSummary })).toBeTruthy();
      expect(within(form).getByRole('textbox', { name: S.StickyCallsWrapUpOtherIntentLabel })).toBeTruthy();
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
    completionFails(store, [issue('intent_required', ['intent'])], 'WTother');
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

  it('words the issues and the phase with its strings prop', () => {
    const store = createWrapUpStore();
    const strings = {
      StickyCallsErrorIntentRequired: '¿De qué trató la llamada?',
      StickyCallsErrorVariableValue: 'Al dato {{index}} le falta el valor.',
      StickyCallsWrapUpStoredPending: 'Guardado en la tarea.',
    };
    store.edit(TASK_SID, { variables: [{ name: 'order_id', value: '' }] });
    render(<WrapUpCapture task={task(returningCaller())} store={store} strings={strings} />);
    completionFails(store, [
      issue('intent_required', ['intent']),
      issue('variable_value', ['variables', 0], { name: 'order_id' }),
    ]);
    expect(listed()).toEqual(['¿De qué trató la llamada?', 'Al dato 1 le falta el valor.']);
    act(() => store.set(TASK_SID, { phase: 'stored' }));
    expect(screen.getByRole('status').textContent).toBe('Guardado en la tarea.');
  });
});
