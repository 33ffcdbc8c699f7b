/**
 * The options of `registerCallerContext`, and their check: every mistake in the code is a
 * `ConfigurationError` naming the option, thrown before anything is added to Flex. The
 * save URL is the exception: it comes from the plugin's build (an admin's `.env`), so a
 * URL it cannot use is reported in `Settings` and the registration goes on without saving.
 */
import {
  ConfigurationError,
  type PostWrapUpResult,
  type TierOptions,
  WRAP_UP_LIMITS,
  type WrapUpRules,
} from '@stickycalls/core';
import type { DynamicContentStore, FlexLike, FlexTask, ManagerLike } from './flex-types.js';
import { checkSaveContextUrl } from './save-url.js';
import type { StickyCallsStrings } from './strings.js';

/**
 * Where the panel goes:
 * - `auto`: a tab of the Unified Profiles panel (`ProfileTabs`) when this Flex shows it,
 *   else the task canvas; decided at each render, from Flex's `flex-unify-panel` feature
 *   and `AgentDesktopView`'s Panel 2 settings;
 * - `TaskCanvas`, `TaskInfoPanel`: those slots;
 * - `TaskCanvasTabs`: a tab of its own beside the call, holding the wrap-up form too;
 * - `CRMContainer`: the CRM container (Panel 2, or the CRM tab of Unified Profiles);
 * - `ProfileTabs`: a tab of its own in Unified Profiles (`UnifiedProfilesContainer.ProfileTabs`).
 */
export type PanelPlacement =
  | 'auto'
  | 'TaskCanvas'
  | 'TaskInfoPanel'
  | 'TaskCanvasTabs'
  | 'CRMContainer'
  | 'ProfileTabs';

const PLACEMENTS: readonly PanelPlacement[] = [
  'auto',
  'TaskCanvas',
  'TaskInfoPanel',
  'TaskCanvasTabs',
  'CRMContainer',
  'ProfileTabs',
];

/** Options of the wrap-up capture. */
export interface WrapUpOptions extends WrapUpRules {
  /** Whether completing needs an intent. @default true */
  requireIntent?: boolean;
  /** Dispositions to pick from; with none, the agent types one. @default [] */
  dispositions?: readonly string[];
  /** Longest summary note, in characters, up to a variable value's limit (1,000). @default 1000 */
  maxSummaryLength?: number;
  /**
   * Where the capture goes while the task is in wrap-up.
   * @default the panel's tab with `placement: 'TaskCanvasTabs'` (selected when the task enters wrap-up), else 'TaskCanvas'
   */
  placement?: 'TaskCanvas' | 'TaskInfoPanel';
  /** Its position in that slot. @default 1000 (after the panel) */
  sortOrder?: number;
}

/** What a save hook receives. */
export interface SaveEvent {
  readonly taskSid: string;
  /** The save Function's answer, read; never the token. */
  readonly result: PostWrapUpResult;
}

/** Options of `registerCallerContext`. */
export interface RegisterCallerContextOptions {
  /**
   * URL of the save Function (`createSaveContextHandler`), e.g. `https://sticky-calls-1234-dev.twil.io/save-context`:
   * `https://` with a path (`http://` for localhost only). One it cannot use does not throw: the
   * panel is added without the wrap-up, with a console error and a notification to the agent.
   * `undefined` is taken as empty: a build variable that was not set.
   */
  saveContextUrl: string | undefined;
  /** Where the panel goes (see {@link PanelPlacement}). @default 'auto' */
  placement?: PanelPlacement;
  /** The panel's position in its slot. @default 0 (-1 in the CRM container: before Flex's own content) */
  sortOrder?: number;
  /** The stored variable that holds the caller's name, shown first in the panel. @default 'name' */
  nameVariable?: string;
  /**
   * Which tasks show the panel.
   * @default tasks with caller context, and call tasks as Flex decides (`TaskHelper.isCallTask`, custom voice channels included)
   */
  showPanel?: (task: FlexTask) => boolean;
  /** Identity thresholds for the tier. @default reuse ≥ 0.5, confirm ≥ 0.3, the API's recommendation first */
  tiers?: TierOptions;
  /** String overrides; `manager.strings` is read too (these win). @default English */
  strings?: Partial<StickyCallsStrings>;
  /** The wrap-up capture, or `false` to leave wrap-up (and saving) to you. @default {} */
  wrapUp?: WrapUpOptions | false;
  /**
   * Longest time completing a task waits for the wrap-up to be stored on the task, from
   * 500 to 10000. When it could not be stored, the task stays open (a second Complete
   * while the save Function is unreachable lets it through, the wrap-up kept in the
   * browser until it is saved).
   * @default 5000
   */
  completionTimeoutMs?: number;
  /** Time for a save after completion or from the notification's Retry action, 500 to 60000. @default 8000 */
  retryTimeoutMs?: number;
  /** The fetch to post with. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Called after each save (or failed save), for your telemetry. Never given the token. */
  onSave?: (event: SaveEvent) => void;
}

/** The checked options. */
export interface Settings {
  readonly url: string;
  readonly placement: PanelPlacement;
  /** The panel's slot (the task canvas for `auto`). */
  readonly panelStore: DynamicContentStore;
  /** Unified Profiles' tabs, for `auto` (when this Flex has them) and `ProfileTabs`. */
  readonly profileTabsStore: DynamicContentStore | undefined;
  /** The capture's slot; `undefined`: in the panel's tab. */
  readonly wrapUpStore: DynamicContentStore | undefined;
  readonly nameVariable: string;
  readonly wrapUp: Required<Pick<WrapUpOptions, 'dispositions' | 'maxSummaryLength' | 'sortOrder'>> &
    WrapUpOptions;
  /** Whether wrap-ups are captured and saved: asked for, with a save URL it can use. */
  readonly saving: boolean;
  /** Why the save URL cannot be used (`checkSaveContextUrl`), when wrap-ups were asked for. */
  readonly saveContextUrlProblem: string | undefined;
  readonly completionTimeoutMs: number;
  readonly retryTimeoutMs: number;
}

/** Checks the arguments of `registerCallerContext`; throws a `ConfigurationError` naming what is wrong. */
export function checkOptions(
  flex: FlexLike,
  manager: ManagerLike,
  options: RegisterCallerContextOptions,
): Settings {
  const fail = (message: string): never => {
    throw new ConfigurationError(`registerCallerContext: ${message}`);
  };
  if (typeof flex !== 'object' || flex === null) fail('pass the `flex` object your plugin’s init receives');
  if (typeof manager !== 'object' || manager === null) fail('pass the `manager` your plugin’s init receives');
  if (typeof options !== 'object' || options === null) fail('pass options with saveContextUrl');
  if (options.wrapUp !== false && typeof flex.Actions?.addListener !== 'function') {
    fail('flex.Actions is missing: pass the `flex` from init');
  }
  if (options.wrapUp !== false && typeof flex.Notifications?.registerNotification !== 'function') {
    fail('flex.Notifications is missing: pass the `flex` from init');
  }
  for (const name of ['showPanel', 'fetch', 'onSave'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      fail(`${name} must be a function`);
  }
  if (options.strings !== undefined && (typeof options.strings !== 'object' || options.strings === null)) {
    fail('strings must be an object of string overrides');
  }

  const rawWrapUp: unknown = options.wrapUp === undefined ? {} : options.wrapUp;
  if (
    rawWrapUp !== false &&
    (typeof rawWrapUp !== 'object' || rawWrapUp === null || Array.isArray(rawWrapUp))
  ) {
    fail('wrapUp must be an object of options, or false');
  }
  const wantsWrapUp = rawWrapUp !== false;
  const wrapUp = (wantsWrapUp ? rawWrapUp : {}) as WrapUpOptions;
  const dispositions = wrapUp.dispositions ?? [];
  if (!Array.isArray(dispositions) || dispositions.some((d) => typeof d !== 'string' || d.trim() === '')) {
    fail('wrapUp.dispositions must be an array of non-empty strings');
  }
  const maxSummaryLength = wrapUp.maxSummaryLength ?? 1000;
  // No longer than a variable's value may be: a longer note could be typed but never saved.
  if (
    !Number.isInteger(maxSummaryLength) ||
    maxSummaryLength < 1 ||
    maxSummaryLength > WRAP_UP_LIMITS.variableValueLength
  ) {
    fail(`wrapUp.maxSummaryLength must be a whole number from 1 to ${WRAP_UP_LIMITS.variableValueLength}`);
  }
  const sortOrder = wrapUp.sortOrder ?? 1000;
  if (typeof sortOrder !== 'number' || !Number.isFinite(sortOrder)) fail('wrapUp.sortOrder must be a number');
  if (
    options.sortOrder !== undefined &&
    (typeof options.sortOrder !== 'number' || !Number.isFinite(options.sortOrder))
  ) {
    fail('sortOrder must be a number');
  }

  // A value of another type is a mistake in the code; a string (or nothing) comes from the build.
  const rawUrl: unknown = options.saveContextUrl;
  if (wantsWrapUp && rawUrl !== undefined && typeof rawUrl !== 'string') {
    fail('saveContextUrl must be a string: the URL of your save-context Function');
  }
  const url = typeof rawUrl === 'string' ? rawUrl.trim() : '';
  const saveContextUrlProblem = wantsWrapUp ? checkSaveContextUrl(rawUrl) : undefined;
  const saving = wantsWrapUp && saveContextUrlProblem === undefined;

  const nameVariable = options.nameVariable ?? 'name';
  if (typeof nameVariable !== 'string' || nameVariable.trim() === '') {
    fail('nameVariable must be a non-empty string: the stored variable that holds the caller’s name');
  }

  const placement = options.placement ?? 'auto';
  const slot = (name: string): DynamicContentStore | undefined =>
    (flex as unknown as Record<string, { Content?: DynamicContentStore } | undefined>)[name]?.Content;
  const profileTabsStore = (
    flex as unknown as { UnifiedProfilesContainer?: { ProfileTabs?: { Content?: DynamicContentStore } } }
  ).UnifiedProfilesContainer?.ProfileTabs?.Content;
  const known = (PLACEMENTS as readonly unknown[]).includes(placement);
  const panelStore = !known
    ? undefined
    : placement === 'auto'
      ? slot('TaskCanvas')
      : placement === 'ProfileTabs'
        ? profileTabsStore
        : slot(placement);
  if (panelStore === undefined) {
    fail(`placement "${String(placement)}" is not one of ${PLACEMENTS.join(', ')} in this Flex`);
  }
  const tabbed = placement === 'TaskCanvasTabs' || placement === 'ProfileTabs';
  const canTab = typeof flex.Tab === 'function';
  if (tabbed && !canTab) fail(`placement ${placement} needs flex.Tab`);
  // In a tab of the task canvas, the form shares the panel's tab unless told otherwise.
  const inPanelTab = placement === 'TaskCanvasTabs' && wrapUp.placement === undefined;
  const wrapUpPlacement = wrapUp.placement ?? 'TaskCanvas';
  const wrapUpStore = inPanelTab
    ? undefined
    : ['TaskCanvas', 'TaskInfoPanel'].includes(wrapUpPlacement)
      ? slot(wrapUpPlacement)
      : undefined;
  if (wantsWrapUp && !inPanelTab && wrapUpStore === undefined) {
    fail(`wrapUp.placement "${wrapUpPlacement}" is not one of TaskCanvas, TaskInfoPanel in this Flex`);
  }
  const time = (name: string, value: number | undefined, fallback: number, max: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 500 || value > max) {
      fail(`${name} must be a number of milliseconds from 500 to ${max}`);
    }
    return value;
  };
  return {
    url,
    placement,
    panelStore: panelStore as DynamicContentStore,
    profileTabsStore:
      placement === 'ProfileTabs' || (placement === 'auto' && canTab) ? profileTabsStore : undefined,
    wrapUpStore: saving ? wrapUpStore : undefined,
    nameVariable: nameVariable.trim(),
    wrapUp: { ...wrapUp, dispositions, maxSummaryLength, sortOrder },
    saving,
    saveContextUrlProblem,
    // Completion is the agent's next call: "a few seconds" at most.
    completionTimeoutMs: time('completionTimeoutMs', options.completionTimeoutMs, 5000, 10_000),
    retryTimeoutMs: time('retryTimeoutMs', options.retryTimeoutMs, 8000, 60_000),
  };
}
