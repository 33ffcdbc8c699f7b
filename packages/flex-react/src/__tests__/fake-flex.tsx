/**
 * A small fake of the Flex objects `registerCallerContext` touches, typed against this
 * package's `FlexLike` and `ManagerLike`: the real `@twilio/flex-ui` needs a running
 * Flex (Redux store, Twilio session), so these stand in for it. They behave the way
 * Flex does where the package depends on it: dynamic content is shown where its `if`
 * passes, cloned with the task's props; `before` listeners get `(payload, abort)` and
 * are awaited, `after` listeners run once the action has gone ahead; `setAttributes`
 * replaces the attributes wholesale; each shown notification is an instance of its own
 * (Flex 2.x, `dismissNotification(instance)`), and its action is rendered with it and
 * clicked.
 */
import { act, fireEvent, type RenderResult, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import type {
  ActionListener,
  ContentOptions,
  DynamicContentStore,
  FlexActions,
  FlexLike,
  FlexNotification,
  FlexNotifications,
  FlexTask,
  ManagerLike,
  NotificationActionProps,
  TaskContextProps,
  WritableFlexTask,
} from '../flex-types.js';

// ---------------------------------------------------------------------------
// Dynamic content

/** An element added to a slot, with the options it was added with. */
export interface AddedContent {
  readonly element: React.ReactElement;
  readonly options: ContentOptions | undefined;
}

/** A slot (`flex.TaskCanvas.Content`, …) that records what is added to it. */
export class FakeContentStore implements DynamicContentStore {
  #entries: AddedContent[] = [];

  /** @param returnsCleanup whether `add` returns a removal function (Flex 2.x) or nothing (1.x). */
  constructor(private readonly returnsCleanup = true) {}

  /** Everything added and not removed, in the order it was added. */
  get entries(): readonly AddedContent[] {
    return this.#entries;
  }

  /** The keys of what is in the slot. */
  keys(): (string | number | null)[] {
    return this.#entries.map((entry) => entry.element.key);
  }

  /** The entry added with `key`; throws when there is none. */
  entry(key: string): AddedContent {
    const found = this.#entries.find((entry) => entry.element.key === key);
    if (found === undefined)
      throw new Error(`nothing with key ${key} in this slot (has ${this.keys().join(', ')})`);
    return found;
  }

  add(child: React.ReactElement, options?: ContentOptions): (() => void) | undefined {
    const entry: AddedContent = { element: child, options };
    this.#entries.push(entry);
    if (!this.returnsCleanup) return undefined;
    return () => {
      this.#entries = this.#entries.filter((other) => other !== entry);
    };
  }

  remove(key: string): void {
    this.#entries = this.#entries.filter((entry) => entry.element.key !== key);
  }

  /** What Flex shows for these props: the entries whose `if` passes, by `sortOrder`. */
  shown(props: TaskContextProps): AddedContent[] {
    return this.#entries
      .filter((entry) => entry.options?.if === undefined || entry.options.if(props) === true)
      .sort((a, b) => (a.options?.sortOrder ?? 0) - (b.options?.sortOrder ?? 0));
  }
}

// ---------------------------------------------------------------------------
// Actions

/** How a `CompleteTask` went: aborted by a listener, or aborted only after it had gone ahead. */
export interface ActionOutcome {
  aborted: boolean;
  /** `abort` was called after the listeners had returned, when it can no longer stop anything. */
  abortedLate: boolean;
}

/** `flex.Actions`: listeners per event, and `invoke` that runs the `before` ones. */
export class FakeActions implements FlexActions {
  readonly #listeners = new Map<string, ActionListener[]>();

  addListener(event: string, listener: ActionListener): void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
  }

  removeListener(event: string, listener: ActionListener): void {
    this.#listeners.set(
      event,
      (this.#listeners.get(event) ?? []).filter((other) => other !== listener),
    );
  }

  listenerCount(event: string): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /**
   * Runs `before<action>` listeners as Flex does: each with the payload and an abort
   * function, one after the other, awaiting what they return. Resolves once they are
   * done (the action would then run unless aborted).
   */
  async invoke(action: string, payload: object): Promise<ActionOutcome> {
    const outcome: ActionOutcome = { aborted: false, abortedLate: false };
    let settled = false;
    const abort = () => {
      if (settled) outcome.abortedLate = true;
      else outcome.aborted = true;
    };
    for (const listener of [...(this.#listeners.get(`before${action}`) ?? [])]) {
      await listener(payload, abort);
    }
    settled = true;
    return outcome;
  }

  /**
   * Runs `after<action>` listeners with the payload, as Flex does once the action has
   * run (that is, when no `before` listener aborted it).
   */
  async invokeAfter(action: string, payload: object): Promise<void> {
    for (const listener of [...(this.#listeners.get(`after${action}`) ?? [])]) {
      await listener(payload, undefined);
    }
  }
}

// ---------------------------------------------------------------------------
// Notifications

/** A notification instance as `showNotification` returns it. */
export interface ShownNotification extends FlexNotification {
  readonly instanceId: string;
}

/** Options of {@link FakeNotifications}. */
export interface FakeNotificationsOptions {
  /**
   * Whether `dismissNotification(instance)` exists, dismissing one shown instance
   * (Flex 2.x); without it only `dismissNotificationById` does, dismissing them all.
   * @default true
   */
  dismissNotification?: boolean;
}

/**
 * `flex.Notifications`: registered notifications, the active ones and every one shown.
 * As in Flex 2.x, `showNotification` returns the instance shown, each with an
 * `instanceId` of its own.
 */
export class FakeNotifications implements FlexNotifications {
  readonly registeredNotifications = new Map<string, FlexNotification>();
  /** Shown and not dismissed, as Flex's `activeNotifications`. */
  activeNotifications: ShownNotification[] = [];
  /** Every notification shown, dismissed or not, with its context. */
  readonly history: ShownNotification[] = [];
  /** The id of every `showNotification` call, registered or not (Flex shows nothing for an unknown id). */
  readonly showCalls: string[] = [];
  /** The id of every `dismissNotificationById` call. */
  readonly dismissedById: string[] = [];
  /** Flex 2.x: dismisses one shown instance; absent when created without it. */
  readonly dismissNotification?: (notification: FlexNotification) => void;
  #instances = 0;

  constructor(options: FakeNotificationsOptions = {}) {
    if (options.dismissNotification !== false) {
      this.dismissNotification = (notification) => {
        const { instanceId } = notification as Partial<ShownNotification>;
        this.activeNotifications = this.activeNotifications.filter(
          (active) => instanceId === undefined || active.instanceId !== instanceId,
        );
      };
    }
  }

  registerNotification(notification: FlexNotification): void {
    this.registeredNotifications.set(notification.id, notification);
  }

  showNotification(id: string, context?: object): ShownNotification | null {
    this.showCalls.push(id);
    const registered = this.registeredNotifications.get(id);
    if (registered === undefined) return null;
    this.#instances += 1;
    const shown: ShownNotification = {
      ...registered,
      context: { ...context },
      instanceId: `instance-${this.#instances}`,
    };
    this.activeNotifications = [...this.activeNotifications, shown];
    this.history.push(shown);
    return shown;
  }

  dismissNotificationById(id: string): void {
    this.dismissedById.push(id);
    this.activeNotifications = this.activeNotifications.filter((notification) => notification.id !== id);
  }

  /** The ids of the notifications shown, in order. */
  shownIds(): string[] {
    return this.history.map((notification) => notification.id);
  }

  /** The active notification `id` (the latest, or the one about `taskSid`); throws when it is not shown. */
  active(id: string, taskSid?: string): ShownNotification {
    const found = [...this.activeNotifications]
      .reverse()
      .find(
        (notification) =>
          notification.id === id && (taskSid === undefined || notification.context?.taskSid === taskSid),
      );
    if (found === undefined)
      throw new Error(
        `notification ${id}${taskSid === undefined ? '' : ` for ${taskSid}`} is not shown (active: ${this.activeIds().join(', ') || 'none'})`,
      );
    return found;
  }

  activeIds(): string[] {
    return this.activeNotifications.map((notification) => notification.id);
  }

  /** The text of a shown notification, rendered as Flex does (`notificationContext` = its context). */
  text(notification: FlexNotification): string {
    const { content } = notification;
    if (!React.isValidElement(content)) return String(content ?? '');
    const view = render(
      React.cloneElement(content as React.ReactElement<{ notificationContext?: object }>, {
        notificationContext: notification.context ?? {},
      }),
    );
    const text = view.container.textContent ?? '';
    view.unmount();
    return text;
  }

  /**
   * Clicks an action of a notification the way Flex's notification bar does: the action
   * element rendered with the shown notification, its button clicked. Given an id, the
   * active notification with that id; given a notification, that one, shown or not (a
   * second click before the bar has caught up). Returns the action's label.
   */
  clickAction(notificationOrId: string | FlexNotification, index = 0): string {
    const notification =
      typeof notificationOrId === 'string' ? this.active(notificationOrId) : notificationOrId;
    const id = notification.id;
    const action = notification.actions?.[index];
    if (action === undefined) throw new Error(`notification ${id} has no action ${index}`);
    const view = render(
      React.cloneElement(action as React.ReactElement<{ notification?: FlexNotification }>, { notification }),
    );
    const button = within(view.container).getByRole('button');
    const label = button.textContent ?? '';
    fireEvent.click(button);
    view.unmount();
    return label;
  }
}

/** `flex.NotificationBar.Action`: a button that calls `onClick(event, notification)`. */
export function FakeNotificationAction({
  label,
  onClick,
  notification,
}: NotificationActionProps & { notification?: FlexNotification }): React.ReactElement {
  return (
    <button type="button" onClick={(event) => onClick(event, notification ?? { id: '' })}>
      {label}
    </button>
  );
}

// ---------------------------------------------------------------------------
// Task context and tabs

const TaskContext = React.createContext<FlexTask | undefined>(undefined);

/** `flex.withTaskContext`: gives the component the task of the surrounding task view. */
export function withTaskContext(
  Component: React.ComponentType<TaskContextProps>,
): React.ComponentType<Record<string, unknown>> {
  function WithTaskContext(props: Record<string, unknown>) {
    const task = React.useContext(TaskContext);
    return React.createElement(Component, { ...props, task });
  }
  return WithTaskContext;
}

/** `flex.Tab`: a labelled tab panel. Like Flex's, it does not pass the task on to its children. */
export function FakeTab({
  uniqueName,
  label,
  children,
}: {
  uniqueName?: string;
  label?: string;
  children?: React.ReactNode;
}): React.ReactElement {
  return (
    <div role="tabpanel" aria-label={label} data-unique-name={uniqueName}>
      {children}
    </div>
  );
}

// ---------------------------------------------------------------------------
// flex and manager

/** The fake `flex` object, every slot a {@link FakeContentStore}. */
export interface FakeFlex extends FlexLike {
  readonly TaskCanvas: { readonly Content: FakeContentStore };
  readonly TaskInfoPanel: { readonly Content: FakeContentStore };
  readonly TaskCanvasTabs: { readonly Content: FakeContentStore };
  readonly Actions: FakeActions;
  readonly Notifications: FakeNotifications;
  /** Flex has it; the package finds it at run time (it is not part of FlexLike). */
  readonly withTaskContext?: typeof withTaskContext;
}

export interface FakeFlexOptions {
  /** Whether `flex.Tab` exists. @default true */
  tab?: boolean;
  /** Whether `flex.withTaskContext` exists. @default true */
  withTaskContext?: boolean;
  /** Whether slots' `add` returns a removal function (Flex 2.x). @default true */
  addReturnsCleanup?: boolean;
  /** Whether `flex.Notifications.dismissNotification(instance)` exists (Flex 2.x). @default true */
  dismissNotification?: boolean;
}

export function createFakeFlex(options: FakeFlexOptions = {}): FakeFlex {
  const cleanup = options.addReturnsCleanup !== false;
  const flex: FakeFlex = {
    TaskCanvas: { Content: new FakeContentStore(cleanup) },
    TaskInfoPanel: { Content: new FakeContentStore(cleanup) },
    TaskCanvasTabs: { Content: new FakeContentStore(cleanup) },
    Actions: new FakeActions(),
    Notifications: new FakeNotifications(
      options.dismissNotification === false ? { dismissNotification: false } : {},
    ),
    NotificationType: { error: 'error', warning: 'warning', success: 'success' },
    NotificationBar: { Action: FakeNotificationAction },
    ...(options.withTaskContext === false ? {} : { withTaskContext }),
  };
  return options.tab === false ? flex : { ...flex, Tab: FakeTab };
}

/** The fake `manager`: a token that Flex refreshes (change `user.token`), and `strings`. */
export interface FakeManager extends ManagerLike {
  user: { token: string };
  strings: Record<string, string>;
}

export function createFakeManager(token: string, strings: Record<string, string> = {}): FakeManager {
  return { user: { token }, strings };
}

// ---------------------------------------------------------------------------
// Tasks

/** What `setAttributes` does: store, fail (TaskRouter refuses), or never answer. */
export type WriteBehaviour = 'store' | 'fail' | 'hang';

export interface FakeTaskInit {
  taskSid: string;
  sid?: string;
  status?: string;
  taskChannelUniqueName?: string;
  attributes?: Record<string, unknown>;
}

/** A Flex task whose `setAttributes` replaces the attributes wholesale and records each call. */
export class FakeTask implements WritableFlexTask {
  readonly taskSid: string;
  readonly sid: string;
  status: string;
  readonly taskChannelUniqueName: string;
  attributes: Record<string, unknown>;
  /** Every object passed to `setAttributes`, as sent (a JSON copy), stored or not. */
  readonly writes: Record<string, unknown>[] = [];
  writeBehaviour: WriteBehaviour = 'store';
  /** With `store`, how long TaskRouter takes to answer (and store) each write. @default 0 */
  writeDelayMs = 0;

  constructor(init: FakeTaskInit) {
    this.taskSid = init.taskSid;
    this.sid = init.sid ?? `WR${init.taskSid.slice(2)}`;
    this.status = init.status ?? 'wrapping';
    this.taskChannelUniqueName = init.taskChannelUniqueName ?? 'voice';
    this.attributes = init.attributes ?? {};
  }

  setAttributes(attributes: object): Promise<unknown> {
    const sent = JSON.parse(JSON.stringify(attributes)) as Record<string, unknown>;
    this.writes.push(sent);
    if (this.writeBehaviour === 'fail') return Promise.reject(new Error('TaskRouter refused the update'));
    if (this.writeBehaviour === 'hang') return new Promise<never>(() => undefined);
    if (this.writeDelayMs > 0) {
      return new Promise((resolve) =>
        setTimeout(() => {
          this.attributes = sent;
          resolve(this);
        }, this.writeDelayMs),
      );
    }
    this.attributes = sent;
    return Promise.resolve(this);
  }
}

// ---------------------------------------------------------------------------
// Rendering

function Slot({ store, task }: { store: FakeContentStore; task: FlexTask | null }) {
  const props = { task };
  return (
    <TaskContext.Provider value={task ?? undefined}>
      {store.shown(props).map((entry) => React.cloneElement(entry.element, props))}
    </TaskContext.Provider>
  );
}

/** A rendered slot; `update` renders it again, for another task or after the slot changed. */
export interface RenderedSlot extends RenderResult {
  update(task?: FlexTask | null): void;
}

/**
 * Renders what Flex would show in a slot for a task: each added element whose `if`
 * passes, cloned with `{ task }`, inside the task's context.
 */
export function renderSlot(store: FakeContentStore, task: FlexTask | null): RenderedSlot {
  let current = task;
  const view = render(<Slot store={store} task={current} />);
  return {
    ...view,
    update(next = current) {
      current = next;
      view.rerender(<Slot store={store} task={current} />);
    },
  };
}

/** Completes a task as Flex does (`CompleteTask`), inside `act` so the form's updates are applied. */
export async function completeTask(flex: FakeFlex, task: FakeTask): Promise<ActionOutcome> {
  let outcome: ActionOutcome | undefined;
  await act(async () => {
    outcome = await flex.Actions.invoke('CompleteTask', { task });
  });
  if (outcome === undefined) throw new Error('CompleteTask did not settle');
  return outcome;
}

/**
 * What Flex does once `CompleteTask` has gone ahead: the task is completed and the
 * `afterCompleteTask` listeners run (inside `act`, so the form's updates are applied).
 */
export async function taskCompleted(flex: FakeFlex, task: FakeTask): Promise<void> {
  task.status = 'completed';
  await act(async () => {
    await flex.Actions.invokeAfter('CompleteTask', { task });
  });
}

/** The wrap-up form the agent sees. */
export function wrapUpForm(): HTMLElement {
  return screen.getByRole('region', { name: 'Wrap-up' });
}
