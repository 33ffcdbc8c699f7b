/**
 * What the server-side safety net saves: from TaskRouter events, the wrap-ups stored on
 * tasks and not marked saved, each bound to its own task's call and customer and
 * checked by the one validator, one per call.
 */

import { taskAttributes } from '../attributes/reader.js';
import type { EndCallParams } from '../contract.js';
import type { TaskRouterEvent } from '../taskrouter-events.js';
import { bindToTask, endCallFor } from './binding.js';
import { readWrapUp } from './schema.js';
import { validateWrapUp, type WrapUpFields } from './validate.js';

/** A wrap-up the safety net should save. */
export interface SafetyNetSave {
  readonly taskSid: string | undefined;
  readonly callId: string;
  /** The stored wrap-up's fields, checked: what is marked saved on the task afterwards. */
  readonly fields: WrapUpFields;
  /** What `calls.end` sends: the fields, bound to the task, with the server's variables. */
  readonly params: EndCallParams;
}

/** A stored wrap-up the safety net will not save, and why (for the log). */
export interface SafetyNetRefusal {
  readonly taskSid: string | undefined;
  readonly reason: string;
}

/** Options of {@link selectWrapUpsToSave}. */
export interface SafetyNetSelection {
  /** Event types that trigger a save (`task.completed`, …). */
  readonly eventTypes: ReadonlySet<string>;
  /** Calls known to be saved already (an earlier delivery): skipped. */
  readonly savedRecently?: (callId: string) => boolean;
  /** The save's time in milliseconds, `last_contact_at` when a call's start is unknown. @default Date.now() */
  readonly now?: number;
}

/**
 * The saves a batch of TaskRouter events calls for, one per call, and the stored
 * wrap-ups refused (unreadable, naming another call or customer than their task, or
 * invalid). A wrap-up already marked saved, with nothing naming the caller, or whose
 * caller the agent said is not the matched customer (a `rejected` identity check), is
 * neither: it stays on the task. Never throws.
 */
export function selectWrapUpsToSave(
  events: readonly TaskRouterEvent[],
  selection: SafetyNetSelection,
): { readonly saves: readonly SafetyNetSave[]; readonly refused: readonly SafetyNetRefusal[] } {
  const saves = new Map<string, SafetyNetSave>();
  const refused: SafetyNetRefusal[] = [];
  for (const event of events) {
    if (!selection.eventTypes.has(event.type)) continue;
    const attributes = taskAttributes(event.attributes);
    const stored = readWrapUp(attributes);
    if (stored.state === 'absent') continue;
    if (stored.state === 'invalid') {
      refused.push({ taskSid: event.taskSid, reason: `the wrap-up is unreadable (${stored.problem})` });
      continue;
    }
    const { wrapUp } = stored;
    if (wrapUp.saved === true || saves.has(wrapUp.call_id) || selection.savedRecently?.(wrapUp.call_id))
      continue;
    // Anyone who can write the task's attributes can write this: bind it to the task's own call.
    const bound = bindToTask(attributes, { call_id: wrapUp.call_id, customer_ref: wrapUp.customer_ref });
    if (!bound.ok) {
      refused.push({ taskSid: event.taskSid, reason: bound.message });
      continue;
    }
    const checked = validateWrapUp(wrapUp);
    if (!checked.ok) {
      refused.push({
        taskSid: event.taskSid,
        reason: `the wrap-up is invalid (${checked.issues.map((issue) => issue.code).join(', ')})`,
      });
      continue;
    }
    const params = endCallFor(bound.call, checked.fields, { now: selection.now ?? Date.now() });
    if (params !== null)
      saves.set(wrapUp.call_id, {
        taskSid: event.taskSid,
        callId: wrapUp.call_id,
        fields: checked.fields,
        params,
      });
  }
  return { saves: [...saves.values()], refused };
}
