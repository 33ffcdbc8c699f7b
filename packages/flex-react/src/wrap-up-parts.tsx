/**
 * Parts of the wrap-up form that say what will happen: how much room a text has left
 * (counted as the check counts it), and where the wrap-up goes when the task completes.
 */
import { bindToTask, type IdentityCheck, savedLength, WRAP_UP_LIMITS } from '@stickycalls/core';
import * as React from 'react';
import type { CallerContextView } from './caller-view.js';
import { fillTemplate, type StickyCallsStrings } from './strings.js';
import { tokens as t } from './tokens.js';

/** A count in the agent's locale (`4,000`). */
export function formatCount(count: number): string {
  try {
    return count.toLocaleString();
  } catch {
    return String(count);
  }
}

/**
 * The longest summary note: `maxSummaryLength` when it is a whole number from 1 to the
 * core's limit on a value, else that limit (as the wrap-up session takes it).
 */
export function summaryLimit(value: number | undefined): number {
  const most = WRAP_UP_LIMITS.variableValueLength;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= most ? value : most;
}

/** How a text stands against its limit, as the check counts it. */
export interface Room {
  /** Characters left (negative: over). */
  readonly left: number;
  /** Whether it is close enough to the limit, or over it, to be announced. */
  readonly near: boolean;
}

/** The room `text` leaves under `limit`: near once a tenth of it (at least 20) is left. */
export function roomOf(text: string, limit: number): Room {
  const left = limit - savedLength(text);
  return { left, near: left <= Math.max(20, Math.ceil(limit / 10)) };
}

/** "820 characters left", or "4,000 characters over the limit: shorten the note" (or "the value"). */
export function roomText(room: Room, strings: StickyCallsStrings, what: 'note' | 'value'): string {
  if (room.left >= 0)
    return room.left === 1
      ? strings.StickyCallsWrapUpCharactersLeft_one
      : fillTemplate(strings.StickyCallsWrapUpCharactersLeft, { count: formatCount(room.left) });
  const over = -room.left;
  const [many, one] =
    what === 'note'
      ? [strings.StickyCallsWrapUpNoteOver, strings.StickyCallsWrapUpNoteOver_one]
      : [strings.StickyCallsWrapUpValueOver, strings.StickyCallsWrapUpValueOver_one];
  return over === 1 ? one : fillTemplate(many, { count: formatCount(over) });
}

/** Where a completed task's wrap-up goes: a caller's memory, the task only, or nowhere (no Sticky Calls call). */
export type SaveDestination = 'memory' | 'task' | 'none';

/**
 * Where the wrap-up goes when the task completes, and why, in the agent's words. It
 * reads the task as the save does (`bindToTask`): nothing names the caller (a withheld
 * number, no phone number after a failed lookup), or the agent said "Not this caller"
 * (a `rejected` check), and it stays on the task; otherwise it is saved to the caller's
 * memory. A match to confirm that is not checked yet is saved to the matched customer
 * unless the agent says it is not them.
 */
export function savePreview(
  attributes: unknown,
  view: CallerContextView,
  check: IdentityCheck | null,
  strings: StickyCallsStrings,
): { readonly saves: SaveDestination; readonly text: string } {
  const bound = bindToTask(attributes);
  if (!bound.ok) return { saves: 'none', text: strings.StickyCallsErrorNoCall };
  const reject = { reject: strings.StickyCallsVerifyNo };
  if (check?.outcome === 'rejected')
    return { saves: 'task', text: fillTemplate(strings.StickyCallsWrapUpKeptRejected, reject) };
  if (bound.call.customer_ref === null && bound.call.ani === null) {
    const withheld =
      view.caller?.kind === 'withheld' || (view.state === 'degraded' && view.reason === 'no_identity_hints');
    return {
      saves: 'task',
      text: withheld ? strings.StickyCallsWrapUpKeptWithheld : strings.StickyCallsWrapUpKeptUnknown,
    };
  }
  if (view.state === 'ready' && view.tier === 'confirm' && check === null)
    return { saves: 'memory', text: fillTemplate(strings.StickyCallsWrapUpSavesToMatched, reject) };
  return { saves: 'memory', text: strings.StickyCallsWrapUpSavesToMemory };
}

/**
 * Text for assistive technology only: announced by a live region, not shown twice. Sizes
 * are not colours, so they are plain values.
 */
export const visuallyHidden: React.CSSProperties = {
  position: 'absolute',
  width: '1px',
  height: '1px',
  margin: '-1px',
  padding: 0,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  clipPath: 'inset(50%)',
  whiteSpace: 'nowrap',
  border: 0,
};

/** The line that says where the wrap-up goes: quiet, with a marker at its start. */
export const previewStyle: React.CSSProperties = {
  margin: `0 0 ${t.space30}`,
  padding: `${t.space30} ${t.space40}`,
  borderInlineStart: `3px solid ${t.colorBorderNeutral}`,
  background: t.colorBackgroundNeutralWeakest,
  color: t.colorText,
  borderRadius: t.borderRadius20,
  fontSize: t.fontSize30,
};

/** The same line for a wrap-up that stays on the task only. */
export const previewTaskStyle: React.CSSProperties = {
  ...previewStyle,
  borderInlineStart: `3px solid ${t.colorBorderWarning}`,
  background: t.colorBackgroundWarningWeakest,
};
