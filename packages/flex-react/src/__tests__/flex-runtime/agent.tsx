/**
 * The agent's side of the tests on Flex's runtime: Flex's real `Actions`,
 * `Notifications`, `NotificationBar` and content stores (from `harness.tsx`), with
 * stand-ins only for what needs a logged-in Flex:
 *
 * - the `manager`: a plain object with `user.token`, `strings`, `configuration` and a
 *   tiny Redux-like `store` whose `getState().flex.worker.tasks` is a Map of reservation
 *   sid → task and `getState().flex.featureFlags` Flex's feature flags, with `subscribe`
 *   (what Flex's Redux store gives plugins);
 * - the tasks: the harness's `makeTask`, whose `attributes` are read from (and
 *   written to, without a version check, as Flex's `setAttributes` does) the TaskRouter
 *   stand-in, since in Flex they come from TaskRouter;
 * - the `CompleteTask` body: it completes the reservation in the TaskRouter stand-in
 *   and the task leaves the manager's task list, as Flex's would.
 */
import { act, fireEvent, screen, within } from '@testing-library/react';
import type { Notification } from '@twilio/flex-ui';
import { afterEach } from 'vitest';
import type { RegisterCallerContextOptions, SaveEvent } from '../../register-options.js';
import { registerCallerContext } from '../../registerCallerContext.js';
import { ADA, type Agent, type Backend, SAVE_URL, type StartedCall } from './backend.js';
import {
  type CompleteTaskPayload,
  makeTask,
  markCompleted,
  renderNotificationBar,
  renderTaskSlot,
  replaceCompleteTask,
  type StandInTask,
  type StandInTaskFields,
  type TaskSlotResult,
} from './harness.js';
import { loadedFlex } from './load.js';

// ---------------------------------------------------------------------------
// The manager

export interface ManagerStandIn {
  readonly user: { token: string };
  readonly strings: Record<string, string>;
  /** `manager.configuration`, as far as the package reads it (the theme). */
  readonly configuration: { theme?: { isLight?: boolean } };
  readonly store: { getState(): unknown; subscribe(listener: () => void): () => void };
  /** The agent's task list, as `getState().flex.worker.tasks` holds it now. */
  tasks(): ReadonlyMap<string, StandInTask>;
  /** A task joins the agent's list (a reservation was accepted). */
  addTask(task: StandInTask): void;
  /** The task leaves the list (its reservation completed, here or elsewhere). */
  removeTask(task: StandInTask): void;
}

/** Flex's feature flags as its Redux state holds them (`state.flex.featureFlags`, Flex's `FeatureFlagsState`). */
export interface FeatureFlagsStandIn {
  /** What Flex fetched at login, by feature id. */
  features: Record<string, { id: string; enabled: boolean }>;
  /** The configuration's `featureOverrides` and `FeatureFlags.set`, over those. */
  localOverrides: Record<string, { id?: string; enabled?: boolean }>;
}

export interface ManagerOptions {
  /** Features on or off as Flex fetched them, e.g. `{ 'flex-unify-panel': true }`. */
  features?: Record<string, boolean>;
  /** Local overrides of features. */
  featureOverrides?: Record<string, boolean>;
  configuration?: ManagerStandIn['configuration'];
}

export function createManager(
  token: string = ADA.token,
  strings: Record<string, string> = {},
  { features = {}, featureOverrides = {}, configuration = {} }: ManagerOptions = {},
): ManagerStandIn {
  const featureFlags: FeatureFlagsStandIn = {
    features: Object.fromEntries(Object.entries(features).map(([id, enabled]) => [id, { id, enabled }])),
    localOverrides: Object.fromEntries(
      Object.entries(featureOverrides).map(([id, enabled]) => [id, { id, enabled }]),
    ),
  };
  let state = { flex: { worker: { tasks: new Map<string, StandInTask>() }, featureFlags } };
  const listeners = new Set<() => void>();
  const dispatch = (tasks: Map<string, StandInTask>) => {
    state = { flex: { worker: { tasks }, featureFlags } };
    for (const listener of [...listeners]) listener();
  };
  return {
    user: { token },
    strings,
    configuration,
    store: {
      getState: () => state,
      subscribe(listener) {
        listeners.add(listener);
        return () => {
          listeners.delete(listener);
        };
      },
    },
    tasks: () => state.flex.worker.tasks,
    addTask(task) {
      dispatch(new Map([...state.flex.worker.tasks, [task.sid, task]]));
    },
    removeTask(task) {
      const tasks = new Map(state.flex.worker.tasks);
      if (tasks.delete(task.sid)) dispatch(tasks);
    },
  };
}

// ---------------------------------------------------------------------------
// Tasks

/**
 * The agent's task of a call, in wrap-up: in TaskRouter (with the agent's reservation)
 * and in Flex (a stand-in `ITask` whose attributes are TaskRouter's).
 */
export function taskOfCall(
  backend: Backend,
  call: Pick<StartedCall, 'attributes'>,
  { agent = ADA, ...fields }: StandInTaskFields & { agent?: Agent } = {},
): StandInTask {
  const task = makeTask({ status: 'wrapping', taskStatus: 'wrapping', ...fields });
  backend.taskRouter.addTask({
    sid: task.taskSid,
    attributes: call.attributes,
    assignmentStatus: task.status === 'wrapping' ? 'wrapping' : 'assigned',
    reservations: [
      { workerSid: agent.workerSid, status: task.status === 'wrapping' ? 'wrapping' : 'accepted' },
    ],
  });
  followTaskRouter(backend, task);
  return task;
}

/** Makes the task's `attributes` TaskRouter's: read live, written whole (no version check). */
export function followTaskRouter(backend: Backend, task: StandInTask): void {
  let last: Record<string, unknown> = {};
  Object.defineProperty(task, 'attributes', {
    configurable: true,
    enumerable: true,
    get() {
      if (backend.taskRouter.task(task.taskSid) !== undefined)
        last = backend.taskRouter.attributes(task.taskSid);
      return last;
    },
    set(attributes: Record<string, unknown>) {
      backend.taskRouter.write(task.taskSid, () => attributes);
    },
  });
}

// ---------------------------------------------------------------------------
// Registration

const registrations: (() => void)[] = [];

/**
 * After each test: the registrations made with {@link register} are removed (before
 * the harness resets Flex: call it after `useFlexRuntime()`), and `localStorage` is emptied.
 */
export function useAgents(): void {
  afterEach(() => {
    for (const dispose of registrations.splice(0).reverse()) dispose();
    localStorage.clear();
  });
}

/** `registerCallerContext` with the save Function's URL and the options given. */
export function register(
  manager: ManagerStandIn,
  options: Partial<RegisterCallerContextOptions> = {},
): () => void {
  const dispose = registerCallerContext(loadedFlex(), manager, { saveContextUrl: SAVE_URL, ...options });
  registrations.push(dispose);
  return dispose;
}

/** An agent in wrap-up of a call: registered, the task on screen with Flex's NotificationBar. */
export interface WrapUpScene {
  readonly manager: ManagerStandIn;
  readonly dispose: () => void;
  readonly body: CompleteTaskControl;
  readonly call: StartedCall;
  readonly task: StandInTask;
  /** What `onSave` was given. */
  readonly saves: SaveEvent[];
  readonly slot: TaskSlotResult;
}

/** Registers for an agent, starts a call and puts its task in wrap-up on screen. */
export async function inWrapUp(
  backend: Backend,
  {
    agent = ADA,
    options = {},
    strings = {},
    from,
    returning,
  }: {
    agent?: Agent;
    options?: Partial<RegisterCallerContextOptions>;
    strings?: Record<string, string>;
    from?: string;
    returning?: boolean;
  } = {},
): Promise<WrapUpScene> {
  const manager = createManager(agent.token, strings);
  const saves: SaveEvent[] = [];
  const dispose = register(manager, { onSave: (event) => saves.push(event), ...options });
  const body = completeTaskBody(backend, manager);
  const call = await backend.startCall({
    ...(from !== undefined ? { from } : {}),
    ...(returning !== undefined ? { returning } : {}),
  });
  const task = taskOfCall(backend, call, { agent });
  manager.addTask(task);
  renderNotificationBar();
  const slot = renderTaskSlot(loadedFlex().TaskCanvas.Content, task);
  return { manager, dispose, body, call, task, saves, slot };
}

/** What the stand-in `CompleteTask` body does, and how often it ran. */
export interface CompleteTaskControl {
  /** Throw instead (TaskRouter refused the completion). */
  fail: boolean;
  /**
   * When the task leaves the agent's list: `in-body` (Flex's store hears of the
   * completed reservation before the after-listeners run) or `later` (after them).
   * @default 'in-body'
   */
  leave: 'in-body' | 'later';
  /** Called first in each run, with the payload. */
  onRun: ((payload: CompleteTaskPayload) => void) | undefined;
  runs: number;
}

/**
 * Replaces Flex's `CompleteTask` body (through the real `replaceAction`) with one that
 * completes the reservation as Flex's would: the task completed in TaskRouter, the
 * stand-in marked completed, the task gone from the agent's list.
 */
export function completeTaskBody(backend: Backend, manager: ManagerStandIn): CompleteTaskControl {
  const control: CompleteTaskControl = { fail: false, leave: 'in-body', onRun: undefined, runs: 0 };
  replaceCompleteTask((payload: CompleteTaskPayload) => {
    control.runs += 1;
    control.onRun?.(payload);
    if (control.fail) throw new Error('TaskRouter refused the completion');
    backend.taskRouter.setStatus(payload.task.taskSid, 'completed', 'completed');
    markCompleted(payload);
    if (control.leave === 'in-body') manager.removeTask(payload.task);
    else setTimeout(() => manager.removeTask(payload.task), 20);
  });
  return control;
}

/** The task completes without the agent (a supervisor, the REST API, a wrap-up timeout). */
export function completeElsewhere(backend: Backend, manager: ManagerStandIn, task: StandInTask): void {
  backend.taskRouter.setStatus(task.taskSid, 'completed', 'completed');
  task.status = 'completed';
  task.taskStatus = 'completed';
  manager.removeTask(task);
}

/** How an invocation settled. */
export type Outcome = { ok: true } | { ok: false; message: string };

/** The agent clicks Complete: `invokeAction('CompleteTask', { task })`, inside `act`. */
export async function complete(task: StandInTask): Promise<Outcome> {
  let outcome: Outcome = { ok: true };
  await act(async () => {
    try {
      await loadedFlex().Actions.invokeAction('CompleteTask', { task });
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  });
  return outcome;
}

/** Waits (real time, inside `act`) until `condition` holds; throws after about 5 s. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 500 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  });
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

/** Lets `ms` of real time pass inside `act`, to see that nothing more happens. */
export async function pause(ms = 50): Promise<void> {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
  });
}

// ---------------------------------------------------------------------------
// The form

/** The wrap-up form on screen (one). */
export function wrapUpForm(): HTMLElement {
  return screen.getByRole('region', { name: 'Wrap-up' });
}

export const summaryField = () => within(wrapUpForm()).getByLabelText('Summary note') as HTMLTextAreaElement;
export const formStatus = () => within(wrapUpForm()).getByRole('status').textContent;

export const SUMMARY = 'Refund issued to the card';

/** Fills the form as an agent: the caller's open refund request, resolved, a note, a detail. */
export function fillWrapUp({
  summary = SUMMARY,
  details = [['order_id', 'A-1001']],
}: {
  summary?: string;
  details?: readonly (readonly [string, string])[];
} = {}): void {
  const form = within(wrapUpForm());
  fireEvent.click(form.getByRole('radio', { name: /^Refund request/ }));
  fireEvent.click(form.getByRole('radio', { name: 'Resolved' }));
  fireEvent.change(form.getByLabelText('Summary note'), { target: { value: summary } });
  details.forEach(([name, value], index) => {
    fireEvent.click(form.getByRole('button', { name: 'Add a detail' }));
    fireEvent.change(form.getAllByLabelText('Name')[index] as HTMLElement, { target: { value: name } });
    fireEvent.change(form.getAllByLabelText('Value')[index] as HTMLElement, { target: { value } });
  });
}

/** The fields the form above makes, as the save Function gets them. */
export const FILLED = {
  intent: 'refund_request',
  intent_status: 'resolved',
  variables: { order_id: 'A-1001', summary: SUMMARY },
} as const;

/** The draft `localStorage` keeps for a task, if any. */
export function keptDraft(task: StandInTask): unknown {
  const text = localStorage.getItem(`stickycalls.wrapup.${task.taskSid}`);
  return text === null ? null : JSON.parse(text);
}

// ---------------------------------------------------------------------------
// Notifications

/** The notifications Flex shows now, as `[id, taskSid]`. */
export function shown(): [string, unknown][] {
  return loadedFlex().Notifications.activeNotifications.map((notification: Notification) => [
    notification.id,
    (notification.context as { taskSid?: unknown } | undefined)?.taskSid,
  ]);
}

/** The one shown notification `id` of a task; throws unless there is exactly one. */
export function shownFor(id: string, task: StandInTask): Notification {
  const found = loadedFlex().Notifications.activeNotifications.filter(
    (notification: Notification) =>
      notification.id === id &&
      (notification.context as { taskSid?: unknown } | undefined)?.taskSid === task.taskSid,
  );
  if (found.length !== 1) throw new Error(`${found.length} notifications ${id} for ${task.taskSid}`);
  return found[0] as Notification;
}

/**
 * A Testing Library matcher for the element whose whole text is `text`, even when parts of
 * it are elements of their own (a notification isolates the task it names).
 */
export function wholeText(text: string): (content: string, element: Element | null) => boolean {
  return (_content, element) =>
    element?.textContent === text &&
    !Array.from(element.children).some((child) => child.textContent === text);
}
