import {
  ConfigurationError,
  readCallerContext,
  readWrapUp,
  type TierOptions,
  WRAP_UP_ATTRIBUTE_KEY,
  type WrapUp,
} from '@stickycalls/core';
import * as React from 'react';
import { CallerContextPanel } from './CallerContextPanel.js';
import { callerContextView } from './caller-view.js';
import type {
  ActionListener,
  DynamicContentStore,
  FlexLike,
  FlexNotification,
  FlexTask,
  ManagerLike,
  NotificationActionProps,
  TaskContextProps,
  WritableFlexTask,
} from './flex-types.js';
import { type SaveFailureReason, type SaveWrapUpResult, saveWrapUp } from './save-wrap-up.js';
import { DEFAULT_STRINGS, fillTemplate, resolveStrings, type StickyCallsStrings } from './strings.js';
import { WrapUpCapture } from './WrapUpCapture.js';
import {
  attributesOf,
  callIdOf,
  checkWrapUp,
  createWrapUpStore,
  type WrapUpRules,
  type WrapUpStore,
} from './wrap-up-draft.js';

/** Where the panel goes. */
export type PanelPlacement = 'TaskCanvas' | 'TaskInfoPanel' | 'TaskCanvasTabs';

/** Options of the wrap-up capture. */
export interface WrapUpOptions extends WrapUpRules {
  /** Dispositions to pick from; with none, the agent types one. @default [] */
  dispositions?: readonly string[];
  /** Longest summary note, in characters. @default 1000 */
  maxSummaryLength?: number;
  /** Where the capture goes while the task is in wrap-up. @default 'TaskCanvas' */
  placement?: 'TaskCanvas' | 'TaskInfoPanel';
  /** Its position in that slot. @default 1000 (after the panel) */
  sortOrder?: number;
}

/** What a save hook receives. */
export interface SaveEvent {
  readonly taskSid: string;
  readonly callId: string;
  readonly result: SaveWrapUpResult;
  /** Whether the wrap-up is stored on the task (so the server-side safety net can save it). */
  readonly storedOnTask: boolean;
}

/** Options of {@link registerCallerContext}. */
export interface RegisterCallerContextOptions {
  /** URL of the save Function (`createSaveContextHandler`), e.g. `https://<service>.twil.io/save-context`. */
  saveContextUrl: string;
  /** Where the panel goes: the task canvas, the task info panel, or a tab of its own. @default 'TaskCanvas' */
  placement?: PanelPlacement;
  /** The panel's position in its slot. @default 0 */
  sortOrder?: number;
  /**
   * Which tasks show the panel.
   * @default tasks with caller context, and voice tasks
   */
  showPanel?: (task: FlexTask) => boolean;
  /** Identity thresholds for the tier. @default reuse ≥ 0.5, confirm ≥ 0.3, the API's recommendation first */
  tiers?: TierOptions;
  /** String overrides; `manager.strings` is read too (these win). @default English */
  strings?: Partial<StickyCallsStrings>;
  /** The wrap-up capture, or `false` to leave wrap-up (and saving) to you. @default {} */
  wrapUp?: WrapUpOptions | false;
  /**
   * Longest time completing a task waits for the wrap-up to be stored and saved. When
   * it runs out the task completes and the save goes on; a failure is then notified.
   * @default 5000
   */
  completionTimeoutMs?: number;
  /** Time for a save started from the notification's Retry action. @default 8000 */
  retryTimeoutMs?: number;
  /** The fetch to post with. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Called after each save (or failed save), for your telemetry. Never given the token. */
  onSave?: (event: SaveEvent) => void;
}

const KEYS = {
  panel: 'sticky-calls-panel',
  tab: 'sticky-calls-tab',
  wrapUp: 'sticky-calls-wrap-up',
} as const;

/** Notification ids this package registers. */
export const NOTIFICATION_IDS = {
  invalid: 'StickyCallsWrapUpInvalid',
  saveFailed: 'StickyCallsWrapUpSaveFailed',
  notStored: 'StickyCallsWrapUpNotStored',
  saved: 'StickyCallsWrapUpSaved',
} as const;

const ATTRIBUTE_WRITE_TIMEOUT_MS = 2000;

/**
 * Adds the caller context panel and the wrap-up capture to Flex, and saves each
 * wrap-up when the agent completes the task: first merged into the task's attributes
 * (durable whatever happens next), then posted to the save Function with the agent's
 * current token. Call it from your plugin's `init(flex, manager)`; it returns a
 * function that removes everything it added.
 *
 * @example
 * init(flex, manager) {
 *   registerCallerContext(flex, manager, { saveContextUrl: 'https://my-service-1234.twil.io/save-context' });
 * }
 */
export function registerCallerContext(
  flex: FlexLike,
  manager: ManagerLike,
  options: RegisterCallerContextOptions,
): () => void {
  const settings = checkOptions(flex, manager, options);
  const cleanups: (() => void)[] = [];
  const store = createWrapUpStore();
  const pending = new Map<
    string,
    { task: WritableFlexTask; wrapUp: WrapUp; endCall: Readonly<Record<string, unknown>>; stored: boolean }
  >();
  let disposed = false;

  // Strings: our defaults join manager.strings where unset, so admins see and override them there.
  const managerStrings = manager.strings as Record<string, unknown> | undefined;
  const added: string[] = [];
  if (managerStrings !== undefined) {
    for (const [key, value] of Object.entries(DEFAULT_STRINGS)) {
      if (managerStrings[key] === undefined) {
        managerStrings[key] = value;
        added.push(key);
      }
    }
    cleanups.push(() => {
      for (const key of added)
        if (managerStrings[key] === DEFAULT_STRINGS[key as keyof typeof DEFAULT_STRINGS])
          delete managerStrings[key];
    });
  }
  const strings = (): StickyCallsStrings => resolveStrings(manager.strings, options.strings);

  // The panel.
  const showPanel =
    options.showPanel ??
    ((task: FlexTask) =>
      task.taskChannelUniqueName === 'voice' || callerContextView(task.attributes).state !== 'absent');
  const view: ViewSettings = {
    strings,
    tiers: options.tiers,
    store,
    wrapUp: settings.wrapUp === false ? {} : settings.wrapUp,
  };
  const panelIf = (props: TaskContextProps) =>
    props.task != null && safely(() => showPanel(props.task as FlexTask), false);
  if (settings.placement === 'TaskCanvasTabs') {
    const Tab = flex.Tab as NonNullable<FlexLike['Tab']>;
    const TabPanel = flex.withTaskContext ? flex.withTaskContext(RegisteredPanel) : RegisteredPanel;
    cleanups.push(
      add(
        settings.panelStore,
        <Tab key={KEYS.tab} uniqueName={KEYS.tab} label={strings().StickyCallsPanelTitle}>
          <TabPanel settings={view} />
        </Tab>,
        KEYS.tab,
        { sortOrder: options.sortOrder ?? 0, if: panelIf },
      ),
    );
  } else {
    cleanups.push(
      add(settings.panelStore, <RegisteredPanel key={KEYS.panel} settings={view} />, KEYS.panel, {
        sortOrder: options.sortOrder ?? 0,
        if: panelIf,
      }),
    );
  }

  // The wrap-up capture and the save.
  if (settings.wrapUp !== false) {
    const wrapUp = settings.wrapUp;
    const captureIf = (props: TaskContextProps) =>
      props.task != null && props.task.status === 'wrapping' && isStickyCall(props.task);
    cleanups.push(
      add(settings.wrapUpStore, <RegisteredWrapUp key={KEYS.wrapUp} settings={view} />, KEYS.wrapUp, {
        sortOrder: wrapUp.sortOrder ?? 1000,
        if: captureIf,
      }),
    );

    const notifications = flex.Notifications;
    const type = flex.NotificationType ?? { error: 'error', warning: 'warning', success: 'success' };
    const Action: React.ComponentType<NotificationActionProps> = flex.NotificationBar?.Action ?? ActionButton;
    const register = (notification: FlexNotification) => {
      notifications.registerNotification(notification);
      cleanups.push(() => {
        notifications.dismissNotificationById(notification.id);
        notifications.registeredNotifications?.delete(notification.id);
      });
    };
    register({
      id: NOTIFICATION_IDS.invalid,
      type: type.warning,
      content: <NotificationText strings={strings} template="StickyCallsNotifyInvalid" />,
      timeout: 8000,
    });
    register({
      id: NOTIFICATION_IDS.notStored,
      type: type.error,
      content: <NotificationText strings={strings} template="StickyCallsNotifyNotStored" />,
      timeout: 0,
    });
    register({
      id: NOTIFICATION_IDS.saved,
      type: type.success,
      content: <NotificationText strings={strings} template="StickyCallsNotifySaved" />,
      timeout: 4000,
    });
    register({
      id: NOTIFICATION_IDS.saveFailed,
      type: type.error,
      content: <NotificationText strings={strings} template="StickyCallsNotifySaveFailed" />,
      timeout: 0,
      closeButton: true,
      actions: [
        <Action
          key="retry"
          label={strings().StickyCallsRetry}
          onClick={(_event, notification) => {
            const taskSid = notification?.context?.taskSid;
            if (typeof taskSid === 'string') void retry(taskSid);
          }}
        />,
      ],
    });
    const notify = (id: string, context: Record<string, unknown> = {}) => {
      if (!disposed) safely(() => notifications.showNotification(id, context), undefined);
    };

    const report = (
      task: WritableFlexTask,
      taskSid: string,
      result: SaveWrapUpResult,
      storedOnTask: boolean,
    ) => {
      const callId = callIdOf(task) ?? '';
      safely(() => options.onSave?.({ taskSid, callId, result, storedOnTask }), undefined);
      if (!result.ok)
        console.warn(
          `[sticky-calls] wrap-up for task ${taskSid} not saved: ${result.reason} (${result.attempts} attempts)`,
        );
    };

    const handle = async (
      task: WritableFlexTask,
      abort: (() => void) | undefined,
      deadline: number,
      released: () => boolean,
    ) => {
      const taskSid = task.taskSid ?? task.sid ?? '';
      const existing = readWrapUp(task.attributes);
      if (existing.state === 'ready' && existing.wrapUp.saved === true) return;
      const checked = checkWrapUp(task, store.get(taskSid).draft, strings(), wrapUp);
      if (!checked.ok) {
        store.set(taskSid, { issues: checked.issues, phase: 'editing' });
        abort?.();
        notify(NOTIFICATION_IDS.invalid, { taskSid });
        return;
      }
      store.set(taskSid, { issues: [], phase: 'saving' });
      const storedOnTask = await mergeWrapUp(task, checked.wrapUp);
      if (checked.endCall === null) {
        // Nothing names the caller (no customer, withheld number): the API cannot take it,
        // so the task's attributes are its only home.
        if (storedOnTask) {
          console.warn(
            `[sticky-calls] wrap-up for task ${taskSid} kept on the task only: the caller is unknown`,
          );
          store.set(taskSid, { phase: 'stored' });
        } else if (!released()) {
          store.set(taskSid, { phase: 'editing' });
          abort?.();
          notify(NOTIFICATION_IDS.notStored, { taskSid, reason: 'not stored on the task' });
        } else {
          console.warn(
            `[sticky-calls] wrap-up for task ${taskSid} lost: the caller is unknown and the task could not be updated`,
          );
          store.set(taskSid, { phase: 'editing' });
        }
        return;
      }
      const result = await saveWrapUp({
        url: settings.url,
        body: checked.endCall,
        taskSid: task.taskSid,
        getToken: () => manager.user.token,
        deadlineMs: Math.max(500, deadline - Date.now() - 100),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      report(task, taskSid, result, storedOnTask);
      if (result.ok) {
        store.set(taskSid, { phase: 'saved' });
        void mergeWrapUp(task, { ...checked.wrapUp, saved: true });
        return;
      }
      if (!storedOnTask && !released()) {
        // Neither saved nor stored: completing now would lose it. Keep the task open.
        // (Once completion has gone ahead at the deadline, abort can no longer do that.)
        store.set(taskSid, { phase: 'editing' });
        abort?.();
        notify(NOTIFICATION_IDS.notStored, { taskSid, reason: reasonText(result.reason) });
        return;
      }
      store.set(taskSid, { phase: 'failed' });
      pending.set(taskSid, { task, wrapUp: checked.wrapUp, endCall: checked.endCall, stored: storedOnTask });
      notify(NOTIFICATION_IDS.saveFailed, {
        taskSid,
        reason: reasonText(result.reason),
        stored: storedOnTask,
      });
    };

    const retry = async (taskSid: string) => {
      const entry = pending.get(taskSid);
      if (entry === undefined) return;
      notifications.dismissNotificationById(NOTIFICATION_IDS.saveFailed);
      store.set(taskSid, { phase: 'saving' });
      const result = await saveWrapUp({
        url: settings.url,
        body: entry.endCall,
        taskSid: entry.task.taskSid,
        getToken: () => manager.user.token,
        deadlineMs: settings.retryTimeoutMs,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      report(entry.task, taskSid, result, true);
      if (result.ok) {
        pending.delete(taskSid);
        store.set(taskSid, { phase: 'saved' });
        // The task may be completed by now; the safety net then sees an end already saved.
        void mergeWrapUp(entry.task, { ...entry.wrapUp, saved: true });
        notify(NOTIFICATION_IDS.saved, { taskSid });
      } else {
        store.set(taskSid, { phase: 'failed' });
        notify(NOTIFICATION_IDS.saveFailed, {
          taskSid,
          reason: reasonText(result.reason),
          stored: entry.stored,
        });
      }
    };

    const beforeCompleteTask: ActionListener = (
      payload: { task?: WritableFlexTask } | undefined,
      abort?: () => void,
    ) => {
      const task = payload?.task;
      if (task == null || !isStickyCall(task)) return undefined;
      const deadline = Date.now() + settings.completionTimeoutMs;
      let released = false;
      const work = handle(
        task,
        typeof abort === 'function' ? abort : undefined,
        deadline,
        () => released,
      ).catch((error: unknown) => {
        console.warn(
          `[sticky-calls] wrap-up failed unexpectedly: ${error instanceof Error ? error.name : 'error'}`,
        );
      });
      // Completion never waits past the deadline; the save goes on behind it.
      return Promise.race([
        work,
        delay(settings.completionTimeoutMs).then(() => {
          released = true;
        }),
      ]);
    };
    flex.Actions.addListener('beforeCompleteTask', beforeCompleteTask);
    cleanups.push(() => flex.Actions.removeListener('beforeCompleteTask', beforeCompleteTask));
  }

  return () => {
    if (disposed) return;
    disposed = true;
    for (const cleanup of cleanups.reverse()) safely(cleanup, undefined);
    pending.clear();
  };
}

/** What the registered components need from the registration. */
interface ViewSettings {
  readonly strings: () => StickyCallsStrings;
  readonly tiers: TierOptions | undefined;
  readonly store: WrapUpStore;
  readonly wrapUp: WrapUpOptions;
}

/** The panel as registered: Flex adds the task-context props. */
function RegisteredPanel({ task, settings }: TaskContextProps & { settings: ViewSettings }) {
  return (
    <CallerContextPanel
      task={task}
      strings={settings.strings()}
      {...(settings.tiers ? { tiers: settings.tiers } : {})}
    />
  );
}

/** The wrap-up capture as registered. */
function RegisteredWrapUp({ task, settings }: TaskContextProps & { settings: ViewSettings }) {
  const { wrapUp } = settings;
  return (
    <WrapUpCapture
      task={task}
      store={settings.store}
      strings={settings.strings()}
      dispositions={wrapUp.dispositions ?? []}
      requireIntent={wrapUp.requireIntent !== false}
      maxSummaryLength={wrapUp.maxSummaryLength ?? 1000}
      {...(settings.tiers ? { tiers: settings.tiers } : {})}
    />
  );
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
  const context = notificationContext as { reason?: unknown; stored?: unknown } | undefined;
  const reason = typeof context?.reason === 'string' ? context.reason : '';
  // A save that failed after the task's update also failed: the wrap-up is only in this browser.
  const key =
    template === 'StickyCallsNotifySaveFailed' && context?.stored === false
      ? 'StickyCallsNotifySaveFailedUnstored'
      : template;
  return <>{fillTemplate(strings()[key], { reason })}</>;
}

/** A call task that went through Sticky Calls at call start: it has a `call_sid` and caller context (any state). */
function isStickyCall(task: FlexTask): boolean {
  return callIdOf(task) !== undefined && readCallerContext(task.attributes).state !== 'absent';
}

/** Merges the wrap-up into the task's current attributes; `setAttributes` replaces the whole object. */
async function mergeWrapUp(task: WritableFlexTask, wrapUp: WrapUp): Promise<boolean> {
  try {
    const current = attributesOf(task) ?? {};
    await Promise.race([
      task.setAttributes({ ...current, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
      delay(ATTRIBUTE_WRITE_TIMEOUT_MS).then(() => {
        throw new Error('timed out');
      }),
    ]);
    return true;
  } catch {
    console.warn('[sticky-calls] the wrap-up could not be stored on the task');
    return false;
  }
}

function reasonText(reason: SaveFailureReason): string {
  return reason.replace(/_/g, ' ');
}

function add(
  store: DynamicContentStore,
  element: React.ReactElement,
  key: string,
  options: { sortOrder: number; if: (props: TaskContextProps) => boolean },
): () => void {
  const cleanup = store.add(element, options);
  return typeof cleanup === 'function' ? () => cleanup() : () => store.remove(key);
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

function safely<T>(run: () => T, fallback: T): T {
  try {
    return run();
  } catch {
    return fallback;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Settings {
  url: string;
  placement: PanelPlacement;
  panelStore: DynamicContentStore;
  wrapUpStore: DynamicContentStore;
  wrapUp: WrapUpOptions | false;
  completionTimeoutMs: number;
  retryTimeoutMs: number;
}

function checkOptions(flex: FlexLike, manager: ManagerLike, options: RegisterCallerContextOptions): Settings {
  const fail = (message: string): never => {
    throw new ConfigurationError(`registerCallerContext: ${message}`);
  };
  if (typeof flex !== 'object' || flex === null) fail('pass the `flex` object your plugin’s init receives');
  if (typeof manager !== 'object' || manager === null) fail('pass the `manager` your plugin’s init receives');
  if (typeof options !== 'object' || options === null) fail('pass options with saveContextUrl');
  const wrapUp = options.wrapUp === undefined ? {} : options.wrapUp;
  const url = typeof options.saveContextUrl === 'string' ? options.saveContextUrl.trim() : '';
  if (wrapUp !== false) {
    if (url === '') fail('saveContextUrl is required: the URL of your save-context Function');
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      fail('saveContextUrl is not a URL: give the full https:// address of your save-context Function');
    }
    const local = parsed?.hostname === 'localhost' || parsed?.hostname === '127.0.0.1';
    if (parsed?.protocol !== 'https:' && !(local && parsed?.protocol === 'http:')) {
      fail(
        'saveContextUrl must be https:// (the agent’s token is sent to it); http:// is allowed for localhost only',
      );
    }
  }
  const placement = options.placement ?? 'TaskCanvas';
  const slot = (name: string): DynamicContentStore | undefined =>
    (flex as unknown as Record<string, { Content?: DynamicContentStore } | undefined>)[name]?.Content;
  const panelStore = slot(placement);
  if (!['TaskCanvas', 'TaskInfoPanel', 'TaskCanvasTabs'].includes(placement) || panelStore === undefined) {
    fail(
      `placement "${String(placement)}" is not one of TaskCanvas, TaskInfoPanel, TaskCanvasTabs in this Flex`,
    );
  }
  if (placement === 'TaskCanvasTabs' && typeof flex.Tab !== 'function')
    fail('placement TaskCanvasTabs needs flex.Tab');
  const wrapUpPlacement = wrapUp === false ? 'TaskCanvas' : (wrapUp.placement ?? 'TaskCanvas');
  const wrapUpStore = ['TaskCanvas', 'TaskInfoPanel'].includes(wrapUpPlacement)
    ? slot(wrapUpPlacement)
    : undefined;
  if (wrapUp !== false && wrapUpStore === undefined)
    fail(`wrapUp.placement "${wrapUpPlacement}" is not one of TaskCanvas, TaskInfoPanel in this Flex`);
  const time = (name: string, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 500 || value > 60_000) {
      fail(`${name} must be a number of milliseconds between 500 and 60000`);
    }
    return value;
  };
  return {
    url,
    placement,
    panelStore: panelStore as DynamicContentStore,
    wrapUpStore: (wrapUpStore ?? panelStore) as DynamicContentStore,
    wrapUp,
    completionTimeoutMs: time('completionTimeoutMs', options.completionTimeoutMs, 5000),
    retryTimeoutMs: time('retryTimeoutMs', options.retryTimeoutMs, 8000),
  };
}
