import {
  fieldOf,
  NEW_INTENT,
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
import { humanize } from './caller-view.js';
import type { TaskContextProps } from './flex-types.js';
import { fillTemplate, type StickyCallsStrings, useStrings } from './strings.js';
import { surface } from './surface.js';
import { tokens as t } from './tokens.js';
import { useCallerContext } from './useCallerContext.js';
import { useUniqueId } from './useUniqueId.js';

/** Props of {@link WrapUpCapture}. */
export interface WrapUpCaptureProps extends TaskContextProps {
  /** Where the draft lives; the completion listener reads it from here. */
  store: WrapUpStore;
  /** Dispositions to pick from; with none, the disposition is typed. @default [] */
  dispositions?: readonly string[];
  /** Whether an intent is required (shown as such). @default true */
  requireIntent?: boolean;
  /** Longest summary note, in characters. @default 1000 */
  maxSummaryLength?: number;
  /** Identity thresholds: a weak match's open intents are not offered. @default as the panel */
  tiers?: TierOptions;
  /** Overrides of the strings. @default English */
  strings?: Partial<StickyCallsStrings>;
}

/**
 * The wrap-up form: the intent (one of the caller's open intents, or a new one), its
 * status, a summary note, a disposition and extra details. It keeps the draft in
 * `store`; `registerCallerContext` checks it before the task completes, stores it on
 * the task and saves it.
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
  const worded = issues.map((issue) => wordIssue(issue, draft, strings));
  const issueOf = (field: string) => worded.find((issue) => issue.field === field)?.message;

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

  const openIntents =
    view.state === 'ready'
      ? view.intents.filter(
          (intent, index, all) => all.findIndex((o) => o.intent === intent.intent) === index,
        )
      : [];
  const intentIssue = issueOf('intent');
  const statusIssue = issueOf('status');
  const summaryIssue = issueOf('summary');
  const variablesIssue = issueOf('variables');
  const locked = phase === 'storing' || phase === 'saving' || phase === 'saved' || phase === 'kept';
  return (
    <section aria-labelledby={`${id}-title`} data-sticky-calls="wrap-up" style={styles.panel}>
      <h2 id={`${id}-title`} style={styles.title}>
        {strings.StickyCallsWrapUpTitle}
      </h2>
      {issues.length > 0 ? (
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
        {openIntents.map((intent, index) => (
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
            {intent.attempts !== null ? (
              <span style={styles.hint}>
                {fillTemplate(strings.StickyCallsAttempts, { count: intent.attempts })}
              </span>
            ) : null}
          </label>
        ))}
        <label style={styles.choice}>
          <input
            type="radio"
            name={`${id}-intent`}
            id={openIntents.length === 0 ? `${id}-intent` : undefined}
            value="new"
            checked={draft.intentChoice === NEW_INTENT}
            onChange={() => edit({ intentChoice: NEW_INTENT })}
            required={requireIntent}
          />
          <span>{strings.StickyCallsWrapUpNewIntent}</span>
        </label>
        {draft.intentChoice === NEW_INTENT ? (
          <div style={styles.field}>
            <label htmlFor={`${id}-custom-intent`} style={styles.label}>
              {strings.StickyCallsWrapUpNewIntentLabel}
            </label>
            <input
              id={`${id}-custom-intent`}
              type="text"
              value={draft.customIntent}
              maxLength={64}
              autoComplete="off"
              aria-invalid={intentIssue ? true : undefined}
              aria-describedby={`${id}-custom-intent-slug`}
              onChange={(event) => edit({ customIntent: event.target.value })}
              style={styles.input}
            />
            <span id={`${id}-custom-intent-slug`} style={styles.hint}>
              {draft.customIntent.trim() === '' ? '' : <CallerText text={toSlug(draft.customIntent)} name />}
            </span>
          </div>
        ) : null}
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
        <textarea
          id={`${id}-summary`}
          value={draft.summary}
          maxLength={maxSummaryLength}
          rows={3}
          disabled={locked}
          aria-invalid={summaryIssue ? true : undefined}
          aria-describedby={summaryIssue ? `${id}-summary-issue` : undefined}
          onChange={(event) => edit({ summary: event.target.value })}
          style={styles.textarea}
        />
        {summaryIssue ? <Issue id={`${id}-summary-issue`} message={summaryIssue} /> : null}
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
            maxLength={64}
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
          const replace = (change: Partial<{ name: string; value: string }>) =>
            edit({
              variables: draft.variables.map((other, i) => (i === index ? { ...other, ...change } : other)),
            });
          return (
            // Rows have no identity of their own; the index is what the issues name.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above.
            <div key={index} style={styles.variableRow}>
              <label style={styles.variableField}>
                <span style={styles.label}>{strings.StickyCallsWrapUpVariableName}</span>
                <input
                  id={`${rowId}`}
                  type="text"
                  value={row.name}
                  maxLength={64}
                  autoComplete="off"
                  aria-invalid={issue ? true : undefined}
                  aria-describedby={issue ? `${rowId}-issue` : undefined}
                  onChange={(event) => replace({ name: event.target.value })}
                  style={styles.input}
                />
              </label>
              <label style={styles.variableField}>
                <span style={styles.label}>{strings.StickyCallsWrapUpVariableValue}</span>
                <input
                  type="text"
                  value={row.value}
                  maxLength={256}
                  autoComplete="off"
                  aria-invalid={issue ? true : undefined}
                  onChange={(event) => replace({ value: event.target.value })}
                  style={styles.input}
                />
              </label>
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
      <p role="status" style={styles.status} data-phase={phase}>
        {phaseText(entry, strings)}
      </p>
    </section>
  );
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
 * An issue in the agent's words, with the form field it belongs to (`status`, `variables.0`, …).
 * Names and the save Function's message come from outside: each is isolated in the sentence.
 */
function wordIssue(
  issue: WrapUpIssue,
  draft: WrapUpDraft,
  strings: StickyCallsStrings,
): { field: string; message: React.ReactNode } {
  const located = fieldOf(issue, draft.variables);
  const field = located === 'intent_status' ? 'status' : located;
  const index = field.startsWith('variables.') ? Number(field.slice('variables.'.length)) + 1 : 0;
  const name = <CallerText text={issue.name ?? ''} name />;
  const count = issue.count ?? 0;
  const other = {
    field,
    message: fillNodes(strings.StickyCallsErrorOther, { message: <CallerText text={issue.message} /> }),
  };
  const rowIssue = ['variable_name', 'variable_duplicate', 'variable_value', 'variable_too_long'].includes(
    issue.code,
  );
  if (issue.code === 'variable_too_long' && field === 'summary')
    return { field, message: fillTemplate(strings.StickyCallsErrorSummaryTooLong, { count }) };
  // A detail issue that is at no row (the note, the disposition) is told in the save Function's words.
  if (rowIssue && index === 0) return other;
  switch (issue.code) {
    case 'intent_required':
      return { field, message: strings.StickyCallsErrorIntentRequired };
    case 'intent_format':
      return { field, message: strings.StickyCallsErrorIntentFormat };
    case 'status_required':
      return { field, message: strings.StickyCallsErrorStatusRequired };
    case 'status_format':
      return { field, message: strings.StickyCallsErrorStatusFormat };
    case 'variables_format':
      return { field, message: strings.StickyCallsErrorVariablesFormat };
    case 'variable_name':
      return { field, message: fillTemplate(strings.StickyCallsErrorVariableName, { index }) };
    case 'variable_duplicate':
      return { field, message: fillNodes(strings.StickyCallsErrorVariableDuplicate, { index, name }) };
    case 'variable_value':
      return { field, message: fillTemplate(strings.StickyCallsErrorVariableValue, { index }) };
    case 'variable_too_long':
      return { field, message: fillTemplate(strings.StickyCallsErrorVariableTooLong, { index, count }) };
    case 'too_many_variables':
      return {
        field,
        message: fillTemplate(strings.StickyCallsErrorTooManyVariables, {
          limit: WRAP_UP_LIMITS.variableCount,
        }),
      };
    case 'too_long':
      return { field, message: fillTemplate(strings.StickyCallsErrorTooLong, { count }) };
    case 'no_call':
      return { field, message: strings.StickyCallsErrorNoCall };
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
  hint: { color: t.colorTextWeak, fontSize: t.fontSize20 },
  input: control,
  textarea: { ...control, resize: 'vertical', minHeight: '4.5rem' },
  variableRow: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 2fr) auto',
    alignItems: 'end',
    gap: t.space30,
    marginBottom: t.space30,
  },
  variableField: { display: 'flex', flexDirection: 'column', gap: t.space10, minWidth: 0 },
  button: {
    padding: `${t.space20} ${t.space40}`,
    font: 'inherit',
    color: t.colorBackgroundPrimary,
    background: t.colorBackgroundBody,
    border: `${t.borderWidth10} solid ${t.colorBorderNeutral}`,
    borderRadius: t.borderRadius20,
    cursor: 'pointer',
  },
  removeButton: {
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
    borderLeft: `4px solid ${t.colorBorderError}`,
    background: t.colorBackgroundErrorWeakest,
    color: t.colorTextErrorStrong,
    borderRadius: t.borderRadius20,
  },
  errorList: { margin: `${t.space20} 0 0`, paddingLeft: t.space50 },
  errorLink: { color: t.colorTextErrorStrong },
  status: { margin: 0, minHeight: t.lineHeight20, color: t.colorTextWeak },
} satisfies Record<string, Style>;
