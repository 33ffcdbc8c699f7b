/**
 * The agent desk's stand-in for the Flex UI: the `flex` and `manager` objects a plugin's
 * `init(flex, manager)` receives, as far as `registerCallerContext` uses them, behaving
 * as Flex 2.17 does where it matters (checked against the real Flex runtime in
 * packages/flex-react's Flex runtime tests):
 *
 * - `Actions.invokeAction('CompleteTask', { task })`: every before-listener is called at
 *   once with one shallow copy of the payload (`{ task, sid }`) and awaited together;
 *   `abort()` only sets a flag, read once they have all settled; a listener that fails
 *   is only logged; a second identical CompleteTask while one is pending is rejected
 *   before any listener runs; the body (here: TaskRouter marks the task completed) and
 *   the after-listeners run only when nothing aborted.
 * - `Notifications`: `registerNotification` throws on a duplicate id and fills the
 *   defaults (8 s, a close button); `showNotification` returns the instance shown (or
 *   `null` for an unknown id); `dismissNotification` dismisses that instance only, by
 *   identity.
 * - Dynamic content: `add` needs a key and returns its removal; `remove(key)` also hides
 *   later adds with that key.
 * - `manager.store`: `getState().flex.worker.tasks`, the agent's live tasks (a Map by
 *   reservation sid), from which a completed task disappears, whoever completed it.
 *
 * Free of React and the DOM, so it is tested on its own (src/__tests__).
 */
import type {
  ContentOptions,
  FlexLike,
  FlexNotification,
  ManagerLike,
  NotificationActionProps,
} from '@stickycalls/flex-react';
import type { JSXElementConstructor, ReactElement } from 'react';

/** A task as the desk shows it and Flex's `ITask` carries it. */
export interface DeskTask {
  /** The reservation (`WR…`), as Flex's `task.sid`. */
  readonly sid: string;
  /** The task (`WT…`). */
  readonly taskSid: string;
  /** What the desk's task list calls it. */
  readonly title: string;
  /** The reservation's status, as Flex's `task.status`: `accepted`, `wrapping`, `completed`, … */
  status: string;
  /** The task's assignment status, as Flex's `task.taskStatus`: `assigned`, `wrapping`, `completed`, … */
  taskStatus: string;
  readonly taskChannelUniqueName: string;
  /** The task's attributes, as TaskRouter last had them. */
  attributes: Record<string, unknown>;
}

/** A notification on the bar. */
export interface ShownNotification extends FlexNotification {
  readonly instanceId: string;
}

/** A slot's item. */
export interface ContentItem {
  readonly element: ReactElement;
  readonly options: ContentOptions;
}

/** The error Flex rejects an aborted action with. */
export const CANCELLED = (action: string) => `Action ${action} cancelled by before event`;

type Listener = (payload: unknown, abort: () => void) => unknown;
/** What an action does once its before-listeners let it (Flex's own implementation). */
type ActionBody = (payload: Record<string, unknown>) => Promise<void>;

export interface FlexDesktopOptions {
  /** The agent's token (`manager.user.token`). */
  readonly token: string;
  /** The tasks to start with. */
  readonly tasks: readonly DeskTask[];
  /** The action bodies: `CompleteTask` marks the task completed in TaskRouter. */
  readonly actions: Readonly<Record<string, ActionBody>>;
  /** The notification bar's action button (`flex.NotificationBar.Action`). */
  readonly NotificationAction: JSXElementConstructor<NotificationActionProps>;
  /** Where listener failures are logged. @default console.error */
  readonly log?: (message: string) => void;
}

export interface FlexDesktop {
  readonly flex: Omit<FlexLike, 'Actions'> & {
    readonly Actions: Omit<FlexLike['Actions'], 'invokeAction'> & {
      invokeAction(action: string, payload: Record<string, unknown>): Promise<void>;
    };
    readonly Notifications: FlexLike['Notifications'] & {
      readonly activeNotifications: readonly ShownNotification[];
      readonly registeredNotifications: Map<string, FlexNotification>;
    };
  };
  readonly manager: Omit<ManagerLike, 'store'> & { readonly store: FlexStore };
  /** Every task of the desk, completed ones included (Flex's list drops them; the desk keeps showing them). */
  tasks(): readonly DeskTask[];
  /** What TaskRouter says now: tasks are updated in place, a task whose reservation ended leaves `worker.tasks`. */
  update(tasks: readonly DeskTask[]): void;
  /** The items of a slot whose `if` passes for the task, in sort order. */
  content(slot: 'TaskCanvas' | 'TaskInfoPanel', task: DeskTask): readonly ContentItem[];
  /** Called after every change, to render again. */
  subscribe(listener: () => void): () => void;
}

/** Flex's Redux store, as far as the agent's task list goes. */
export interface FlexStore {
  getState(): { flex: { worker: { tasks: ReadonlyMap<string, DeskTask> } } };
  subscribe(listener: () => void): () => void;
}

/** Reservation statuses after which Flex drops the task from the agent's list. */
const ENDED = new Set(['completed', 'canceled', 'rescinded', 'rejected', 'timeout']);

export function createFlexDesktop(options: FlexDesktopOptions): FlexDesktop {
  const log = options.log ?? ((message: string) => console.error(message));
  const renders = new Set<() => void>();
  const storeListeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...renders]) listener();
  };
  const byTask = new Map<string, DeskTask>();
  for (const task of options.tasks) byTask.set(task.taskSid, { ...task });
  const live = () =>
    new Map([...byTask.values()].filter((task) => !ENDED.has(task.status)).map((task) => [task.sid, task]));
  let state = { flex: { worker: { tasks: live() as ReadonlyMap<string, DeskTask> } } };

  // Dynamic content.
  const slot = () => {
    const items: ContentItem[] = [];
    const removed = new Set<string>();
    return {
      items,
      add(element: ReactElement, contentOptions: ContentOptions = {}) {
        if (element.key === null || element.key === undefined)
          throw new Error('Content.add: a key is needed');
        const item = { element, options: contentOptions };
        items.push(item);
        items.sort((a, b) => (a.options.sortOrder ?? 0) - (b.options.sortOrder ?? 0));
        changed();
        return () => {
          const index = items.indexOf(item);
          if (index >= 0) items.splice(index, 1);
          changed();
        };
      },
      remove(key: string) {
        removed.add(key);
        changed();
      },
      visible: (task: DeskTask) =>
        items.filter(
          (item) =>
            !removed.has(String(item.element.key)) &&
            (item.options.if === undefined || item.options.if({ task })),
        ),
    };
  };
  const slots = { TaskCanvas: slot(), TaskInfoPanel: slot() };

  // Actions.
  const listeners = new Map<string, Listener[]>();
  const pending: { action: string; payload: Record<string, unknown> }[] = [];
  const sameAs = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    Object.keys(b).every((key) => a[key] === b[key]);
  const run = async (event: string, payload: Record<string, unknown>, abort: () => void) => {
    const results: unknown[] = [];
    try {
      // All called at once, in the order they were added.
      for (const listener of listeners.get(event) ?? []) results.push(listener(payload, abort));
    } catch (error) {
      // As Flex: logged; later listeners are not called and earlier ones not awaited.
      log(`Actions: Error on "${event}": ${String(error)}`);
      return;
    }
    await Promise.all(
      results.map((result) =>
        Promise.resolve(result).catch((error: unknown) => log(`Error on ${event}: ${String(error)}`)),
      ),
    );
  };
  const Actions = {
    addListener(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
    removeListener(event: string, listener: Listener) {
      listeners.set(
        event,
        (listeners.get(event) ?? []).filter((candidate) => candidate !== listener),
      );
    },
    async invokeAction(action: string, given: Record<string, unknown>) {
      const task = given.task as DeskTask | undefined;
      const payload: Record<string, unknown> = { ...given, ...(task ? { sid: task.sid } : {}) };
      if (pending.some((entry) => entry.action === action && sameAs(entry.payload, given))) {
        log(`Action ${action} is pending`);
        throw new Error('Action is pending');
      }
      const entry = { action, payload };
      pending.push(entry);
      try {
        let aborted = false;
        await run(`before${action}`, payload, () => {
          aborted = true;
        });
        // Read once, after every before-listener settled: a later abort() changes nothing.
        if (aborted) throw new Error(CANCELLED(action));
        await options.actions[action]?.(payload);
        await run(`after${action}`, payload, () => undefined);
      } finally {
        pending.splice(pending.indexOf(entry), 1);
        changed();
      }
    },
  };

  // Notifications.
  const registeredNotifications = new Map<string, FlexNotification>();
  const activeNotifications: ShownNotification[] = [];
  const dismissNotification = (notification: FlexNotification) => {
    const index = activeNotifications.indexOf(notification as ShownNotification);
    if (index < 0) return;
    activeNotifications.splice(index, 1);
    changed();
  };
  const Notifications = {
    registeredNotifications,
    activeNotifications,
    registerNotification(notification: FlexNotification) {
      if (registeredNotifications.has(notification.id)) throw new Error('Notification already registered');
      registeredNotifications.set(notification.id, { timeout: 8000, closeButton: true, ...notification });
    },
    showNotification(id: string, context?: object) {
      const registered = registeredNotifications.get(id);
      if (registered === undefined) return null;
      const shown: ShownNotification = {
        ...registered,
        ...(context ? { context: context as Record<string, unknown> } : {}),
        instanceId: `${id}${Date.now()}`,
      };
      activeNotifications.push(shown);
      if (shown.timeout) setTimeout(() => dismissNotification(shown), shown.timeout);
      changed();
      return shown;
    },
    dismissNotification,
    dismissNotificationById(id: string) {
      for (const shown of activeNotifications.filter((notification) => notification.id === id))
        dismissNotification(shown);
    },
  };

  const flex = {
    TaskCanvas: { Content: slots.TaskCanvas },
    TaskInfoPanel: { Content: slots.TaskInfoPanel },
    Actions,
    Notifications,
    NotificationType: { error: 'error', warning: 'warning', success: 'success' },
    NotificationBar: { Action: options.NotificationAction },
    TaskHelper: { isCallTask: (task: DeskTask) => task.taskChannelUniqueName === 'voice' },
  } satisfies FlexLike;

  const store: FlexStore = {
    getState: () => state,
    subscribe(listener) {
      storeListeners.add(listener);
      return () => storeListeners.delete(listener);
    },
  };

  return {
    flex,
    manager: { user: { token: options.token }, strings: {}, store },
    tasks: () => [...byTask.values()],
    update(tasks) {
      for (const fresh of tasks) {
        const known = byTask.get(fresh.taskSid);
        if (known === undefined) byTask.set(fresh.taskSid, { ...fresh });
        else {
          known.status = fresh.status;
          known.taskStatus = fresh.taskStatus;
          // A new object only when TaskRouter's attributes changed, as Flex updates a task.
          if (JSON.stringify(known.attributes) !== JSON.stringify(fresh.attributes))
            known.attributes = fresh.attributes;
        }
      }
      const before = state.flex.worker.tasks;
      const after = live();
      const same = before.size === after.size && [...after.keys()].every((sid) => before.has(sid));
      state = { flex: { worker: { tasks: same ? before : after } } };
      if (!same) for (const listener of [...storeListeners]) listener();
      changed();
    },
    content: (name, task) => slots[name].visible(task),
    subscribe(listener) {
      renders.add(listener);
      return () => renders.delete(listener);
    },
  };
}
