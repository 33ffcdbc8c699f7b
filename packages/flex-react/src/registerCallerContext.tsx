import type { TierOptions } from '@stickycalls/core';
import * as React from 'react';
import { CallerContextPanel } from './CallerContextPanel.js';
import { callerContextView } from './caller-view.js';
import type { DynamicContentStore, FlexLike, FlexTask, ManagerLike, TaskContextProps } from './flex-types.js';
import { checkOptions, type RegisterCallerContextOptions, type Settings } from './register-options.js';
import { DEFAULT_STRINGS, resolveStrings, type StickyCallsStrings } from './strings.js';
import { WrapUpCapture } from './WrapUpCapture.js';
import { createWrapUpStore, type WrapUpStore } from './wrap-up-draft.js';
import { createWrapUpSaver, isStickyCall } from './wrap-up-saver.js';

const KEYS = {
  panel: 'sticky-calls-panel',
  tab: 'sticky-calls-tab',
  wrapUp: 'sticky-calls-wrap-up',
} as const;

/**
 * Adds the caller context panel and the wrap-up capture to Flex, and saves each
 * wrap-up when the agent completes the task: first merged into the task's attributes
 * (durable whatever happens next), then posted to the save Function with the agent's
 * current token. Call it from your plugin's `init(flex, manager)`; it returns a
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
  const store = createWrapUpStore();

  if (settings.saving) {
    const saver = createWrapUpSaver({ flex, manager, settings, store, strings, options });
    cleanups.push(() => saver.dispose());
    flex.Actions.addListener('beforeCompleteTask', saver.beforeCompleteTask);
    cleanups.push(() => flex.Actions.removeListener('beforeCompleteTask', saver.beforeCompleteTask));
    flex.Actions.addListener('afterCompleteTask', saver.afterCompleteTask);
    cleanups.push(() => flex.Actions.removeListener('afterCompleteTask', saver.afterCompleteTask));
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
    ((task: FlexTask) =>
      task.taskChannelUniqueName === 'voice' || callerContextView(task.attributes).state !== 'absent');
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

function add(
  store: DynamicContentStore,
  element: React.ReactElement,
  key: string,
  options: { sortOrder: number; if: (props: TaskContextProps) => boolean },
): () => void {
  const cleanup = store.add(element, options);
  return typeof cleanup === 'function' ? () => cleanup() : () => store.remove(key);
}
