import {
  fieldOf,
  NEW_INTENT,
  SERVER_VARIABLE_NAMES,
  type TierOptions,
  toSlug,
  WRAP_UP_LIMITS,
  WRAP_UP_STATUSES,
  type WrapUpDraft,
  type WrapUpEntry,
  type WrapUpIssue,
  type WrapUpStore,
} from '@stickycalls/core';
import * as React from 'react';
import { CallerText, fillNodes, visibleText } from './caller-text.js';
import { type CallerContextView, humanize, type IntentRow } from './caller-view.js';
import type { TaskContextProps } from './flex-types.js';
import { attemptsText } from './panel-format.js';
import { fillTemplate, type StickyCallsStrings, useStrings } from './strings.js';
import { surface } from './surface.js';
import { tokens as t } from './tokens.js';
import { useCallerContext } from './useCallerContext.js';
import { useUniqueId } from './useUniqueId.js';
import {
  formatCount,
  previewStyle,
  previewTaskStyle,
  type Room,
  roomOf,
  roomText,
  savePreview,
  summaryLimit,
  visuallyHidden,
} from './wrap-up-parts.js';

/** Props of {@link WrapUpCapture}. */
export interface WrapUpCaptureProps extends TaskContextProps {
  /** Where the draft lives; the completion listener reads it from here. */
  store: WrapUpStore;
  /** Dispositions to pick from; with none, the disposition is typed. @default [] */
  dispositions?: readonly string[];
  /** Whether an intent is required (shown as such). @default true */
  requireIntent?: boolean;
  /**
   * Longest summary note, in characters as saved (trimmed, a line break as one), from 1 to
   * the core's limit on a value. A longer note is kept whole and shown as over; give the
   * wrap-up session the same `maxSummaryLength`, so Complete is refused for it.
   * @default 1000
   */
  maxSummaryLength?: number;
  /** Identity thresholds: a weak match's open intents are not offered. @default as the panel */
  tiers?: TierOptions;
  /** Overrides of the strings. @default English */
  strings?: Partial<StickyCallsStrings>;
}

/**
 * The wrap-up form: what the call was about (one of the caller's open intents, or a few
 * words of the agent's, saved as a name shown beneath), its status, a summary note with
 * the room it has left, a disposition and extra details, and one line saying where the
 * wrap-up goes when the task completes (the caller's memory, or the task only). It keeps
 * the draft in `store`; `registerCallerContext` checks it before the task completes,
 * stores it on the task and saves it. A match to confirm offers its open intents once
 * the agent verified the caller (the panel records that in the same draft).
 *
 * @example
 * const store = createWrapUpStore();
 * <WrapUpCapture task={task} store={store} dispositions={['resolved', 'callback']} />
 */
export function WrapUpCapture(props: WrapUpCaptureProps): React.ReactElement | null {
  const { task, store, dispositions = [], requireIntent = true, maxSummaryLength = 1000, tiers } = props;
  const strings = useStrings(props.strings);
  const taskSid = task?.taskSid ?? task?.sid ?? '';
  const entry = useWrapUpEntry(store, taskSid);
  const view = useCallerContext(task, tiers === undefined ? {} : { tiers });
  const id = useUniqueId('sticky-calls-wrap-up');
  const summaryRef = React.useRef<HTMLDivElement>(null);
  const { draft, issues, phase } = entry;
  const edit = (change: Partial<WrapUpDraft>) => store.edit(taskSid, change);
  const worded = distinct(issues.map((issue) => wordIssue(issue, draft, strings)));
  const issueOf = (field: string) => worded.find((issue) => issue.field === field)?.message;
  const locked = phase === 'storing' || phase === 'saving' || phase === 'saved' || phase === 'kept';

  // A row added with the button takes the focus, so the keyboard goes on where the row is.
  const focusRow = React.useRef<number | null>(null);
  React.useEffect(() => {
    if (focusRow.current === null) return;
    document.getElementById(`${id}-variables-${focusRow.current}`)?.focus();
    focusRow.current = null;
  });
  // Each refused completion takes the focus to the issues, so the agent hears and sees them.
  React.useEffect(() => {
    if (entry.refusals > 0) summaryRef.current?.focus();
  }, [entry.refusals]);

  const offered = offeredIntents(view, draft);
  // What is typed in the lone box is the choice; a choice no longer offered (the agent
  // said "Not this caller") is dropped, so nothing hidden is saved.
  const typedAlone =
    offered.length === 0 && draft.customIntent.trim() !== '' && draft.intentChoice !== NEW_INTENT;
  const hiddenChoice =
    draft.intentChoice !== '' &&
    draft.intentChoice !== NEW_INTENT &&
    !offered.some((intent) => intent.intent === draft.intentChoice);
  React.useEffect(() => {
    if (locked || taskSid === '') return;
    if (typedAlone) store.edit(taskSid, { intentChoice: NEW_INTENT });
    else if (hiddenChoice) store.edit(taskSid, { intentChoice: '' });
  }, [typedAlone, hiddenChoice, locked, store, taskSid]);

  const intentIssue = issueOf('intent');
  const statusIssue = issueOf('status');
  const summaryIssue = issueOf('summary');
  const variablesIssue = issueOf('variables');
  const slug = toSlug(draft.customIntent);
  const boxId = offered.length === 0 ? `${id}-intent` : `${id}-custom-intent`;
  const note = roomOf(draft.summary, summaryLimit(maxSummaryLength));
  const noteText = roomText(note, strings, 'note');
  // The note over its limit is said by its counter; the issue is not said twice beneath it.
  const noteOverSaid =
    note.left < 0 &&
    issues.some((issue) => issue.code === 'variable_too_long' && fieldOf(issue) === 'summary');
  const summaryLine = noteOverSaid ? undefined : summaryIssue;
  const attributes = task?.attributes;
  const where = React.useMemo(
    () => savePreview(attributes, view, draft.identityCheck, strings),
    [attributes, view, draft.identityCheck, strings],
  );
  // Said while the agent can still change it; once saved or kept, the status says what happened.
  const preview =
    phase === 'editing' || phase === 'storing' || phase === 'stored' || phase === 'local' ? where : null;
  return (
    <section
      aria-labelledby={`${id}-title`}
      data-sticky-calls="wrap-up"
      style={{ ...styles.panel, position: 'relative' }}
    >
      <h2 id={`${id}-title`} style={styles.title}>
        {strings.StickyCallsWrapUpTitle}
      </h2>
      {worded.length > 0 ? (
        <div
          ref={summaryRef}
          role="alert"
          tabIndex={-1}
          style={styles.errorSummary}
          data-sticky-calls="wrap-up-issues"
        >
          <p style={styles.flat}>{strings.StickyCallsWrapUpErrors}</p>
          <ul style={styles.errorList}>
            {worded.map((issue, index) => (
              // Issues are replaced as a whole at each refusal; their order is their identity.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above.
              <li key={index}>
                {FIELDS.test(issue.field) ? (
                  <a href={`#${id}-${fieldAnchor(issue.field)}`} style={styles.errorLink}>
                    {issue.message}
                  </a>
                ) : (
                  issue.message
                )}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <fieldset
        style={styles.fieldset}
        disabled={locked}
        aria-describedby={intentIssue ? `${id}-intent-issue` : undefined}
      >
        <legend style={styles.legend}>
          {strings.StickyCallsWrapUpIntent}
          {requireIntent ? <span aria-hidden="true"> *</span> : null}
        </legend>
        {offered.map((intent, index) => {
          const calls = attemptsText(strings, intent.attempts);
          return (
            <label key={intent.intent} style={styles.choice}>
              <input
                type="radio"
                name={`${id}-intent`}
                id={index === 0 ? `${id}-intent` : undefined}
                value={intent.intent}
                checked={draft.intentChoice === intent.intent}
                onChange={() => edit({ intentChoice: intent.intent })}
                required={requireIntent}
              />
              <CallerText
                text={humanize(intent.intent)}
                name
                empty={strings.StickyCallsUnnamed}
                title={visibleText(intent.intent)}
              />
              {calls !== null ? <span style={styles.hint}>{calls}</span> : null}
            </label>
          );
        })}
        {offered.length > 0 ? (
          <label style={styles.choice}>
            <input
              type="radio"
              name={`${id}-intent`}
              value="new"
              checked={draft.intentChoice === NEW_INTENT}
              onChange={() => edit({ intentChoice: NEW_INTENT })}
              required={requireIntent}
            />
            <span>{strings.StickyCallsWrapUpNewIntent}</span>
          </label>
        ) : null}
        <div style={offered.length > 0 ? styles.otherIntent : styles.field}>
          <label htmlFor={boxId} style={styles.label}>
            {offered.length > 0
              ? strings.StickyCallsWrapUpOtherIntentLabel
              : strings.StickyCallsWrapUpNewIntentLabel}
          </label>
          <input
            id={boxId}
            type="text"
            value={draft.customIntent}
            autoComplete="off"
            required={requireIntent && offered.length === 0}
            aria-invalid={
              intentIssue && (offered.length === 0 || draft.intentChoice === NEW_INTENT) ? true : undefined
            }
            aria-describedby={`${id}-custom-intent-slug`}
            data-sticky-calls="wrap-up-intent-text"
            // Typing is choosing "something else": no click first.
            onChange={(event) => edit({ customIntent: event.target.value, intentChoice: NEW_INTENT })}
            style={styles.input}
          />
          <span id={`${id}-custom-intent-slug`} data-sticky-calls="wrap-up-slug" style={styles.hint}>
            {slug === ''
              ? ''
              : fillNodes(strings.StickyCallsWrapUpSavedAs, { name: <CallerText text={slug} name /> })}
          </span>
        </div>
        {intentIssue ? <Issue id={`${id}-intent-issue`} message={intentIssue} /> : null}
      </fieldset>

      <fieldset
        style={styles.fieldset}
        disabled={locked}
        aria-describedby={statusIssue ? `${id}-status-issue` : undefined}
      >
        <legend style={styles.legend}>{strings.StickyCallsWrapUpStatus}</legend>
        <div style={styles.row}>
          {WRAP_UP_STATUSES.map((status, index) => (
            <label key={status} style={styles.choice}>
              <input
                type="radio"
                name={`${id}-status`}
                id={index === 0 ? `${id}-status` : undefined}
                value={status}
                checked={draft.status === status}
                onChange={() => edit({ status })}
              />
              <span>{strings[`StickyCallsStatus_${status}` as const]}</span>
            </label>
          ))}
        </div>
        {statusIssue ? <Issue id={`${id}-status-issue`} message={statusIssue} /> : null}
      </fieldset>

      <div style={styles.field}>
        <label htmlFor={`${id}-summary`} style={styles.label}>
          {strings.StickyCallsWrapUpSummary}
        </label>
        {/* No maxLength: a paste over the limit is kept whole and shown as over, never cut. */}
        <textarea
          id={`${id}-summary`}
          value={draft.summary}
          rows={3}
          disabled={locked}
          aria-invalid={summaryIssue || note.left < 0 ? true : undefined}
          aria-describedby={describedBy(`${id}-summary-count`, summaryLine ? `${id}-summary-issue` : '')}
          onChange={(event) => edit({ summary: event.target.value })}
          style={styles.textarea}
        />
        <span
          id={`${id}-summary-count`}
          data-sticky-calls="summary-count"
          data-over={note.left < 0 ? 'true' : undefined}
          style={note.left < 0 ? styles.over : styles.hint}
        >
          {noteText}
        </span>
        {/* Said aloud only near the limit or over it, not at every keystroke. */}
        <span aria-live="polite" style={visuallyHidden}>
          {note.near ? noteText : ''}
        </span>
        {summaryLine ? <Issue id={`${id}-summary-issue`} message={summaryLine} /> : null}
      </div>

      <div style={styles.field}>
        <label htmlFor={`${id}-disposition`} style={styles.label}>
          {strings.StickyCallsWrapUpDisposition}
        </label>
        {dispositions.length > 0 ? (
          <select
            id={`${id}-disposition`}
            value={draft.disposition}
            disabled={locked}
            onChange={(event) => edit({ disposition: event.target.value })}
            style={styles.input}
          >
            <option value="">{strings.StickyCallsWrapUpDispositionNone}</option>
            {dispositions.map((disposition) => (
              <option key={disposition} value={disposition}>
                {humanize(disposition)}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={`${id}-disposition`}
            type="text"
            value={draft.disposition}
            disabled={locked}
            onChange={(event) => edit({ disposition: event.target.value })}
            style={styles.input}
          />
        )}
      </div>

      <fieldset
        style={styles.fieldset}
        disabled={locked}
        aria-describedby={variablesIssue ? `${id}-variables-issue` : undefined}
      >
        <legend style={styles.legend}>{strings.StickyCallsWrapUpVariables}</legend>
        {draft.variables.map((row, index) => {
          const issue = issueOf(`variables.${index}`);
          const rowId = `${id}-variables-${index}`;
          const name = toSlug(row.name);
          const value = roomOf(row.value, WRAP_UP_LIMITS.variableValueLength);
          const replace = (change: Partial<{ name: string; value: string }>) =>
            edit({
              variables: draft.variables.map((other, i) => (i === index ? { ...other, ...change } : other)),
            });
          return (
            // Rows have no identity of their own; the index is what the issues name.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above.
            <div key={index} style={styles.variableRow}>
              <div style={styles.variableField}>
                <label htmlFor={rowId} style={styles.rowLabel}>
                  {strings.StickyCallsWrapUpVariableName}
                </label>
                <input
                  id={rowId}
                  type="text"
                  value={row.name}
                  autoComplete="off"
                  aria-invalid={issue ? true : undefined}
                  aria-describedby={describedBy(
                    name === '' ? '' : `${rowId}-slug`,
                    issue ? `${rowId}-issue` : '',
                  )}
                  onChange={(event) => replace({ name: event.target.value })}
                  style={styles.input}
                />
                <span id={`${rowId}-slug`} data-sticky-calls="wrap-up-variable-slug" style={styles.hint}>
                  {name === ''
                    ? ''
                    : fillNodes(strings.StickyCallsWrapUpSavedAs, { name: <CallerText text={name} name /> })}
                </span>
              </div>
              <div style={styles.variableField}>
                <label htmlFor={`${rowId}-value`} style={styles.rowLabel}>
                  {strings.StickyCallsWrapUpVariableValue}
                </label>
                <input
                  id={`${rowId}-value`}
                  type="text"
                  value={row.value}
                  autoComplete="off"
                  aria-invalid={issue || value.left < 0 ? true : undefined}
                  aria-describedby={value.near ? `${rowId}-count` : undefined}
                  onChange={(event) => replace({ value: event.target.value })}
                  style={styles.input}
                />
                {value.near ? <ValueRoom id={`${rowId}-count`} room={value} strings={strings} /> : null}
              </div>
              <button
                type="button"
                aria-label={fillTemplate(strings.StickyCallsWrapUpRemoveVariable, { index: index + 1 })}
                onClick={() => edit({ variables: draft.variables.filter((_, i) => i !== index) })}
                style={styles.removeButton}
              >
                <span aria-hidden="true">×</span>
              </button>
              {issue ? <Issue id={`${rowId}-issue`} message={issue} /> : null}
            </div>
          );
        })}
        <button
          type="button"
          onClick={() => {
            focusRow.current = draft.variables.length;
            edit({ variables: [...draft.variables, { name: '', value: '' }] });
          }}
          style={styles.button}
        >
          {strings.StickyCallsWrapUpAddVariable}
        </button>
        {variablesIssue ? <Issue id={`${id}-variables-issue`} message={variablesIssue} /> : null}
      </fieldset>
      {preview !== null ? (
        <p
          data-sticky-calls="save-preview"
          data-saves={preview.saves}
          style={preview.saves === 'memory' ? previewStyle : previewTaskStyle}
        >
          {preview.text}
        </p>
      ) : null}
      <p role="status" style={styles.status} data-phase={phase}>
        {phaseText(entry, strings)}
      </p>
    </section>
  );
}

/** What a detail's value has left, shown near its limit and over it. */
function ValueRoom({ id, room, strings }: { id: string; room: Room; strings: StickyCallsStrings }) {
  return (
    <span
      id={id}
      data-over={room.left < 0 ? 'true' : undefined}
      style={room.left < 0 ? styles.over : styles.hint}
    >
      {roomText(room, strings, 'value')}
    </span>
  );
}

function describedBy(...ids: string[]): string | undefined {
  const joined = ids.filter((one) => one !== '').join(' ');
  return joined === '' ? undefined : joined;
}

/**
 * The open intents the form offers: a known caller's, and a match to confirm's once the
 * agent verified the caller; none for a new caller, a failed lookup, or a match not (or
 * not yet) confirmed. Each intent once.
 */
function offeredIntents(view: CallerContextView, draft: WrapUpDraft): readonly IntentRow[] {
  if (view.state !== 'ready') return [];
  const trusted =
    view.tier === 'reuse' || (view.tier === 'confirm' && draft.identityCheck?.outcome === 'verified');
  if (!trusted) return [];
  return view.intents.filter(
    (intent, index, all) => all.findIndex((o) => o.intent === intent.intent) === index,
  );
}

/** Issues as worded, each once: a refusal that names one twice lists it once. */
function distinct<T extends { field: string; key: string }>(worded: readonly T[]): T[] {
  const seen = new Set<string>();
  return worded.filter((issue) => {
    if (seen.has(issue.key)) return false;
    seen.add(issue.key);
    return true;
  });
}

function Issue({ id, message }: { id: string; message: React.ReactNode }) {
  return (
    <p id={id} style={styles.issue}>
      <span aria-hidden="true">! </span>
      {message}
    </p>
  );
}

/** Fields the form has an element for; other issues (the task's call) are listed without a link. */
const FIELDS = /^(intent|status|summary|disposition|variables\.\d+)$/;

function fieldAnchor(field: string): string {
  return field.startsWith('variables.') ? `variables-${field.slice('variables.'.length)}` : field;
}

function phaseText(entry: WrapUpEntry, strings: StickyCallsStrings): string {
  switch (entry.phase) {
    case 'storing':
      return strings.StickyCallsWrapUpStoring;
    case 'stored':
      return strings.StickyCallsWrapUpStoredPending;
    case 'saving':
      return strings.StickyCallsWrapUpSaving;
    case 'saved':
      return strings.StickyCallsWrapUpSaved;
    case 'kept':
      return strings.StickyCallsWrapUpStored;
    case 'failed':
      return strings.StickyCallsWrapUpSaveFailed;
    case 'local':
      return strings.StickyCallsWrapUpUnstored;
    case 'editing':
      return '';
  }
}

/**
 * An issue in the agent's words, with the form field it belongs to (`status`, `variables.0`, …)
 * and a key that is the same for the same issue. Names and the save Function's message
 * come from outside: each is isolated in the sentence. Counts read in the agent's locale.
 */
function wordIssue(
  issue: WrapUpIssue,
  draft: WrapUpDraft,
  strings: StickyCallsStrings,
): { field: string; key: string; message: React.ReactNode } {
  const located = fieldOf(issue, draft.variables);
  const field = located === 'intent_status' ? 'status' : located;
  const key = [
    issue.code,
    field,
    issue.count ?? '',
    issue.name ?? '',
    issue.code === 'other' ? issue.message : '',
  ].join('\u0000');
  const worded = (message: React.ReactNode) => ({ field, key, message });
  const index = field.startsWith('variables.') ? Number(field.slice('variables.'.length)) + 1 : 0;
  const name = <CallerText text={issue.name ?? ''} name />;
  const count = formatCount(issue.count ?? 0);
  const other = worded(
    fillNodes(strings.StickyCallsErrorOther, { message: <CallerText text={issue.message} /> }),
  );
  const rowIssue = ['variable_name', 'variable_duplicate', 'variable_value', 'variable_too_long'].includes(
    issue.code,
  );
  if (issue.code === 'variable_too_long' && field === 'summary')
    return worded(fillTemplate(strings.StickyCallsErrorSummaryTooLong, { count }));
  // A detail issue that is at no row (the note, the disposition) is told in the save Function's words.
  if (rowIssue && index === 0) return other;
  switch (issue.code) {
    case 'intent_required':
      return worded(strings.StickyCallsErrorIntentRequired);
    case 'intent_format':
      return worded(
        fillTemplate(strings.StickyCallsErrorIntentFormat, { limit: WRAP_UP_LIMITS.intentLength }),
      );
    case 'status_required':
      return worded(strings.StickyCallsErrorStatusRequired);
    case 'status_format':
      return worded(strings.StickyCallsErrorStatusFormat);
    case 'variables_format':
      return worded(strings.StickyCallsErrorVariablesFormat);
    case 'variable_name':
      // A name Sticky Calls writes itself (when the call happened, who verified the caller).
      return SERVER_VARIABLE_NAMES.has(issue.name ?? '')
        ? worded(fillNodes(strings.StickyCallsErrorVariableNameServer, { index, name }))
        : worded(
            fillTemplate(strings.StickyCallsErrorVariableName, {
              index,
              limit: WRAP_UP_LIMITS.variableNameLength,
            }),
          );
    case 'variable_duplicate':
      return worded(fillNodes(strings.StickyCallsErrorVariableDuplicate, { index, name }));
    case 'variable_value':
      return worded(fillTemplate(strings.StickyCallsErrorVariableValue, { index }));
    case 'variable_too_long':
      return worded(fillTemplate(strings.StickyCallsErrorVariableTooLong, { index, count }));
    case 'too_many_variables':
      return worded(
        fillTemplate(strings.StickyCallsErrorTooManyVariables, { limit: WRAP_UP_LIMITS.variableCount }),
      );
    case 'too_long':
      return worded(fillTemplate(strings.StickyCallsErrorTooLong, { count }));
    case 'no_call':
      return worded(strings.StickyCallsErrorNoCall);
    case 'other':
      return other;
  }
}

/**
 * A task's entry in a wrap-up store, re-rendering when it changes (React 17: no
 * useSyncExternalStore). Read from the store whenever the task changes, so another
 * task's draft never shows, even for one render.
 */
function useWrapUpEntry(store: WrapUpStore, taskSid: string): WrapUpEntry {
  const [seen, setSeen] = React.useState(() => ({ store, taskSid, entry: store.get(taskSid) }));
  React.useEffect(() => {
    const update = () => setSeen({ store, taskSid, entry: store.get(taskSid) });
    update();
    return store.subscribe(update);
  }, [store, taskSid]);
  return seen.store === store && seen.taskSid === taskSid ? seen.entry : store.get(taskSid);
}

type Style = React.CSSProperties;

const control: Style = {
  boxSizing: 'border-box',
  width: '100%',
  padding: `${t.space30} ${t.space40}`,
  font: 'inherit',
  color: t.colorText,
  background: t.colorBackgroundBody,
  border: `${t.borderWidth10} solid ${t.colorBorderWeak}`,
  borderRadius: t.borderRadius20,
};

const styles = {
  panel: { ...surface, marginTop: t.space40 },
  title: { margin: `0 0 ${t.space40}`, fontSize: t.fontSize40, fontWeight: t.fontWeightBold },
  flat: { margin: 0 },
  fieldset: { margin: `0 0 ${t.space40}`, padding: 0, border: 0, minWidth: 0 },
  legend: { padding: 0, marginBottom: t.space20, fontWeight: t.fontWeightSemibold },
  choice: { display: 'flex', alignItems: 'baseline', gap: t.space30, padding: `${t.space10} 0` },
  row: { display: 'flex', flexWrap: 'wrap', gap: `0 ${t.space50}` },
  field: { display: 'flex', flexDirection: 'column', gap: t.space20, margin: `0 0 ${t.space40}` },
  label: { fontWeight: t.fontWeightSemibold, fontSize: t.fontSize20 },
  rowLabel: { fontWeight: t.fontWeightSemibold, fontSize: t.fontSize20, lineHeight: t.lineHeight20 },
  hint: { color: t.colorTextWeak, fontSize: t.fontSize20 },
  over: { color: t.colorTextErrorStrong, fontSize: t.fontSize20, fontWeight: t.fontWeightSemibold },
  otherIntent: {
    display: 'flex',
    flexDirection: 'column',
    gap: t.space20,
    margin: `${t.space10} 0 ${t.space40}`,
    paddingInlineStart: t.space50,
  },
  input: control,
  textarea: { ...control, resize: 'vertical', minHeight: '4.5rem' },
  variableRow: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr) auto',
    alignItems: 'start',
    gap: t.space30,
    marginBottom: t.space30,
  },
  variableField: { display: 'flex', flexDirection: 'column', gap: t.space10, minWidth: 0 },
  button: {
    padding: `${t.space20} ${t.space40}`,
    font: 'inherit',
    color: t.colorTextLink,
    background: t.colorBackgroundBody,
    border: `${t.borderWidth10} solid ${t.colorBorderNeutral}`,
    borderRadius: t.borderRadius20,
    cursor: 'pointer',
  },
  removeButton: {
    // Level with the inputs, below their labels.
    marginTop: `calc(${t.lineHeight20} + ${t.space10})`,
    minWidth: '2.25rem',
    minHeight: '2.25rem',
    font: 'inherit',
    fontSize: t.fontSize40,
    color: t.colorTextErrorStrong,
    background: t.colorBackgroundBody,
    border: `${t.borderWidth10} solid ${t.colorBorderWeak}`,
    borderRadius: t.borderRadius20,
    cursor: 'pointer',
  },
  issue: { gridColumn: '1 / -1', margin: `${t.space20} 0 0`, color: t.colorTextErrorStrong },
  errorSummary: {
    margin: `0 0 ${t.space40}`,
    padding: t.space40,
    borderInlineStart: `4px solid ${t.colorBorderError}`,
    background: t.colorBackgroundErrorWeakest,
    color: t.colorTextErrorStrong,
    borderRadius: t.borderRadius20,
  },
  errorList: { margin: `${t.space20} 0 0`, paddingInlineStart: t.space50 },
  errorLink: { color: t.colorTextErrorStrong },
  status: { margin: 0, minHeight: t.lineHeight20, color: t.colorTextWeak },
} satisfies Record<string, Style>;
