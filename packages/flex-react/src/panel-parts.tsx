/**
 * Parts of the screen pop with a behaviour of their own: the customer ref that copies,
 * and the identity check's prompt and outcomes.
 */
import * as React from 'react';
import { CallerText, fillNodes, visibleText } from './caller-text.js';
import { atText } from './panel-format.js';
import type { StickyCallsStrings } from './strings.js';
import { tokens as t } from './tokens.js';

type Style = React.CSSProperties;

type CopyStatus = 'idle' | 'copied' | 'selected';

/**
 * The customer ref, quiet: small, one line cut with an ellipsis, the whole value in its
 * `title`, and a button that copies it (or, where the clipboard is refused, selects it
 * for the agent to copy). The outcome is announced politely.
 */
export function CustomerRef({ value, strings }: { value: string; strings: StickyCallsStrings }) {
  const [status, setStatus] = React.useState<CopyStatus>('idle');
  const text = React.useRef<HTMLSpanElement>(null);
  const mounted = React.useRef(true);
  React.useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  React.useEffect(() => {
    if (status === 'idle') return undefined;
    const timer = setTimeout(() => setStatus('idle'), 4000);
    return () => clearTimeout(timer);
  }, [status]);
  // A new ref is a new value to copy: what was said of the old one no longer holds.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on a new value only.
  React.useEffect(() => setStatus('idle'), [value]);

  const select = () => {
    const element = text.current;
    const selection = typeof window.getSelection === 'function' ? window.getSelection() : null;
    if (element !== null && selection !== null) {
      const range = document.createRange();
      range.selectNodeContents(element);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    if (mounted.current) setStatus('selected');
  };
  const copy = () => {
    const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
    if (clipboard === undefined || typeof clipboard.writeText !== 'function') {
      select();
      return;
    }
    try {
      clipboard.writeText(value).then(() => {
        if (mounted.current) setStatus('copied');
      }, select);
    } catch {
      select();
    }
  };

  return (
    <p style={styles.refLine}>
      <span style={styles.refLabel}>{strings.StickyCallsCustomerRef}</span>
      <span ref={text} style={styles.refValue} data-sticky-calls="customer-ref">
        <CallerText text={value} name title={visibleText(value)} />
      </span>
      <button type="button" onClick={copy} style={styles.smallButton} data-sticky-calls="copy-ref">
        {strings.StickyCallsCopyRef}
      </button>
      <span role="status" aria-live="polite" style={styles.refStatus}>
        {status === 'copied'
          ? strings.StickyCallsCopied
          : status === 'selected'
            ? strings.StickyCallsCopySelected
            : ''}
      </span>
    </p>
  );
}

/** Where the focus goes after the agent decides or undoes, so the keyboard carries on from there. */
export type CheckFocus = 'prompt' | 'outcome' | null;

interface CheckProps {
  readonly strings: StickyCallsStrings;
  readonly focus: React.MutableRefObject<CheckFocus>;
}

/**
 * The prompt of a match to confirm: check the caller, then say so. Until then what the
 * panel knows of the matched customer stays hidden.
 */
export function VerifyPrompt({
  strings,
  focus,
  onVerified,
  onRejected,
  promptId,
}: CheckProps & { onVerified: () => void; onRejected: () => void; promptId: string }) {
  const first = React.useRef<HTMLButtonElement>(null);
  React.useEffect(() => {
    if (focus.current !== 'prompt') return;
    focus.current = null;
    first.current?.focus();
  });
  return (
    <div role="note" style={notice('warning')} data-sticky-calls="verify-prompt">
      <p id={promptId} style={styles.flat}>
        <span aria-hidden="true" style={styles.icon}>
          !
        </span>
        {strings.StickyCallsVerifyPrompt}
      </p>
      <fieldset aria-labelledby={promptId} style={styles.actions} data-sticky-calls="verify-actions">
        <button
          ref={first}
          type="button"
          onClick={() => {
            focus.current = 'outcome';
            onVerified();
          }}
          style={styles.primaryButton}
        >
          {strings.StickyCallsVerifyYes}
        </button>
        <button
          type="button"
          onClick={() => {
            focus.current = 'outcome';
            onRejected();
          }}
          style={styles.secondaryButton}
        >
          {strings.StickyCallsVerifyNo}
        </button>
      </fieldset>
      <p style={styles.hiddenNote}>{strings.StickyCallsVerifyHidden}</p>
    </div>
  );
}

/**
 * What the agent decided, with a way back: verified (and when), or not this caller (and
 * what that means for the wrap-up). It takes the focus when the agent has just decided.
 */
export function CheckOutcome({
  strings,
  focus,
  outcome,
  at,
  onUndo,
}: CheckProps & { outcome: 'verified' | 'rejected'; at: string; onUndo: () => void }) {
  const box = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    if (focus.current !== 'outcome') return;
    focus.current = null;
    box.current?.focus();
  });
  const verified = outcome === 'verified';
  return (
    <div
      ref={box}
      tabIndex={-1}
      role={verified ? undefined : 'note'}
      style={notice(verified ? 'success' : 'neutral')}
      data-sticky-calls={outcome}
    >
      <p style={styles.outcomeLine}>
        <span>
          <span aria-hidden="true" style={styles.icon}>
            {verified ? '✓' : '•'}
          </span>
          {verified
            ? fillNodes(strings.StickyCallsVerifiedBy, {
                time: (
                  <time dir="auto" dateTime={at}>
                    {atTime(at)}
                  </time>
                ),
              })
            : strings.StickyCallsRejected}
        </span>
        <button
          type="button"
          onClick={() => {
            focus.current = 'prompt';
            onUndo();
          }}
          style={styles.linkButton}
        >
          {strings.StickyCallsUndo}
        </button>
      </p>
    </div>
  );
}

function atTime(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : atText(date);
}

/** A box of the panel's own words: warning, success or neutral, its bar on the start side. */
export function notice(kind: 'warning' | 'success' | 'neutral'): Style {
  const colours = {
    warning: [t.colorBorderWarning, t.colorBackgroundWarningWeakest, t.colorTextWarningStrong],
    success: [t.colorBorderSuccess, t.colorBackgroundSuccessWeakest, t.colorTextSuccess],
    neutral: [t.colorBorderWeak, t.colorBackground, t.colorText],
  } as const;
  const [border, background, color] = colours[kind];
  return {
    margin: `${t.space30} 0`,
    padding: t.space40,
    borderRadius: t.borderRadius20,
    borderInlineStart: `4px solid ${border}`,
    background,
    color,
    overflowWrap: 'anywhere',
  };
}

const buttonBase: Style = {
  minHeight: '2rem',
  padding: `${t.space20} ${t.space40}`,
  font: 'inherit',
  fontWeight: t.fontWeightSemibold,
  borderRadius: t.borderRadius20,
  cursor: 'pointer',
};

/** The names of the parts' styles. */
type PartStyle =
  | 'flat'
  | 'icon'
  | 'actions'
  | 'primaryButton'
  | 'secondaryButton'
  | 'linkButton'
  | 'smallButton'
  | 'hiddenNote'
  | 'outcomeLine'
  | 'refLine'
  | 'refLabel'
  | 'refValue'
  | 'refStatus';

const partStyles = {
  flat: { margin: 0 },
  icon: {
    display: 'inline-block',
    minWidth: '1em',
    marginInlineEnd: t.space20,
    fontWeight: t.fontWeightBold,
  },
  // A fieldset for the group its buttons form, without the fieldset's own frame.
  actions: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: t.space30,
    minWidth: 0,
    margin: `${t.space30} 0`,
    padding: 0,
    border: 'none',
  },
  primaryButton: {
    ...buttonBase,
    color: t.colorTextInverse,
    background: t.colorBackgroundPrimary,
    border: `${t.borderWidth10} solid ${t.colorBackgroundPrimary}`,
  },
  secondaryButton: {
    ...buttonBase,
    color: t.colorTextLink,
    background: t.colorBackgroundBody,
    border: `${t.borderWidth10} solid ${t.colorBorderNeutral}`,
  },
  linkButton: {
    padding: `${t.space10} ${t.space20}`,
    font: 'inherit',
    color: t.colorTextLink,
    background: 'none',
    border: 'none',
    borderRadius: t.borderRadius20,
    textDecoration: 'underline',
    cursor: 'pointer',
  },
  smallButton: {
    flex: 'none',
    padding: `0 ${t.space20}`,
    font: 'inherit',
    fontSize: t.fontSize20,
    color: t.colorTextLink,
    background: t.colorBackgroundBody,
    border: `${t.borderWidth10} solid ${t.colorBorderWeak}`,
    borderRadius: t.borderRadius20,
    cursor: 'pointer',
  },
  hiddenNote: { margin: 0, fontSize: t.fontSize20 },
  outcomeLine: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    justifyContent: 'space-between',
    gap: t.space30,
    margin: 0,
  },
  refLine: {
    display: 'flex',
    // The status ("Selected: press Ctrl+C…") takes a line of its own: beside the ref it
    // would squeeze the ref to nothing in a narrow panel, and leave nothing selected.
    flexWrap: 'wrap',
    alignItems: 'baseline',
    gap: t.space20,
    minWidth: 0,
    margin: `${t.space10} 0 0`,
    fontSize: t.fontSize20,
    color: t.colorTextWeak,
  },
  refLabel: { flex: 'none' },
  refValue: {
    // A basis of 0: the ref shares the first line with its label and button, cut with an ellipsis.
    flex: '1 1 0',
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    overflowWrap: 'normal',
  },
  refStatus: { flexBasis: '100%' },
} satisfies Record<PartStyle, Style>;

/** The parts' styles, shared with the panel (typed by name so the declarations can say it). */
export const styles: Readonly<Record<PartStyle, Style>> = partStyles;
