/**
 * Helpers for tests that run against Flex's real runtime (`@twilio/flex-ui` 2.17.1,
 * loaded by `load.ts`): the real `Actions`, `Notifications`, `NotificationBar`, dynamic
 * content stores, `DynamicComponent`, `TaskChannels` and `TaskHelper`. There is no
 * Redux store and no Twilio session, so tasks are plain stand-in objects and the
 * `CompleteTask` body is replaced by one that only marks the stand-in completed.
 *
 * Flex is one shared singleton per test file: `useFlexRuntime()` loads it once and,
 * after each test, puts back what the test changed (see `resetFlex`).
 */
import { act, cleanup, type RenderResult, render } from '@testing-library/react';
import type {
  DynamicContentStore,
  ITask,
  Notification,
  RemoveComponentCall,
  ReplacedActionFunction,
  TaskChannelDefinition,
} from '@twilio/flex-ui';
import * as React from 'react';
import { afterEach, beforeAll } from 'vitest';
import { type FlexModule, loadedFlex, loadFlex } from './load.js';

export type { FlexModule } from './load.js';

// ---------------------------------------------------------------------------
// Stand-in tasks

/** A reservation's status as Flex's `ITask.status` has it. */
export type ReservationStatus = ITask['status'];

/**
 * A plain stand-in for Flex's `ITask`, with the fields Flex's helpers read:
 * `TaskHelper.isCallTask` / `isLiveCall` / `isIncomingCall` go through
 * `TaskChannels.getForTask(task)`, whose built-in channels read `taskChannelUniqueName`
 * (and, for the chat ones, `channelType`); `isPending` / `isInWrapupMode` / `isCompleted`
 * / `isTaskAccepted` read `status`; `isOutboundCallTask` also reads `routingTarget` and
 * `attributes.direction`; `isChatBasedTask` reads Flex's Redux state, which is not there.
 * The `CompleteTask` payload update reads `task.sid`.
 */
export interface StandInTask {
  /** The reservation, `WR…`. */
  sid: string;
  /** The task, `WT…`. */
  taskSid: string;
  status: ReservationStatus;
  taskStatus: ITask['taskStatus'];
  taskChannelUniqueName: string;
  channelType: string;
  attributes: Record<string, unknown>;
  routingTarget?: string;
  /** Replaces the whole attributes object, as Flex's does (no version check). */
  setAttributes(attributes: Record<string, unknown>): Promise<StandInTask>;
  /** Every object passed to `setAttributes`, in order. */
  readonly attributeWrites: Record<string, unknown>[];
}

/** The fields `makeTask` accepts. */
export type StandInTaskFields = Partial<Omit<StandInTask, 'setAttributes' | 'attributeWrites'>>;

let taskCount = 0;

/** A stand-in voice task (accepted, channel `voice`) with fresh `WR…`/`WT…` sids. */
export function makeTask(overrides: StandInTaskFields = {}): StandInTask {
  taskCount += 1;
  const serial = taskCount.toString(16).padStart(32, '0');
  const attributeWrites: Record<string, unknown>[] = [];
  const task: StandInTask = {
    sid: `WR${serial}`,
    taskSid: `WT${serial}`,
    status: 'accepted',
    taskStatus: 'assigned',
    taskChannelUniqueName: 'voice',
    channelType: 'voice',
    attributes: {},
    ...overrides,
    attributeWrites,
    setAttributes(attributes) {
      attributeWrites.push(attributes);
      task.attributes = attributes;
      return Promise.resolve(task);
    },
  };
  return task;
}

/** The stand-in typed as Flex's `ITask`, for Flex APIs typed with it (only the fields above exist). */
export function asITask(task: StandInTask): ITask {
  return task as unknown as ITask;
}

// ---------------------------------------------------------------------------
// Flex's internals the reset restores (private fields of the 2.17.1 classes)

type Listener = (...args: never[]) => unknown;
type EventName = string | symbol;

interface EventSource {
  eventNames(): EventName[];
  listeners(event: EventName): Listener[];
  removeListener(event: EventName, listener: Listener): unknown;
}

interface Invocation {
  action: string;
  payload: unknown;
}

interface ActionsInternals {
  actions: Map<string, unknown>;
  replacedActions: Map<string, ReplacedActionFunction[]>;
  payloadUpdateFunctions: Map<string, unknown>;
  pendingInvocations: Map<string, Invocation[]>;
  blockedActions: Map<string, Invocation[]>;
  emitter: EventSource;
}

interface ContentStoreInternals {
  registeredFragments: React.ReactElement[];
  _removeRequests: RemoveComponentCall[];
  registeredWrappers: unknown[];
}

type AnyContentStore = DynamicContentStore<object, React.Key>;

function actionsInternals(flex: FlexModule): ActionsInternals {
  return flex.Actions as unknown as ActionsInternals;
}

function notificationEvents(flex: FlexModule): EventSource {
  return flex.Notifications as unknown as EventSource;
}

function storeInternals(store: AnyContentStore): ContentStoreInternals {
  return store as unknown as ContentStoreInternals;
}

/** Every `<Component>.Content` store Flex exports (57 in 2.17.1). */
function contentStores(flex: FlexModule): Map<string, AnyContentStore> {
  const stores = new Map<string, AnyContentStore>();
  for (const [name, value] of Object.entries(flex)) {
    const content: unknown = (value as { Content?: unknown } | null)?.Content;
    if (content instanceof flex.DynamicContentStore) stores.set(name, content as AnyContentStore);
  }
  return stores;
}

function listenersOf(source: EventSource): Map<EventName, Listener[]> {
  return new Map(source.eventNames().map((event) => [event, [...source.listeners(event)]]));
}

function copyLists<K, V>(map: Map<K, V[]>): Map<K, V[]> {
  return new Map([...map].map(([key, list]) => [key, [...list]]));
}

function restoreMap<K, V>(
  target: Map<K, V>,
  from: Map<K, V>,
  copy: (value: V) => V = (value) => value,
): void {
  target.clear();
  for (const [key, value] of from) target.set(key, copy(value));
}

function removeListenersAddedSince(source: EventSource, before: Map<EventName, Listener[]>): void {
  for (const event of source.eventNames()) {
    const kept = before.get(event) ?? [];
    for (const listener of source.listeners(event))
      if (!kept.includes(listener)) source.removeListener(event, listener);
  }
}

interface Baseline {
  actionListeners: Map<EventName, Listener[]>;
  actions: Map<string, unknown>;
  replacedActions: Map<string, ReplacedActionFunction[]>;
  payloadUpdateFunctions: Map<string, unknown>;
  blockedActions: Map<string, Invocation[]>;
  notificationIds: Set<string>;
  notificationListeners: Map<EventName, Listener[]>;
  content: Map<AnyContentStore, ContentStoreInternals>;
  taskChannels: TaskChannelDefinition[];
}

let baseline: Baseline | undefined;

function captureBaseline(flex: FlexModule): Baseline {
  const actions = actionsInternals(flex);
  const content = new Map<AnyContentStore, ContentStoreInternals>();
  for (const store of contentStores(flex).values()) {
    const inside = storeInternals(store);
    content.set(store, {
      registeredFragments: [...inside.registeredFragments],
      _removeRequests: [...inside._removeRequests],
      registeredWrappers: [...inside.registeredWrappers],
    });
  }
  return {
    actionListeners: listenersOf(actions.emitter),
    actions: new Map(actions.actions),
    replacedActions: copyLists(actions.replacedActions),
    payloadUpdateFunctions: new Map(actions.payloadUpdateFunctions),
    blockedActions: copyLists(actions.blockedActions),
    notificationIds: new Set(flex.Notifications.registeredNotifications.keys()),
    notificationListeners: listenersOf(notificationEvents(flex)),
    content,
    taskChannels: [...flex.TaskChannels.getRegistered()],
  };
}

// ---------------------------------------------------------------------------
// Set-up and reset

/**
 * Loads Flex (once per file) and records its state as loaded, which `resetFlex`
 * restores. Call it before any test changes Flex; `useFlexRuntime` does.
 */
export async function setUpFlexRuntime(): Promise<FlexModule> {
  const flex = await loadFlex();
  baseline ??= captureBaseline(flex);
  return flex;
}

/**
 * Puts Flex back as it was loaded: unmounts what the tests rendered; dismisses every
 * shown notification, unregisters the notifications and removes the notification
 * listeners added since; removes the action listeners, `replaceAction`s, registered
 * actions and `blockAction`s added since, and clears pending invocations; restores
 * every exported dynamic content store (added fragments, `remove` requests, wrappers)
 * and the registered task channels. Throws, after restoring, when a test left an
 * action invocation pending (a listener or body that never settled).
 */
export function resetFlex(): void {
  cleanup();
  if (baseline === undefined) return;
  const flex = loadedFlex();
  const before = baseline;

  flex.Notifications.dismissAll();
  for (const id of [...flex.Notifications.registeredNotifications.keys()])
    if (!before.notificationIds.has(id)) flex.Notifications.registeredNotifications.delete(id);
  removeListenersAddedSince(notificationEvents(flex), before.notificationListeners);

  const actions = actionsInternals(flex);
  const leftPending = [...actions.pendingInvocations.values()].flat().map((invocation) => invocation.action);
  removeListenersAddedSince(actions.emitter, before.actionListeners);
  restoreMap(actions.actions, before.actions);
  restoreMap(actions.replacedActions, before.replacedActions, (list) => [...list]);
  restoreMap(actions.payloadUpdateFunctions, before.payloadUpdateFunctions);
  restoreMap(actions.blockedActions, before.blockedActions, (list) => [...list]);
  actions.pendingInvocations.clear();

  for (const [store, saved] of before.content) {
    const inside = storeInternals(store);
    inside.registeredFragments = [...saved.registeredFragments];
    inside._removeRequests = [...saved._removeRequests];
    inside.registeredWrappers = [...saved.registeredWrappers];
  }

  // In place: `TaskChannels.getRegistered()` returns Flex's own list. (Flex 2.17.1's
  // `TaskChannels.unregister(channel)` keeps only that channel, so it cannot be used.)
  const channels = flex.TaskChannels.getRegistered();
  channels.splice(0, channels.length, ...before.taskChannels);

  if (leftPending.length > 0)
    throw new Error(
      `the test left Flex action invocations pending (${leftPending.join(', ')}): settle them before it ends`,
    );
}

/**
 * Registers the hooks of a Flex runtime test file: `beforeAll` loads Flex (about
 * 3.5 s), `afterEach` resets it. Returns a getter for the loaded module.
 */
export function useFlexRuntime(): () => FlexModule {
  beforeAll(async () => {
    await setUpFlexRuntime();
  }, 60_000);
  afterEach(() => {
    resetFlex();
  });
  return loadedFlex;
}

// ---------------------------------------------------------------------------
// Actions

/** What Flex's `CompleteTask` payload update makes of `{ task }`: a copy with `sid` added. */
export interface CompleteTaskPayload {
  readonly task: StandInTask;
  readonly sid: string;
  readonly [key: string]: unknown;
}

/** A stand-in `CompleteTask` body. */
export type CompleteTaskBody = (payload: CompleteTaskPayload) => unknown;

/** The default stand-in body: marks the stand-in task completed, as completing the reservation would. */
export function markCompleted(payload: CompleteTaskPayload): void {
  payload.task.status = 'completed';
  payload.task.taskStatus = 'completed';
}

/**
 * Replaces the body of Flex's `CompleteTask` with `body` through the real
 * `Actions.replaceAction`, so that `Actions.invokeAction('CompleteTask', { task })` runs
 * Flex's real listeners and payload update without Twilio. The replacement never calls
 * Flex's original body (that completes the reservation with TaskRouter). Returns a
 * function that takes the replacement out again; `resetFlex` also does.
 */
export function replaceCompleteTask(body: CompleteTaskBody = markCompleted): () => void {
  const flex = loadedFlex();
  const replacement: ReplacedActionFunction = async (payload: CompleteTaskPayload) => body(payload);
  flex.Actions.replaceAction('CompleteTask', replacement);
  return () => {
    const replaced = actionsInternals(flex).replacedActions;
    const list = (replaced.get('CompleteTask') ?? []).filter((other) => other !== replacement);
    replaced.set('CompleteTask', list);
  };
}

/** A `SetComponentState` payload: which component's view state, and what it becomes. */
export interface ComponentStatePayload {
  readonly name: string;
  readonly state: Record<string, unknown>;
}

/**
 * Records each `SetComponentState` (how a tab is selected: `{ name: 'AgentTaskCanvasTabs',
 * state: { selectedTabName } }`) through the real `Actions.replaceAction`, in place of
 * Flex's body, which writes to the Redux store that is not there. `resetFlex` takes the
 * replacement out.
 */
export function recordComponentStates(): ComponentStatePayload[] {
  const recorded: ComponentStatePayload[] = [];
  const replacement: ReplacedActionFunction = async (payload: ComponentStatePayload) => {
    recorded.push({ name: payload.name, state: { ...payload.state } });
  };
  loadedFlex().Actions.replaceAction('SetComponentState', replacement);
  return recorded;
}

/** The listeners registered with `Actions.addListener`, by event, with how many each has. */
export function actionListenerCounts(): Record<string, number> {
  const emitter = actionsInternals(loadedFlex()).emitter;
  return Object.fromEntries(
    emitter.eventNames().map((event) => [String(event), emitter.listeners(event).length] as const),
  );
}

// ---------------------------------------------------------------------------
// Task channels

/**
 * Registers a voice channel of another unique name the way a plugin does it: Flex's
 * own call channel definition (`DefaultTaskChannels.createCallTaskChannel`) applying to
 * tasks whose `taskChannelUniqueName` is `uniqueName`, passed to `TaskChannels.register`
 * (which puts it first and registers a merged copy). `TaskHelper.isCallTask` is then
 * true for those tasks. Returns the definition as registered; `resetFlex` unregisters it.
 */
export function registerCallTaskChannel(uniqueName: string): TaskChannelDefinition {
  const flex = loadedFlex();
  const channel = flex.DefaultTaskChannels.createCallTaskChannel(
    uniqueName,
    (task) => task.taskChannelUniqueName === uniqueName,
  );
  flex.TaskChannels.register(channel);
  const registered = flex.TaskChannels.getRegistered().find((other) => other.name === uniqueName);
  if (registered === undefined) throw new Error(`task channel ${uniqueName} was not registered`);
  return registered;
}

// ---------------------------------------------------------------------------
// Rendering

/** What Flex's theme provider takes (`config.theme`): `isLight`, Paste `tokens`, overrides. */
export type ThemeConf = React.ComponentProps<FlexModule['StorelessThemeProvider']>['themeConf'];

function FlexTheme({
  children,
  themeConf = {},
}: {
  children: React.ReactNode;
  themeConf?: ThemeConf;
}): React.ReactElement {
  const flex = loadedFlex();
  // Flex's provider writes its defaults into the object it is given: a copy each time.
  return <flex.StorelessThemeProvider themeConf={{ ...themeConf }}>{children}</flex.StorelessThemeProvider>;
}

/**
 * Renders Flex's real `NotificationBar` (in Flex's theme), which shows the active in-app
 * notifications: their content, their actions (`NotificationBar.Action` buttons, named
 * by the `NotificationActionItemAriaLabel` template) and a "Close notification" button.
 */
export function renderNotificationBar(): RenderResult {
  const flex = loadedFlex();
  return render(
    <FlexTheme>
      <flex.NotificationBar />
    </FlexTheme>,
  );
}

/** `Notifications.showNotification` inside `act`, so a rendered `NotificationBar` shows it. */
export function showNotification(id: string, context?: object): Notification | null {
  let shown: Notification | null = null;
  act(() => {
    shown = loadedFlex().Notifications.showNotification(id, context);
  });
  return shown;
}

/** `Notifications.dismissNotification(instance)` inside `act`. */
export function dismissNotification(instance: Notification): void {
  act(() => {
    loadedFlex().Notifications.dismissNotification(instance);
  });
}

/** What `renderTaskSlot` returns: the render, and a way to show the slot for another task. */
export interface TaskSlotResult extends RenderResult {
  showTask(task: StandInTask, props?: Record<string, unknown>): void;
}

/**
 * Renders a Flex dynamic content store (e.g. `flex.TaskCanvas.Content`) for `task` with
 * Flex's own `DynamicComponent`, as the slot's component does: what was `add`ed shows
 * where its `if` passes for `{ task, ...props }`, cloned with those props (and Flex's
 * theme), sorted by `sortOrder`, minus what was `remove`d; Flex's `TaskContext` holds the
 * task, as the task canvas and the profile tabs provide it (what `withTaskContext` reads
 * in a `Tab`). Flex's theme provider takes `themeConf` (light by default). The Flex
 * component itself (`<TaskCanvas>`) needs Flex's Redux store, which is not there.
 */
export function renderTaskSlot<P extends object, K extends React.Key>(
  store: DynamicContentStore<P, K>,
  task: StandInTask,
  props: Record<string, unknown> = {},
  { themeConf = {} }: { themeConf?: ThemeConf } = {},
): TaskSlotResult {
  const flex = loadedFlex();
  const slot = (shown: StandInTask, extra: Record<string, unknown>) => (
    <FlexTheme themeConf={themeConf}>
      <flex.TaskContext.Provider value={{ task: asITask(shown) }}>
        <flex.DynamicComponent name={store.name} contentStore={store} childProps={{ ...extra, task: shown }}>
          <div data-testid={`flex-slot-${store.name}`} />
        </flex.DynamicComponent>
      </flex.TaskContext.Provider>
    </FlexTheme>
  );
  const result = render(slot(task, props));
  return {
    ...result,
    showTask(next, extra = props) {
      result.rerender(slot(next, extra));
    },
  };
}
