/**
 * The wrap-up on its task: merged into the task's attributes with `If-Match`, and read
 * back to tell whether it was saved. The binding to the task's call and customer is
 * core's (`bindToTask`), run again on every fetch of the task.
 */
import {
  bindToTask,
  type SaveClaims,
  savedWrapUp,
  type TaskCall,
  type WrapUp,
  type WrapUpFields,
  type WrapUpIssue,
  withWrapUp,
  wrapUpFor,
} from '../index.js';
import type { TaskRouterPort, TaskRouterTask } from './taskrouter.js';

/** Tries of a task update that meets a concurrent writer (412). */
const UPDATE_TRIES = 3;

/** What storing the wrap-up on the task came to. */
export type Stored =
  | {
      readonly kind: 'stored';
      readonly call: TaskCall;
      /** Conversations attributes that were asked for but did not fit beside the wrap-up, so were left out. */
      readonly conversationsLeftOut?: true;
    }
  | {
      readonly kind: 'already_saved';
      readonly call: TaskCall;
      readonly customerRef: string | null;
      /** The wrap-up the task marks saved. */
      readonly wrapUp: WrapUp;
    }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'too_long'; readonly issue: WrapUpIssue }
  | { readonly kind: 'gone' }
  | { readonly kind: 'conflict' };

/**
 * Merges the wrap-up into the task's attributes with `If-Match`: on a concurrent write
 * (412) the task is fetched again, bound again and merged again, so what the other
 * writer put there stays. A task fetched without an ETag is fetched once more, and is
 * never written without one (`conflict`). A wrap-up already saved for this call is
 * never overwritten. `conversations` (Flex Insights) are merged into the task's own;
 * when they would not fit in the 4,096 characters beside the wrap-up, the wrap-up is
 * stored without them: what the agent wrote comes before a report.
 */
export async function storeOnTask(
  taskRouter: TaskRouterPort,
  step: <T>(what: string, work: () => Promise<T>) => Promise<T>,
  taskSid: string,
  first: TaskRouterTask,
  claims: SaveClaims,
  fields: WrapUpFields,
  saved: boolean,
  conversations?: Readonly<Record<string, string>>,
): Promise<Stored> {
  let task = first;
  let fetchedForETag = false;
  for (let attempt = 1; ; attempt += 1) {
    const bound = bindToTask(task.attributes, claims);
    if (!bound.ok) return { kind: 'refused', code: bound.refusal, message: bound.message };
    const already = savedOnTask(task, bound.call.call_id);
    if (already !== undefined)
      return {
        kind: 'already_saved',
        call: bound.call,
        customerRef: already.customerRef,
        wrapUp: already.wrapUp,
      };
    const wrapUp = wrapUpFor(bound.call, fields, saved);
    let merged = withWrapUp(task.attributes, wrapUp, conversations);
    const leftOut = !merged.ok && conversations !== undefined;
    if (leftOut) merged = withWrapUp(task.attributes, wrapUp);
    if (!merged.ok) return { kind: 'too_long', issue: merged.issue };
    const etag = task.etag;
    if (etag === undefined || etag === '') {
      // No version to write against: a write without If-Match could undo another writer's.
      if (fetchedForETag) return { kind: 'conflict' };
      fetchedForETag = true;
      const fresh = await step('fetch the task again', () => taskRouter.fetchTask(taskSid));
      if (fresh === null) return { kind: 'gone' };
      task = fresh;
      continue;
    }
    const outcome = await step('update the task', () =>
      taskRouter.updateAttributes(taskSid, JSON.stringify(merged.attributes), etag),
    );
    if (outcome === 'updated')
      return {
        kind: 'stored',
        call: bound.call,
        ...(leftOut ? { conversationsLeftOut: true as const } : {}),
      };
    if (outcome === 'gone') return { kind: 'gone' };
    if (attempt >= UPDATE_TRIES) return { kind: 'conflict' };
    const fresh = await step('fetch the task again', () => taskRouter.fetchTask(taskSid));
    if (fresh === null) return { kind: 'gone' };
    task = fresh;
  }
}

/** The wrap-up on the task when it is marked saved for this very call (core's `savedWrapUp`). */
export function savedOnTask(
  task: TaskRouterTask,
  callId: string,
): { readonly customerRef: string | null; readonly wrapUp: WrapUp } | undefined {
  const wrapUp = savedWrapUp(task.attributes, callId);
  return wrapUp === undefined ? undefined : { customerRef: wrapUp.customer_ref ?? null, wrapUp };
}
