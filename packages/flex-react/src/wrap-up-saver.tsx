/**
 * What happens when an agent completes a call task: the wrap-up is checked, merged into
 * the task's attributes (durable in TaskRouter whatever happens next), posted to the
 * save Function, and marked saved; failures are notified with a Retry action. One
 * completion or retry runs per task at a time; completion never waits past its deadline.
 */
import {
  ConfigurationError,
  readCallerContext,
  readWrapUp,
  WRAP_UP_ATTRIBUTE_KEY,
  type WrapUp,
} from '@stickycalls/core';
import * as React from 'react';
import type {
  ActionListener,
  FlexLike,
  FlexNotification,
  FlexTask,
  ManagerLike,
  NotificationActionProps,
  WritableFlexTask,
} from './flex-types.js';
import type { RegisterCallerContextOptions, Settings } from './register-options.js';
import { type SaveFailureReason, type SaveWrapUpResult, saveWrapUp } from './save-wrap-up.js';
import { fillTemplate, type StickyCallsStrings } from './strings.js';
import { attributesOf, callIdOf, checkWrapUp, type WrapUpStore } from './wrap-up-draft.js';

/** Notification ids this package registers. */
export const NOTIFICATION_IDS = {
  invalid: 'StickyCallsWrapUpInvalid',
  saveFailed: 'StickyCallsWrapUpSaveFailed',
  notStored: 'StickyCallsWrapUpNotStored',
  saved: 'StickyCallsWrapUpSaved',
  alreadySaved: 'StickyCallsWrapUpAlreadySaved',
} as const;

/** Longest wait for one `setAttributes`; shorter when the completion deadline is nearer. */
const ATTRIBUTE_WRITE_TIMEOUT_MS = 2000;

interface Pending {
  readonly task: WritableFlexTask;
  readonly wrapUp: WrapUp;
  readonly endCall: Readonly<Record<string, unknown>>;
  readonly stored: boolean;
  readonly reason: SaveFailureReason;
}

/** The completion listener and its cleanup. */
export interface WrapUpSaver {
  readonly beforeCompleteTask: ActionListener;
  readonly afterCompleteTask: ActionListener;
  dispose(): void;
}

interface SaverDeps {
  readonly flex: FlexLike;
  readonly manager: ManagerLike;
  readonly settings: Settings;
  readonly store: WrapUpStore;
  readonly strings: () => StickyCallsStrings;
  readonly options: Pick<RegisterCallerContextOptions, 'fetch' | 'onSave'>;
}

/** A call task that went through Sticky Calls at call start: it has a `call_sid` and caller context (any state). */
export function isStickyCall(task: FlexTask): boolean {
  return callIdOf(task) !== undefined && readCallerContext(task.attributes).state !== 'absent';
}

/** Registers the notifications and returns the completion listeners. Throws if the notifications are taken. */
export function createWrapUpSaver({
  flex,
  manager,
  settings,
  store,
  strings,
  options,
}: SaverDeps): WrapUpSaver {
  const notifications = flex.Notifications;
  const busy = new Map<string, Promise<void>>();
  const pending = new Map<string, Pending>();
  const failureShown = new Map<string, FlexNotification | null>();
  // Completed tasks whose draft was kept for a save still running or pending: forgotten once it ends.
  const completed = new Set<string>();
  const forgetIfCompleted = (taskSid: string) => {
    if (completed.has(taskSid) && !pending.has(taskSid)) {
      completed.delete(taskSid);
      store.delete(taskSid);
    }
  };
  let disposed = false;

  const type = flex.NotificationType ?? { error: 'error', warning: 'warning', success: 'success' };
  const Action: React.ComponentType<NotificationActionProps> = flex.NotificationBar?.Action ?? ActionButton;
  const registered: string[] = [];
  const register = (notification: FlexNotification) => {
    if (notifications.registeredNotifications?.has?.(notification.id)) {
      throw new ConfigurationError(
        `registerCallerContext: notification ${notification.id} is already registered: call the cleanup function of the earlier registerCallerContext first`,
      );
    }
    notifications.registerNotification(notification);
    registered.push(notification.id);
  };
  const text = (template: keyof StickyCallsStrings) => (
    <NotificationText strings={strings} template={template} />
  );
  try {
    register({
      id: NOTIFICATION_IDS.invalid,
      type: type.warning,
      content: text('StickyCallsNotifyInvalid'),
      timeout: 8000,
    });
    register({
      id: NOTIFICATION_IDS.notStored,
      type: type.error,
      content: text('StickyCallsNotifyNotStored'),
      timeout: 0,
    });
    register({
      id: NOTIFICATION_IDS.saved,
      type: type.success,
      content: text('StickyCallsNotifySaved'),
      timeout: 4000,
    });
    register({
      id: NOTIFICATION_IDS.alreadySaved,
      type: type.warning,
      content: text('StickyCallsNotifyAlreadySaved'),
      timeout: 10_000,
    });
    register({
      id: NOTIFICATION_IDS.saveFailed,
      type: type.error,
      content: text('StickyCallsNotifySaveFailed'),
      timeout: 0,
      closeButton: true,
      actions: [
        <Action
          key="retry"
          label={strings().StickyCallsRetry}
          onClick={(_event, notification) => {
            const taskSid = notification?.context?.taskSid;
            if (typeof taskSid === 'string') retry(taskSid);
          }}
        />,
      ],
    });
  } catch (error) {
    unregister();
    throw error;
  }

  function unregister() {
    for (const id of registered.splice(0)) {
      safely(() => notifications.dismissNotificationById(id));
      safely(() => notifications.registeredNotifications?.delete(id));
    }
  }

  const notify = (id: string, context: Record<string, unknown> = {}): FlexNotification | null => {
    if (disposed) return null;
    const shown = safely(() => notifications.showNotification(id, context));
    return typeof shown === 'object' && shown !== null ? (shown as FlexNotification) : null;
  };

  // Each failed task has its own notification: dismissing one must not take the others' Retry away.
  const showFailure = (taskSid: string, reason: SaveFailureReason, stored: boolean) => {
    dismissFailure(taskSid);
    failureShown.set(taskSid, notify(NOTIFICATION_IDS.saveFailed, { taskSid, reason, stored }));
  };
  const dismissFailure = (taskSid: string) => {
    if (!failureShown.has(taskSid)) return;
    const instance = failureShown.get(taskSid);
    failureShown.delete(taskSid);
    if (instance != null && typeof notifications.dismissNotification === 'function') {
      safely(() => notifications.dismissNotification?.(instance));
      return;
    }
    safely(() => notifications.dismissNotificationById(NOTIFICATION_IDS.saveFailed));
    for (const [other, entry] of pending) {
      if (other !== taskSid && failureShown.has(other)) {
        failureShown.set(
          other,
          notify(NOTIFICATION_IDS.saveFailed, { taskSid: other, reason: entry.reason, stored: entry.stored }),
        );
      }
    }
  };
  const dropPending = (taskSid: string) => {
    dismissFailure(taskSid);
    pending.delete(taskSid);
  };

  const report = (task: FlexTask, taskSid: string, result: SaveWrapUpResult, storedOnTask: boolean) => {
    const callId = callIdOf(task) ?? '';
    safely(() => options.onSave?.({ taskSid, callId, result, storedOnTask }));
    if (!result.ok) {
      console.warn(
        `[sticky-calls] wrap-up for task ${taskSid} not saved: ${result.reason} (${result.attempts} attempts)`,
      );
    }
  };

  const post = (task: WritableFlexTask, endCall: Readonly<Record<string, unknown>>, deadlineMs: number) =>
    saveWrapUp({
      url: settings.url,
      body: endCall,
      taskSid: task.taskSid,
      getToken: () => manager.user.token,
      deadlineMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });

  const handle = async (
    task: WritableFlexTask,
    abort: (() => void) | undefined,
    deadline: number,
    released: () => boolean,
  ) => {
    const taskSid = task.taskSid ?? task.sid ?? '';
    const left = () => deadline - Date.now();
    const existing = readWrapUp(task.attributes);
    if (existing.state === 'ready' && existing.wrapUp.saved === true) return;
    // This completion's wrap-up supersedes an earlier one that failed to save.
    dropPending(taskSid);
    const entry = store.get(taskSid);
    const checked = checkWrapUp(task, entry.draft, strings(), settings.wrapUp);
    if (!checked.ok) {
      store.set(taskSid, { issues: checked.issues, phase: 'editing', refusals: entry.refusals + 1 });
      abort?.();
      notify(NOTIFICATION_IDS.invalid, { taskSid });
      return;
    }
    store.set(taskSid, { issues: [], phase: 'saving' });
    const storedOnTask = await mergeWrapUp(task, checked.wrapUp, writeTimeout(left()));
    if (checked.endCall === null) {
      // Nothing names the caller (no customer, withheld number): the API cannot take it,
      // so the task's attributes are its only home.
      if (storedOnTask) {
        store.set(taskSid, { phase: 'stored' });
      } else if (!released()) {
        store.set(taskSid, { phase: 'editing' });
        abort?.();
        notify(NOTIFICATION_IDS.notStored, { taskSid, reason: 'not_stored' });
      } else {
        console.warn(
          `[sticky-calls] wrap-up for task ${taskSid} lost: the caller is unknown and the task could not be updated`,
        );
        store.set(taskSid, { phase: 'unstored' });
      }
      return;
    }
    const result = await post(task, checked.endCall, Math.max(500, left() - 100));
    report(task, taskSid, result, storedOnTask);
    if (result.ok) {
      store.set(taskSid, { phase: 'saved' });
      // Another task of this call (a transfer) saved first: the API kept that one.
      if (result.status === 'already_saved') notify(NOTIFICATION_IDS.alreadySaved, { taskSid });
      // Recorded before completion goes ahead, so the safety net does not save it again.
      const marked = mergeWrapUp(task, { ...checked.wrapUp, saved: true }, writeTimeout(left()));
      if (!released()) await marked;
      return;
    }
    if (!storedOnTask && !released()) {
      // Neither saved nor stored: completing now would lose it. Keep the task open.
      store.set(taskSid, { phase: 'editing' });
      abort?.();
      notify(NOTIFICATION_IDS.notStored, { taskSid, reason: result.reason });
      return;
    }
    store.set(taskSid, { phase: storedOnTask ? 'failed' : 'unstored' });
    pending.set(taskSid, {
      task,
      wrapUp: checked.wrapUp,
      endCall: checked.endCall,
      stored: storedOnTask,
      reason: result.reason,
    });
    showFailure(taskSid, result.reason, storedOnTask);
  };

  const retry = (taskSid: string) => {
    const entry = pending.get(taskSid);
    if (entry === undefined || busy.has(taskSid) || disposed) return;
    const current = readWrapUp(entry.task.attributes);
    if (current.state === 'ready' && current.wrapUp.saved === true) {
      // Saved meanwhile (by a later completion): nothing left to retry.
      dropPending(taskSid);
      store.set(taskSid, { phase: 'saved' });
      forgetIfCompleted(taskSid);
      return;
    }
    dismissFailure(taskSid);
    store.set(taskSid, { phase: 'saving' });
    const work = (async () => {
      const result = await post(entry.task, entry.endCall, settings.retryTimeoutMs);
      report(entry.task, taskSid, result, entry.stored);
      if (pending.get(taskSid) !== entry) return;
      if (result.ok) {
        pending.delete(taskSid);
        store.set(taskSid, { phase: 'saved' });
        // The task may be completed by now; then the safety net meets an end already saved.
        void mergeWrapUp(entry.task, { ...entry.wrapUp, saved: true }, ATTRIBUTE_WRITE_TIMEOUT_MS);
        notify(result.status === 'already_saved' ? NOTIFICATION_IDS.alreadySaved : NOTIFICATION_IDS.saved, {
          taskSid,
        });
      } else {
        store.set(taskSid, { phase: entry.stored ? 'failed' : 'unstored' });
        showFailure(taskSid, result.reason, entry.stored);
      }
    })()
      .catch((error: unknown) => warnUnexpected(error))
      .finally(() => {
        busy.delete(taskSid);
        forgetIfCompleted(taskSid);
      });
    busy.set(taskSid, work);
  };

  const beforeCompleteTask: ActionListener = (payload, abort) => {
    const task = taskOf(payload);
    if (task === undefined || typeof task.setAttributes !== 'function' || !isStickyCall(task))
      return undefined;
    // The form is shown in wrap-up only; a task completed from another state has none to check.
    if (task.status !== undefined && task.status !== 'wrapping') return undefined;
    const taskSid = task.taskSid ?? task.sid ?? '';
    const stop = typeof abort === 'function' ? (abort as () => void) : undefined;
    if (busy.has(taskSid)) {
      // A completion or retry of this task is running: this one would save twice.
      stop?.();
      return undefined;
    }
    const deadline = Date.now() + settings.completionTimeoutMs;
    let released = false;
    const work = handle(task, stop, deadline, () => released)
      .catch((error: unknown) => warnUnexpected(error))
      .finally(() => {
        busy.delete(taskSid);
        forgetIfCompleted(taskSid);
      });
    busy.set(taskSid, work);
    // Completion never waits past the deadline; the save goes on behind it.
    return Promise.race([
      work,
      delay(settings.completionTimeoutMs).then(() => {
        released = true;
      }),
    ]);
  };

  // Once a task is completed its draft has no use: the browser does not keep callers' notes all shift.
  const afterCompleteTask: ActionListener = (payload) => {
    const task = taskOf(payload);
    const taskSid = task?.taskSid ?? task?.sid;
    if (typeof taskSid !== 'string') return;
    completed.add(taskSid);
    if (!busy.has(taskSid)) forgetIfCompleted(taskSid);
  };

  return {
    beforeCompleteTask,
    afterCompleteTask,
    dispose() {
      disposed = true;
      unregister();
      pending.clear();
      failureShown.clear();
      completed.clear();
    },
  };
}

/** The task of an action's payload (`{ task }`), if it looks like one. */
function taskOf(payload: unknown): WritableFlexTask | undefined {
  const task =
    typeof payload === 'object' && payload !== null ? (payload as { task?: unknown }).task : undefined;
  return typeof task === 'object' && task !== null ? (task as WritableFlexTask) : undefined;
}

/** A notification's text; Flex passes the `context` given to `showNotification` as `notificationContext`. */
function NotificationText({
  template,
  strings,
  notificationContext,
}: {
  template: keyof StickyCallsStrings;
  strings: () => StickyCallsStrings;
  notificationContext?: object;
}) {
  const all = strings();
  const context = notificationContext as { reason?: unknown; stored?: unknown } | undefined;
  const code = typeof context?.reason === 'string' ? context.reason : 'failed';
  const reason =
    all[`StickyCallsSaveReason_${code}` as keyof StickyCallsStrings] ?? all.StickyCallsSaveReason_failed;
  // A save that failed after the task's update also failed: the wrap-up is only in this browser.
  const key =
    template === 'StickyCallsNotifySaveFailed' && context?.stored === false
      ? 'StickyCallsNotifySaveFailedUnstored'
      : template;
  return <>{fillTemplate(all[key], { reason })}</>;
}

/**
 * Merges the wrap-up into the task's attributes as they are now (`setAttributes`
 * replaces the whole object). A write that lands after `timeoutMs` is reported as
 * failed: the caller has moved on.
 */
async function mergeWrapUp(task: WritableFlexTask, wrapUp: WrapUp, timeoutMs: number): Promise<boolean> {
  try {
    const current = attributesOf(task) ?? {};
    await Promise.race([
      task.setAttributes({ ...current, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
      delay(timeoutMs).then(() => {
        throw new Error('timed out');
      }),
    ]);
    return true;
  } catch {
    console.warn('[sticky-calls] the wrap-up could not be stored on the task');
    return false;
  }
}

/** Time for one attribute write: at most 2 s, and no more than half of what the deadline leaves. */
function writeTimeout(left: number): number {
  return Math.max(100, Math.min(ATTRIBUTE_WRITE_TIMEOUT_MS, Math.floor(left / 2)));
}

/** The Retry button where Flex has no `NotificationBar.Action`; the host passes `notification` as Flex does. */
function ActionButton({
  label,
  onClick,
  notification,
}: NotificationActionProps & { notification?: FlexNotification }) {
  return (
    <button type="button" onClick={(event) => onClick(event, notification ?? { id: '' })}>
      {label}
    </button>
  );
}

function warnUnexpected(error: unknown) {
  console.warn(
    `[sticky-calls] wrap-up failed unexpectedly: ${error instanceof Error ? error.name : 'error'}`,
  );
}

function safely<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
