/**
 * The core's wrap-up session bound to Flex: its moments to Flex's Actions, its notices to
 * Flex's Notifications, its drafts to `localStorage`, and completions that happen
 * without the agent to Flex's task list. Everything the session decides lives in
 * `@stickycalls/core`; this file only translates.
 */
import {
  bindToTask,
  ConfigurationError,
  createWrapUpSession,
  createWrapUpStore,
  type DraftStorage,
  escapeForLog,
  parseCallerNumber,
  postWrapUp,
  type SaveFailureReason,
  taskAttributes,
  type WrapUpNotice,
  type WrapUpSession,
  type WrapUpStore,
} from '@stickycalls/core';
import * as React from 'react';
import { CallerText, fillNodes } from './caller-text.js';
import { formatPhoneNumber } from './caller-view.js';
import type {
  ActionListener,
  FlexLike,
  FlexNotification,
  FlexTask,
  ManagerLike,
  NotificationActionProps,
} from './flex-types.js';
import type { RegisterCallerContextOptions, Settings } from './register-options.js';
import type { StickyCallsStrings } from './strings.js';

/** Notification ids this package registers. */
export const NOTIFICATION_IDS = {
  invalid: 'StickyCallsWrapUpInvalid',
  saveFailed: 'StickyCallsWrapUpSaveFailed',
  notStored: 'StickyCallsWrapUpNotStored',
  saved: 'StickyCallsWrapUpSaved',
  kept: 'StickyCallsWrapUpKept',
  alreadySaved: 'StickyCallsWrapUpAlreadySaved',
  taskGone: 'StickyCallsWrapUpTaskGone',
  incomplete: 'StickyCallsWrapUpIncomplete',
} as const;

/** How long after our listeners saw a task's completion its disappearance is that completion's. */
const OWN_COMPLETION_MS = 60_000;

/** A completion of a task as our listeners saw it. */
interface Completion {
  readonly at: number;
  /** Our before-listener's check: whether it let the completion through. */
  readonly check: Promise<boolean>;
  /** Whether our after-listener saw it go ahead. */
  readonly after: boolean;
}

/** The session, its listeners and its cleanup. */
export interface FlexWrapUp {
  readonly session: WrapUpSession;
  readonly store: WrapUpStore;
  readonly beforeCompleteTask: ActionListener;
  readonly afterCompleteTask: ActionListener;
  dispose(): void;
}

interface BindingDeps {
  readonly flex: FlexLike;
  readonly manager: ManagerLike;
  readonly settings: Settings;
  readonly strings: () => StickyCallsStrings;
  readonly options: Pick<RegisterCallerContextOptions, 'fetch' | 'onSave'>;
}

/** A call task that went through Sticky Calls at call start: it has a `call_sid` and caller context (any state). */
export function isStickyCall(task: FlexTask): boolean {
  return bindToTask(task.attributes).ok;
}

/** Binds a wrap-up session to Flex. Throws a `ConfigurationError` if the notifications are taken. */
export function bindWrapUpToFlex({ flex, manager, settings, strings, options }: BindingDeps): FlexWrapUp {
  const notifications = flex.Notifications;
  const store = createWrapUpStore({ storage: browserStorage() });
  const shown = new Map<string, FlexNotification>();
  const completing = new Map<string, Completion>();
  // The tasks seen in the listeners and the task list, so a notification can name its task.
  const seen = new Map<string, FlexTask>();
  const cleanups: (() => void)[] = [];

  // One notification per task and cause: a repeated one replaces the last. Flex can show a
  // banner without handing back its instance (a `notificationAdded` listener that throws
  // once the banner is up, a `beforeAddNotification` listener that cancels it and shows a
  // copy): those are found among Flex's active notifications by id and task, so no
  // refusal ever leaves one behind.
  const show = (id: string, taskSid: string, context: Record<string, unknown> = {}) => {
    dismiss(id, taskSid);
    const instance = safely(() =>
      notifications.showNotification(id, {
        taskSid,
        task: notificationTask(seen.get(taskSid), taskSid),
        ...context,
      }),
    );
    const tracked =
      typeof instance === 'object' && instance !== null
        ? (instance as FlexNotification)
        : activeInstances(notifications, id, taskSid).pop();
    if (tracked !== undefined) shown.set(`${id}:${taskSid}`, tracked);
  };
  const dismiss = (id: string, taskSid: string) => {
    const instance = shown.get(`${id}:${taskSid}`);
    shown.delete(`${id}:${taskSid}`);
    const stale = activeInstances(notifications, id, taskSid);
    if (instance !== undefined && !stale.includes(instance)) stale.push(instance);
    for (const one of stale) safely(() => notifications.dismissNotification?.(one));
  };

  const notify = (notice: WrapUpNotice) => {
    const { taskSid } = notice;
    switch (notice.kind) {
      case 'invalid':
        return show(NOTIFICATION_IDS.invalid, taskSid);
      case 'not_stored':
        return show(NOTIFICATION_IDS.notStored, taskSid, { reason: notice.reason });
      case 'save_failed':
        return show(NOTIFICATION_IDS.saveFailed, taskSid, { reason: notice.reason, stored: notice.stored });
      case 'saved':
        return show(NOTIFICATION_IDS.saved, taskSid);
      case 'kept':
        return show(NOTIFICATION_IDS.kept, taskSid);
      case 'already_saved':
        return show(NOTIFICATION_IDS.alreadySaved, taskSid);
      case 'task_gone':
        return show(NOTIFICATION_IDS.taskGone, taskSid);
      case 'incomplete':
        return show(NOTIFICATION_IDS.incomplete, taskSid);
      case 'settled':
        dismiss(NOTIFICATION_IDS.saveFailed, taskSid);
        dismiss(NOTIFICATION_IDS.notStored, taskSid);
        return undefined;
    }
  };

  const session = createWrapUpSession({
    store,
    rules: { requireIntent: settings.wrapUp.requireIntent !== false },
    // The form's limit: what it shows as over the limit is what Complete is refused for.
    maxSummaryLength: settings.wrapUp.maxSummaryLength,
    completionTimeoutMs: settings.completionTimeoutMs,
    saveTimeoutMs: settings.retryTimeoutMs,
    post: (request) =>
      postWrapUp({
        url: settings.url,
        taskSid: request.taskSid,
        action: request.action,
        wrapUp: request.wrapUp,
        deadlineMs: request.deadlineMs,
        getToken: () => manager.user.token,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    notify,
    onSave: ({ taskSid, action, result }) => {
      if (!result.ok) {
        // The sid comes from the task: escaped, so it cannot start a line of its own.
        console.warn(
          `[sticky-calls] wrap-up of task ${escapeForLog(taskSid)} not ${action === 'store' ? 'stored' : 'saved'}: ${escapeForLog(result.reason)} (${result.attempts} attempts)`,
        );
      }
      if (action === 'save') options.onSave?.({ taskSid, result });
    },
  });

  try {
    registerNotifications(flex, strings, (taskSid) => void session.retry(taskSid), cleanups);
  } catch (error) {
    // Half the notifications are worse than none: take back what was registered.
    for (const cleanup of cleanups.splice(0).reverse()) safely(() => cleanup());
    throw error;
  }

  const beforeCompleteTask: ActionListener = async (payload, abort) => {
    const task = taskOf(payload);
    const taskSid = task?.taskSid;
    // The form is shown in wrap-up only; a task completed from another state has none to check.
    if (task === undefined || typeof taskSid !== 'string' || !isStickyCall(task)) return;
    if (task.status !== undefined && task.status !== 'wrapping') return;
    seen.set(taskSid, task);
    // Flex runs every before-listener at once and reads `abort` after all of them: ours
    // only stores the wrap-up, which is harmless if another listener cancels the completion.
    const check = session.beforeComplete({ taskSid, attributes: task.attributes });
    completing.set(taskSid, { at: Date.now(), check, after: false });
    const proceed = await check;
    if (proceed) {
      // What said the task could not complete no longer holds.
      dismiss(NOTIFICATION_IDS.invalid, taskSid);
      dismiss(NOTIFICATION_IDS.notStored, taskSid);
    } else if (typeof abort === 'function') abort();
  };

  // Runs only when the completion went ahead: the save happens here, never before.
  const afterCompleteTask: ActionListener = (payload) => {
    const task = taskOf(payload);
    const taskSid = task?.taskSid;
    if (task === undefined || typeof taskSid !== 'string' || !isStickyCall(task)) return;
    seen.set(taskSid, task);
    const ours = completing.get(taskSid);
    completing.set(taskSid, { at: Date.now(), check: ours?.check ?? Promise.resolve(false), after: true });
    if (ours === undefined || ours.after) {
      // Our check did not see this completion (a listener before ours threw): as if completed elsewhere.
      void session.completedElsewhere(taskSid);
      return;
    }
    // Flex may not have waited for our check (a listener after ours threw): save once it is done.
    void ours.check.then((proceeded) =>
      proceeded ? session.afterComplete(taskSid) : session.completedElsewhere(taskSid),
    );
  };

  cleanups.push(
    watchTaskList(
      manager,
      seen,
      (taskSid, task) => {
        const ours = completing.get(taskSid);
        // Our completion's, unless Flex no longer runs it and our after-listener never saw it
        // go ahead: another listener cancelled it, and the task completed elsewhere since.
        if (ours !== undefined && Date.now() - ours.at < OWN_COMPLETION_MS) {
          if (ours.after || completionPending(flex, task)) return;
        }
        void session.completedElsewhere(taskSid);
      },
      (live) => {
        // After a reload: a draft kept for a task no longer in the agent's list was completed
        // while the page was away (the Function checks that it really completed).
        for (const taskSid of store.kept()) {
          if (!live.has(taskSid) && store.get(taskSid).phase === 'editing')
            void session.completedElsewhere(taskSid);
        }
      },
    ),
  );
  // A reload may have cut a save short: pick it up.
  void session.resume();

  return {
    session,
    store,
    beforeCompleteTask,
    afterCompleteTask,
    dispose() {
      session.dispose();
      for (const cleanup of cleanups.splice(0).reverse()) safely(() => cleanup());
      shown.clear();
    },
  };
}

function registerNotifications(
  flex: FlexLike,
  strings: () => StickyCallsStrings,
  retry: (taskSid: string) => void,
  cleanups: (() => void)[],
): void {
  const notifications = flex.Notifications;
  const type = flex.NotificationType ?? { error: 'error', warning: 'warning', success: 'success' };
  // Flex's quiet kind; a host without it shows the kept notice as a success.
  const information = (type as { information?: unknown }).information;
  const quiet = typeof information === 'string' ? information : type.success;
  const Action: React.ComponentType<NotificationActionProps> = flex.NotificationBar?.Action ?? ActionButton;
  const register = (notification: FlexNotification) => {
    if (notifications.registeredNotifications?.has?.(notification.id)) {
      throw new ConfigurationError(
        `registerCallerContext: notification ${notification.id} is already registered: call the cleanup function of the earlier registerCallerContext first`,
      );
    }
    notifications.registerNotification(notification);
    cleanups.push(() => {
      safely(() => notifications.dismissNotificationById(notification.id));
      safely(() => notifications.registeredNotifications?.delete(notification.id));
    });
  };
  const text = (template: keyof StickyCallsStrings) => (
    <NotificationText strings={strings} template={template} />
  );
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
    id: NOTIFICATION_IDS.kept,
    type: quiet,
    content: text('StickyCallsNotifyKept'),
    timeout: 6000,
  });
  register({
    id: NOTIFICATION_IDS.alreadySaved,
    type: type.warning,
    content: text('StickyCallsNotifyAlreadySaved'),
    timeout: 10_000,
  });
  register({
    id: NOTIFICATION_IDS.taskGone,
    type: type.error,
    content: text('StickyCallsNotifyTaskGone'),
    timeout: 0,
  });
  register({
    id: NOTIFICATION_IDS.incomplete,
    type: type.warning,
    content: text('StickyCallsNotifyIncomplete'),
    timeout: 0,
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
}

/**
 * Calls `gone(taskSid)` for each task that leaves the agent's task list (Flex's
 * `manager.store`, `flex.worker.tasks`), and `loaded(live)` once, the first time the list
 * has tasks. Without a store, nothing is watched: the server-side safety net and the
 * next load's `resume` remain.
 */
function watchTaskList(
  manager: ManagerLike,
  seen: Map<string, FlexTask>,
  gone: (taskSid: string, task: FlexTask) => void,
  loaded: (live: ReadonlyMap<string, FlexTask>) => void,
): () => void {
  const store = manager.store;
  if (typeof store?.getState !== 'function' || typeof store.subscribe !== 'function') return () => undefined;
  let known = liveTasks(store.getState());
  let seenLoaded = false;
  const loadedOnce = (live: ReadonlyMap<string, FlexTask>) => {
    if (seenLoaded || live.size === 0) return;
    seenLoaded = true;
    loaded(live);
  };
  loadedOnce(known);
  const unsubscribe = store.subscribe(() => {
    const live = liveTasks(store.getState());
    loadedOnce(live);
    for (const [taskSid, task] of known) {
      if (live.has(taskSid) || !isStickyCall(task)) continue;
      seen.set(taskSid, task);
      gone(taskSid, task);
    }
    known = live;
  });
  return () => {
    if (typeof unsubscribe === 'function') unsubscribe();
  };
}

function liveTasks(state: unknown): Map<string, FlexTask> {
  const tasks = (state as { flex?: { worker?: { tasks?: unknown } } } | undefined)?.flex?.worker?.tasks;
  const values: unknown[] =
    tasks instanceof Map
      ? [...tasks.values()]
      : typeof tasks === 'object' && tasks !== null
        ? Object.values(tasks)
        : [];
  const live = new Map<string, FlexTask>();
  for (const task of values) {
    const taskSid = (task as { taskSid?: unknown } | null)?.taskSid;
    if (typeof taskSid === 'string') live.set(taskSid, task as FlexTask);
  }
  return live;
}

/**
 * Whether Flex still runs a `CompleteTask` of this task (its before-listeners, body or
 * after-listeners). Taken as running when Flex cannot tell.
 */
function completionPending(flex: FlexLike, task: FlexTask): boolean {
  const find = flex.Actions.findPendingActions;
  if (typeof find !== 'function' || typeof task.sid !== 'string') return true;
  try {
    return find.call(flex.Actions, 'CompleteTask', { sid: task.sid })?.first !== undefined;
  } catch {
    return true;
  }
}

/**
 * The shown instances of notification `id` for a task, from Flex's `activeNotifications`
 * (a copy: dismissing changes Flex's list). Empty where Flex does not expose it.
 */
function activeInstances(
  notifications: FlexLike['Notifications'],
  id: string,
  taskSid: string,
): FlexNotification[] {
  const active = safely(() => (notifications as { activeNotifications?: unknown }).activeNotifications);
  if (!Array.isArray(active)) return [];
  return active.filter((candidate: unknown): candidate is FlexNotification => {
    if (typeof candidate !== 'object' || candidate === null) return false;
    const { id: shownId, context } = candidate as { id?: unknown; context?: unknown };
    return shownId === id && (context as { taskSid?: unknown } | null | undefined)?.taskSid === taskSid;
  });
}

/**
 * What a notification's context holds as its task. Flex names an action button
 * "{{type}} {{task}} task" from `task.taskChannelUniqueName`: this one says which call,
 * so "Retry voice call from +1 415-555-1234 task" tells two failed saves apart.
 */
function notificationTask(task: FlexTask | undefined, taskSid: string): { taskChannelUniqueName: string } {
  const caller = parseCallerNumber(taskAttributes(task?.attributes)?.from);
  const channel = task?.taskChannelUniqueName ?? 'voice';
  if (caller.kind === 'phone')
    return { taskChannelUniqueName: `${channel} call from ${formatPhoneNumber(caller.e164)}` };
  // A withheld number is said so, not shown as the task's sid.
  if (caller.kind === 'withheld') return { taskChannelUniqueName: `${channel} call from a withheld number` };
  return { taskChannelUniqueName: `${channel} ${taskSid}` };
}

/** `localStorage` when the browser allows it (private modes and policies may not). */
function browserStorage(): DraftStorage | null {
  try {
    const storage = (globalThis as { localStorage?: DraftStorage }).localStorage;
    return storage ?? null;
  } catch {
    return null;
  }
}

/** The task of an action's payload (`{ task }`), if it looks like one. */
function taskOf(payload: unknown): FlexTask | undefined {
  const task =
    typeof payload === 'object' && payload !== null ? (payload as { task?: unknown }).task : undefined;
  return typeof task === 'object' && task !== null ? (task as FlexTask) : undefined;
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
  const context = notificationContext as
    | { reason?: unknown; stored?: unknown; taskSid?: unknown }
    | undefined;
  const code = typeof context?.reason === 'string' ? (context.reason as SaveFailureReason) : 'failed';
  const reason =
    all[`StickyCallsSaveReason_${code}` as keyof StickyCallsStrings] ?? all.StickyCallsSaveReason_failed;
  // A save that failed while the wrap-up is only in this browser says so.
  const key =
    template === 'StickyCallsNotifySaveFailed' && context?.stored === false
      ? 'StickyCallsNotifySaveFailedUnstored'
      : template;
  const named = (context as { task?: { taskChannelUniqueName?: unknown } } | undefined)?.task
    ?.taskChannelUniqueName;
  // The task's name holds the caller's number and Flex's channel name: isolated in the sentence.
  const task = typeof named === 'string' ? <CallerText text={named} /> : 'task';
  return fillNodes(all[key], { reason, task });
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

function safely<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}
