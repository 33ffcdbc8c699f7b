/**
 * Parts of the screen pop with a behaviour of their own: the customer ref that copies,
 * and the identity check's prompt and outcomes.
 */
import * as React from 'react';
import { CallerText, fillNodes, visibleText } from './caller-text.js';
import { atText } from './panel-format.js';
import type { StickyCallsStrings } from './strings.js';
import { classes as c } from './styles.js';

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
    <p className={c.refLine}>
      <span className={c.refLabel}>{strings.StickyCallsCustomerRef}</span>
      <span ref={text} className={c.refValue} data-sticky-calls="customer-ref">
        <CallerText text={value} name title={visibleText(value)} />
      </span>
      <button type="button" onClick={copy} className={c.smallButton} data-sticky-calls="copy-ref">
        {strings.StickyCallsCopyRef}
      </button>
      <span role="status" aria-live="polite" className={c.refStatus}>
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
    <div role="note" className={`${c.notice} ${c.warning}`} data-sticky-calls="verify-prompt">
      <p id={promptId} className={c.flat}>
        <span aria-hidden="true" className={c.icon}>
          !
        </span>
        {strings.StickyCallsVerifyPrompt}
      </p>
      <fieldset aria-labelledby={promptId} className={c.actions} data-sticky-calls="verify-actions">
        <button
          ref={first}
          type="button"
          onClick={() => {
            focus.current = 'outcome';
            onVerified();
          }}
          className={c.primary}
        >
          {strings.StickyCallsVerifyYes}
        </button>
        <button
          type="button"
          onClick={() => {
            focus.current = 'outcome';
            onRejected();
          }}
          className={c.secondary}
        >
          {strings.StickyCallsVerifyNo}
        </button>
      </fieldset>
      <p className={c.hiddenNote}>{strings.StickyCallsVerifyHidden}</p>
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
      className={`${c.notice} ${verified ? c.success : c.neutral}`}
      data-sticky-calls={outcome}
    >
      <p className={c.outcomeLine}>
        <span>
          <span aria-hidden="true" className={c.icon}>
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
          className={c.linkButton}
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
