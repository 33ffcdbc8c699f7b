import { createWrapUpStore, type TierOptions, type WrapUpStore } from '@stickycalls/core';
import * as React from 'react';
import { CallerContextPanel } from './CallerContextPanel.js';
import { callerContextView } from './caller-view.js';
import type { DynamicContentStore, FlexLike, FlexTask, ManagerLike, TaskContextProps } from './flex-types.js';
import { checkOptions, type RegisterCallerContextOptions, type Settings } from './register-options.js';
import { reportUnusableSaveUrl } from './save-url.js';
import { DEFAULT_STRINGS, resolveStrings, type StickyCallsStrings } from './strings.js';
import { type FlexThemeLike, StickyCallsTheme } from './theme.js';
import { tokens as t } from './tokens.js';
import { showsUnifiedProfiles } from './unified-profiles.js';
import { WrapUpCapture } from './WrapUpCapture.js';
import { bindWrapUpToFlex, isStickyCall } from './wrap-up-binding.js';

const KEYS = {
  panel: 'sticky-calls-panel',
  tab: 'sticky-calls-tab',
  profileTab: 'sticky-calls-profile-tab',
  wrapUp: 'sticky-calls-wrap-up',
} as const;

/**
 * The component state of the task canvas's tabs: `SetComponentState` with this name and a
 * `selectedTabName` selects a tab, as Flex's own wrap-up notes select theirs.
 */
const TASK_CANVAS_TABS_STATE = 'AgentTaskCanvasTabs';

/** How many tasks the registration remembers having selected the wrap-up tab for. */
const SELECTED_TASKS_KEPT = 200;

/**
 * Adds the caller context panel and the wrap-up capture to Flex, and saves each
 * wrap-up when the agent completes the task: before completion the save Function
 * stores it on the task (merged server-side, durable whatever happens next); once the
 * completion went ahead it saves it, with the agent's current token. Drafts survive a
 * reload; a task completed without the agent is saved too. The panel goes where this Flex
 * shows it (`placement: 'auto'`: Unified Profiles' tabs when Flex shows them, else the
 * task canvas), and both follow Flex's theme, light or dark. Call it from your plugin's
 * `init(flex, manager)`; it returns a function that removes everything it added. Wrong
 * options throw a `ConfigurationError` naming the option, before anything is added, but for
 * a `saveContextUrl` it cannot use (it comes from the plugin's build): then the panel is
 * added without the wrap-up, the console says why and a Flex notification tells the agent.
 *
 * @example
 * init(flex, manager) {
 *   registerCallerContext(flex, manager, { saveContextUrl: 'https://sticky-calls-1234-dev.twil.io/save-context' });
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

  if (settings.saveContextUrlProblem !== undefined) {
    reportUnusableSaveUrl(flex, settings.saveContextUrlProblem, strings, cleanups);
  }
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
  // The wrap-up capture, shown while a Sticky Calls call is in wrap-up.
  const captureIf = (props: TaskContextProps) =>
    settings.saving && props.task != null && props.task.status === 'wrapping' && isStickyCall(props.task);

  // Once per task: the agent who picks another tab afterwards keeps it.
  const selectedFor = new Set<string>();
  const selectWrapUpTab = (taskSid: string) => {
    if (selectedFor.has(taskSid)) return;
    selectedFor.add(taskSid);
    if (selectedFor.size > SELECTED_TASKS_KEPT)
      selectedFor.delete(selectedFor.values().next().value as string);
    const invoke = flex.Actions.invokeAction;
    if (typeof invoke !== 'function') return;
    try {
      const running = invoke.call(flex.Actions, 'SetComponentState', {
        name: TASK_CANVAS_TABS_STATE,
        state: { selectedTabName: KEYS.tab },
      });
      Promise.resolve(running).catch(() => {
        // Another plugin blocked it: the agent selects the tab.
      });
    } catch {
      // Likewise.
    }
  };

  const view: ViewSettings = {
    strings,
    tiers: options.tiers,
    store,
    settings,
    manager,
    panelIf,
    captureIf,
    selectWrapUpTab,
  };

  // Flex passes the theme to what it adds to a slot; withTheme gives it to a tab's content too.
  const withTheme = runtimeHoc(flex, 'withTheme');
  // Flex gives task props to what it adds to a slot, not to a Tab's children: withTaskContext does.
  const withTaskContext = runtimeHoc(flex, 'withTaskContext');
  const Panel = withTheme(RegisteredPanel);
  const TabContent = withTaskContext(withTheme(RegisteredTab));
  const sortOrder = options.sortOrder ?? (settings.placement === 'CRMContainer' ? -1 : 0);
  const tab = (key: string, wrapUp: boolean) => {
    const Tab = flex.Tab as NonNullable<FlexLike['Tab']>;
    return (
      <Tab key={key} uniqueName={key} label={strings().StickyCallsPanelTitle}>
        <TabContent settings={view} wrapUp={wrapUp} />
      </Tab>
    );
  };

  // The panel.
  switch (settings.placement) {
    case 'TaskCanvasTabs': {
      const inTab = settings.saving && settings.wrapUpStore === undefined;
      cleanups.push(
        add(settings.panelStore, tab(KEYS.tab, inTab), KEYS.tab, {
          sortOrder,
          if: (props) => panelIf(props) || (inTab && captureIf(props)),
        }),
      );
      break;
    }
    case 'ProfileTabs':
      cleanups.push(
        add(settings.panelStore, tab(KEYS.profileTab, false), KEYS.profileTab, { sortOrder, if: panelIf }),
      );
      break;
    case 'auto': {
      // Decided at each render: Flex learns its features at login, and admins change Panel 2's settings.
      const unifiedProfiles = () => showsUnifiedProfiles(flex, manager);
      const profileTabs = settings.profileTabsStore;
      cleanups.push(
        add(settings.panelStore, <Panel key={KEYS.panel} settings={view} />, KEYS.panel, {
          sortOrder,
          if: (props) => panelIf(props) && !(profileTabs !== undefined && unifiedProfiles()),
        }),
      );
      if (profileTabs !== undefined) {
        cleanups.push(
          add(profileTabs, tab(KEYS.profileTab, false), KEYS.profileTab, {
            sortOrder,
            if: (props) => panelIf(props) && unifiedProfiles(),
          }),
        );
      }
      break;
    }
    default:
      cleanups.push(
        add(settings.panelStore, <Panel key={KEYS.panel} settings={view} />, KEYS.panel, {
          sortOrder,
          if: panelIf,
        }),
      );
  }

  if (settings.wrapUpStore !== undefined) {
    const WrapUp = withTheme(RegisteredWrapUp);
    cleanups.push(
      add(settings.wrapUpStore, <WrapUp key={KEYS.wrapUp} settings={view} />, KEYS.wrapUp, {
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
  readonly manager: ManagerLike;
  readonly panelIf: (props: TaskContextProps) => boolean;
  readonly captureIf: (props: TaskContextProps) => boolean;
  /** Selects the panel's tab of the task canvas, once per task. */
  readonly selectWrapUpTab: (taskSid: string) => void;
}

/** Props of the registered components: Flex adds the task and its theme. */
interface RegisteredProps extends TaskContextProps {
  readonly settings: ViewSettings;
  readonly theme?: FlexThemeLike | undefined;
}

type Hoc = <P>(component: React.ComponentType<P>) => React.ComponentType<P>;

/** A higher-order component of the `flex` object (`withTheme`, `withTaskContext`), or none. */
function runtimeHoc(flex: FlexLike, name: 'withTheme' | 'withTaskContext'): Hoc {
  const hoc = (flex as unknown as Record<string, unknown>)[name];
  return typeof hoc === 'function' ? (hoc as Hoc) : (component) => component;
}

/**
 * The theme to follow: Flex's (from its theme provider), else the configuration's
 * `theme.isLight` (outside Flex's provider, `withTheme` gives an empty object).
 */
function themeOf(theme: FlexThemeLike | undefined, manager: ManagerLike): FlexThemeLike {
  if (theme != null && (theme.isLight !== undefined || theme.tokens !== undefined)) return theme;
  return { isLight: manager.configuration?.theme?.isLight };
}

function panelOf(task: TaskContextProps['task'], settings: ViewSettings): React.ReactElement {
  return (
    <CallerContextPanel
      task={task}
      strings={settings.strings()}
      store={settings.store}
      nameVariable={settings.settings.nameVariable}
      {...(settings.tiers ? { tiers: settings.tiers } : {})}
    />
  );
}

/** Keyed by task so one task's draft never shows on another. */
function wrapUpOf(task: TaskContextProps['task'], settings: ViewSettings): React.ReactElement {
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

/** The panel as registered in a slot. */
function RegisteredPanel({ task, theme, settings }: RegisteredProps) {
  return (
    <StickyCallsTheme theme={themeOf(theme, settings.manager)}>{panelOf(task, settings)}</StickyCallsTheme>
  );
}

/** The wrap-up capture as registered in a slot. */
function RegisteredWrapUp({ task, theme, settings }: RegisteredProps) {
  return (
    <StickyCallsTheme theme={themeOf(theme, settings.manager)}>{wrapUpOf(task, settings)}</StickyCallsTheme>
  );
}

/**
 * The content of the panel's tab: the panel, and (in the task canvas's tab) the wrap-up
 * capture, whose tab is selected when the task enters wrap-up.
 */
function RegisteredTab({ task, theme, settings, wrapUp }: RegisteredProps & { readonly wrapUp: boolean }) {
  const capture = wrapUp && settings.captureIf({ task });
  const taskSid = task?.taskSid ?? '';
  const { selectWrapUpTab } = settings;
  // After Flex's own tabs reset their selection on the status change (a passive effect runs after it).
  React.useEffect(() => {
    if (capture && taskSid !== '') selectWrapUpTab(taskSid);
  }, [capture, taskSid, selectWrapUpTab]);
  return (
    <StickyCallsTheme theme={themeOf(theme, settings.manager)}>
      <div style={{ display: 'flex', flexDirection: 'column', gap: t.space40 }}>
        {settings.panelIf({ task }) ? panelOf(task, settings) : null}
        {capture ? wrapUpOf(task, settings) : null}
      </div>
    </StickyCallsTheme>
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
