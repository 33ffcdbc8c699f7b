import { createWrapUpStore, type TierOptions, type WrapUpStore } from '@stickycalls/core';
import * as React from 'react';
import { CallerContextPanel } from './CallerContextPanel.js';
import { callerContextView } from './caller-view.js';
import type { DynamicContentStore, FlexLike, FlexTask, ManagerLike, TaskContextProps } from './flex-types.js';
import { checkOptions, type RegisterCallerContextOptions, type Settings } from './register-options.js';
import { DEFAULT_STRINGS, resolveStrings, type StickyCallsStrings } from './strings.js';
import { WrapUpCapture } from './WrapUpCapture.js';
import { bindWrapUpToFlex, isStickyCall } from './wrap-up-binding.js';

const KEYS = {
  panel: 'sticky-calls-panel',
  tab: 'sticky-calls-tab',
  wrapUp: 'sticky-calls-wrap-up',
} as const;

/**
 * Adds the caller context panel and the wrap-up capture to Flex, and saves each
 * wrap-up when the agent completes the task: before completion the save Function
 * stores it on the task (merged server-side, durable whatever happens next); once the
 * completion went ahead it saves it, with the agent's current token. Drafts survive a
 * reload; a task completed without the agent is saved too. Call it from your plugin's `init(flex, manager)`; it returns a
 * function that removes everything it added. Wrong options throw a
 * `ConfigurationError` naming the option, before anything is added.
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
  const dispose = () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        cleanup();
      } catch {
        // One failing removal must not keep the others from running.
      }
    }
  };
  try {
    register(flex, manager, options, settings, cleanups);
  } catch (error) {
    // Half a registration is worse than none: take back what was added, then report.
    dispose();
    throw error;
  }
  return dispose;
}

function register(
  flex: FlexLike,
  manager: ManagerLike,
  options: RegisterCallerContextOptions,
  settings: Settings,
  cleanups: (() => void)[],
): void {
  const strings = (): StickyCallsStrings => resolveStrings(manager.strings, options.strings);
  let store: WrapUpStore = createWrapUpStore();

  if (settings.saving) {
    const wrapUp = bindWrapUpToFlex({ flex, manager, settings, strings, options });
    cleanups.push(() => wrapUp.dispose());
    store = wrapUp.store;
    flex.Actions.addListener('beforeCompleteTask', wrapUp.beforeCompleteTask);
    cleanups.push(() => flex.Actions.removeListener('beforeCompleteTask', wrapUp.beforeCompleteTask));
    flex.Actions.addListener('afterCompleteTask', wrapUp.afterCompleteTask);
    cleanups.push(() => flex.Actions.removeListener('afterCompleteTask', wrapUp.afterCompleteTask));
  }

  // Strings: our defaults join manager.strings where unset, so admins see and override them there.
  const managerStrings = manager.strings as Record<string, unknown> | undefined;
  if (managerStrings !== undefined) {
    const added: string[] = [];
    for (const [key, value] of Object.entries(DEFAULT_STRINGS)) {
      if (managerStrings[key] === undefined) {
        managerStrings[key] = value;
        added.push(key);
      }
    }
    cleanups.push(() => {
      for (const key of added) {
        if (managerStrings[key] === DEFAULT_STRINGS[key as keyof typeof DEFAULT_STRINGS])
          delete managerStrings[key];
      }
    });
  }

  const view: ViewSettings = { strings, tiers: options.tiers, store, settings };

  // The panel.
  const showPanel =
    options.showPanel ??
    ((task: FlexTask) => isCallTask(flex, task) || callerContextView(task.attributes).state !== 'absent');
  const panelIf = (props: TaskContextProps) => {
    if (props.task == null) return false;
    try {
      return showPanel(props.task) === true;
    } catch {
      return false;
    }
  };
  if (settings.placement === 'TaskCanvasTabs') {
    const Tab = flex.Tab as NonNullable<FlexLike['Tab']>;
    // Flex gives task props to what it adds to a slot, not to a Tab's children: withTaskContext does.
    const withTaskContext = (flex as { withTaskContext?: unknown }).withTaskContext;
    const TabPanel =
      typeof withTaskContext === 'function'
        ? (withTaskContext as (component: typeof RegisteredPanel) => typeof RegisteredPanel)(RegisteredPanel)
        : RegisteredPanel;
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

  // The wrap-up capture, shown while a Sticky Calls call is in wrap-up.
  if (settings.saving) {
    const captureIf = (props: TaskContextProps) =>
      props.task != null && props.task.status === 'wrapping' && isStickyCall(props.task);
    cleanups.push(
      add(settings.wrapUpStore, <RegisteredWrapUp key={KEYS.wrapUp} settings={view} />, KEYS.wrapUp, {
        sortOrder: settings.wrapUp.sortOrder,
        if: captureIf,
      }),
    );
  }
}

/** What the registered components need from the registration. */
interface ViewSettings {
  readonly strings: () => StickyCallsStrings;
  readonly tiers: TierOptions | undefined;
  readonly store: WrapUpStore;
  readonly settings: Settings;
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

/** The wrap-up capture as registered; keyed by task so one task's draft never shows on another. */
function RegisteredWrapUp({ task, settings }: TaskContextProps & { settings: ViewSettings }) {
  const { wrapUp } = settings.settings;
  return (
    <WrapUpCapture
      key={task?.taskSid ?? task?.sid ?? ''}
      task={task}
      store={settings.store}
      strings={settings.strings()}
      dispositions={wrapUp.dispositions}
      requireIntent={wrapUp.requireIntent !== false}
      maxSummaryLength={wrapUp.maxSummaryLength}
      {...(settings.tiers ? { tiers: settings.tiers } : {})}
    />
  );
}

/** Whether Flex counts the task as a call (by its channel's capability; a custom voice channel too). */
function isCallTask(flex: FlexLike, task: FlexTask): boolean {
  const helper = flex.TaskHelper?.isCallTask;
  if (typeof helper === 'function') {
    try {
      return (helper as (task: FlexTask) => boolean).call(flex.TaskHelper, task) === true;
    } catch {
      // A stand-in task Flex's helper cannot read: fall back to the channel's name.
    }
  }
  return task.taskChannelUniqueName === 'voice';
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
