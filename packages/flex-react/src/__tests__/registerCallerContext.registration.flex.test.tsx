/**
 * registerCallerContext on Flex's own runtime (`@twilio/flex-ui` 2.17.1): its options,
 * what it adds to Flex and takes back, where the panel and the wrap-up form show, and
 * its strings.
 *
 * Real: Flex's `Actions`, `Notifications` (`registerNotification` throws on a duplicate
 * id), content stores, `DynamicComponent`, `Tab`, `TaskContext`, `TaskChannels` and
 * `TaskHelper`; the save Function (`createSaveContextHandler`, run in-process behind msw
 * at the plugin's `saveContextUrl`) with the real `twilio` client. Stand-ins, for what
 * needs Twilio's cloud or the vendor's: the `manager` (a token and a tiny Redux-like
 * store of the agent's tasks), the tasks (the harness's `makeTask`; where a save runs,
 * their attributes TaskRouter's), the `CompleteTask` body, TaskRouter (the adapter's
 * stand-in), Twilio IAM (`stubTokenValidator`) and the Sticky Calls API (core's
 * emulator). See flex-runtime/agent.tsx and flex-runtime/backend.ts.
 */
import { ATTRIBUTE_KEY, ConfigurationError } from '@stickycalls/core';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { DynamicContentStore } from '@twilio/flex-ui';
import * as React from 'react';
import { describe, expect, test, vi } from 'vitest';
import type { FlexLike } from '../flex-types.js';
import type { RegisterCallerContextOptions } from '../register-options.js';
import { registerCallerContext } from '../registerCallerContext.js';
import { DEFAULT_STRINGS } from '../strings.js';
import { DARK_COLORS, LIGHT_COLORS } from '../tokens.js';
import { NOTIFICATION_IDS } from '../wrap-up-binding.js';
import {
  complete,
  createManager,
  type FeatureFlagsStandIn,
  fillWrapUp,
  inWrapUp,
  type ManagerStandIn,
  pause,
  register,
  shown,
  until,
  useAgents,
} from './flex-runtime/agent.js';
import { SAVE_URL, useBackend } from './flex-runtime/backend.js';
import {
  actionListenerCounts,
  makeTask,
  recordComponentStates,
  registerCallTaskChannel,
  renderTaskSlot,
  type StandInTaskFields,
  useFlexRuntime,
} from './flex-runtime/harness.js';
import { CUSTOMER_REF, flexVoiceKeys, returningCaller } from './kit.js';

describe('registerCallerContext on Flex 2.17.1: registration', () => {
  const getFlex = useFlexRuntime();
  const backend = useBackend();
  useAgents();

  /** Flex's action listeners as it loads: its own chat listener only. */
  const FLEX_OWN_LISTENERS = { beforeSendMessage: 1 };

  type Store = DynamicContentStore<object, React.Key>;
  /** What is added to a slot: each fragment's key and sortOrder. */
  const added = (store: Store) =>
    store.fragments.map((fragment) => [
      (fragment.props.children as React.ReactElement).key,
      fragment.props.sortOrder,
    ]);
  const slots = () => {
    const flex = getFlex();
    return {
      TaskCanvas: added(flex.TaskCanvas.Content),
      TaskInfoPanel: added(flex.TaskInfoPanel.Content),
      TaskCanvasTabs: added(flex.TaskCanvasTabs.Content),
      CRMContainer: added(flex.CRMContainer.Content),
      ProfileTabs: added(flex.UnifiedProfilesContainer.ProfileTabs.Content),
    };
  };
  const NOTHING = {
    TaskCanvas: [],
    TaskInfoPanel: [],
    TaskCanvasTabs: [],
    CRMContainer: [],
    ProfileTabs: [],
  };
  /** The tab `auto` adds to Unified Profiles' tabs, shown only when this Flex shows them. */
  const PROFILE_TAB = ['sticky-calls-profile-tab', 0];
  const ourNotifications = () =>
    Object.values(NOTIFICATION_IDS).filter((id) => getFlex().Notifications.registeredNotifications.has(id));

  /** Nothing of a registration is in Flex: no content, listeners, notifications or strings. */
  function expectNothingAdded(manager: ManagerStandIn) {
    expect(slots()).toEqual(NOTHING);
    expect(actionListenerCounts()).toEqual(FLEX_OWN_LISTENERS);
    expect(ourNotifications()).toEqual([]);
    expect(manager.strings).toEqual({});
  }

  const task = (fields: StandInTaskFields = {}) =>
    makeTask({ status: 'wrapping', taskStatus: 'wrapping', attributes: returningCaller(), ...fields });
  const panels = () => screen.queryAllByRole('region', { name: 'Caller context' });
  const forms = () => screen.queryAllByRole('region', { name: 'Wrap-up' });

  describe('options', () => {
    test.each<[string, Partial<RegisterCallerContextOptions>, RegExp]>([
      // A saveContextUrl it cannot use does not throw: see registerCallerContext.save-url.flex.test.tsx.
      [
        'saveContextUrl not a string',
        { saveContextUrl: 42 as unknown as string },
        /saveContextUrl must be a string/,
      ],
      ['an unknown placement', { placement: 'MainHeader' as 'TaskCanvas' }, /placement "MainHeader"/],
      [
        'an unknown wrapUp.placement',
        { wrapUp: { placement: 'Nowhere' as 'TaskCanvas' } },
        /wrapUp\.placement "Nowhere"/,
      ],
      [
        'wrapUp.placement TaskCanvasTabs',
        { wrapUp: { placement: 'TaskCanvasTabs' as 'TaskCanvas' } },
        /wrapUp\.placement "TaskCanvasTabs"/,
      ],
      [
        'completionTimeoutMs too short',
        { completionTimeoutMs: 100 },
        /completionTimeoutMs must be a number of milliseconds from 500 to 10000/,
      ],
      [
        'completionTimeoutMs over 10 s',
        { completionTimeoutMs: 10_001 },
        /completionTimeoutMs must be a number of milliseconds from 500 to 10000/,
      ],
      [
        'completionTimeoutMs not a number',
        { completionTimeoutMs: Number.NaN },
        /completionTimeoutMs must be/,
      ],
      [
        'retryTimeoutMs too long',
        { retryTimeoutMs: 120_000 },
        /retryTimeoutMs must be a number of milliseconds from 500 to 60000/,
      ],
      ['retryTimeoutMs too short', { retryTimeoutMs: 499 }, /retryTimeoutMs must be/],
      ['retryTimeoutMs a string', { retryTimeoutMs: '8000' as unknown as number }, /retryTimeoutMs must be/],
      [
        'wrapUp.dispositions not an array',
        { wrapUp: { dispositions: 'resolved' as unknown as string[] } },
        /wrapUp\.dispositions must be an array of non-empty strings/,
      ],
      [
        'wrapUp.dispositions with a blank one',
        { wrapUp: { dispositions: ['resolved', '  '] } },
        /wrapUp\.dispositions must be/,
      ],
      [
        'wrapUp.dispositions with a number',
        { wrapUp: { dispositions: ['resolved', 42 as unknown as string] } },
        /wrapUp\.dispositions must be/,
      ],
      [
        'wrapUp.maxSummaryLength 0',
        { wrapUp: { maxSummaryLength: 0 } },
        /wrapUp\.maxSummaryLength must be a whole number from 1 to 1000/,
      ],
      [
        'wrapUp.maxSummaryLength over 1000 (a value’s limit)',
        { wrapUp: { maxSummaryLength: 1001 } },
        /wrapUp\.maxSummaryLength must be/,
      ],
      [
        'wrapUp.maxSummaryLength not whole',
        { wrapUp: { maxSummaryLength: 99.5 } },
        /wrapUp\.maxSummaryLength must be/,
      ],
      [
        'wrapUp.maxSummaryLength a string',
        { wrapUp: { maxSummaryLength: '280' as unknown as number } },
        /wrapUp\.maxSummaryLength must be/,
      ],
      ['sortOrder a string', { sortOrder: 'first' as unknown as number }, /: sortOrder must be a number/],
      ['sortOrder NaN', { sortOrder: Number.NaN }, /: sortOrder must be a number/],
      [
        'wrapUp.sortOrder a string',
        { wrapUp: { sortOrder: '7' as unknown as number } },
        /wrapUp\.sortOrder must be a number/,
      ],
      [
        'wrapUp.sortOrder Infinity',
        { wrapUp: { sortOrder: Number.POSITIVE_INFINITY } },
        /wrapUp\.sortOrder must be a number/,
      ],
      [
        'showPanel not a function',
        { showPanel: 'voice' as unknown as () => boolean },
        /showPanel must be a function/,
      ],
      ['fetch not a function', { fetch: {} as unknown as typeof fetch }, /fetch must be a function/],
      ['onSave not a function', { onSave: true as unknown as () => void }, /onSave must be a function/],
      [
        'strings not an object',
        { strings: 'fr' as unknown as Record<string, string> },
        /strings must be an object of string overrides/,
      ],
      ['strings null', { strings: null as unknown as Record<string, string> }, /strings must be an object/],
      ['wrapUp true', { wrapUp: true as unknown as false }, /wrapUp must be an object of options, or false/],
      ['wrapUp null', { wrapUp: null as unknown as false }, /wrapUp must be an object/],
      ['wrapUp an array', { wrapUp: [] as unknown as false }, /wrapUp must be an object/],
      [
        'nameVariable blank',
        { nameVariable: '  ' },
        /nameVariable must be a non-empty string: the stored variable that holds the caller’s name/,
      ],
      [
        'nameVariable a number',
        { nameVariable: 7 as unknown as string },
        /nameVariable must be a non-empty string/,
      ],
    ])('a ConfigurationError for %s, and nothing added', (_name, options, message) => {
      const manager = createManager();
      const attempt = () =>
        registerCallerContext(getFlex(), manager, { saveContextUrl: SAVE_URL, ...options });
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(message);
      expectNothingAdded(manager);
    });

    test.each<[string, Record<string, unknown>, RegExp]>([
      [
        'flex.Tab missing with placement TaskCanvasTabs',
        { Tab: undefined },
        /placement TaskCanvasTabs needs flex\.Tab/,
      ],
      ['flex.Actions missing', { Actions: undefined }, /flex\.Actions is missing: pass the `flex` from init/],
      [
        'flex.Notifications missing',
        { Notifications: undefined },
        /flex\.Notifications is missing: pass the `flex` from init/,
      ],
    ])('a ConfigurationError for %s, and nothing added', (_name, change, message) => {
      const manager = createManager();
      const flex = { ...getFlex(), ...change } as unknown as FlexLike;
      const attempt = () =>
        registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL, placement: 'TaskCanvasTabs' });
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(message);
      expectNothingAdded(manager);
    });

    test('a ConfigurationError without flex or manager', () => {
      const options = { saveContextUrl: SAVE_URL };
      expect(() => registerCallerContext(null as unknown as FlexLike, createManager(), options)).toThrow(
        /`flex`/,
      );
      expect(() => registerCallerContext(getFlex(), undefined as unknown as ManagerStandIn, options)).toThrow(
        /`manager`/,
      );
    });

    test.each<[string, Partial<RegisterCallerContextOptions>]>([
      ['completionTimeoutMs 500', { completionTimeoutMs: 500 }],
      ['completionTimeoutMs 10000', { completionTimeoutMs: 10_000 }],
      ['retryTimeoutMs 500', { retryTimeoutMs: 500 }],
      ['retryTimeoutMs 60000', { retryTimeoutMs: 60_000 }],
      ['wrapUp.maxSummaryLength 1', { wrapUp: { maxSummaryLength: 1 } }],
      ['wrapUp.maxSummaryLength 1000', { wrapUp: { maxSummaryLength: 1000 } }],
      ['negative sort orders', { sortOrder: -1, wrapUp: { sortOrder: -2.5 } }],
      ['dispositions', { wrapUp: { dispositions: ['resolved', 'callback'] } }],
      ['http://localhost', { saveContextUrl: 'http://localhost:3000/save-context' }],
      ['http://127.0.0.1', { saveContextUrl: 'http://127.0.0.1:3000/save-context' }],
      ['placement auto', { placement: 'auto' }],
      ['a nameVariable', { nameVariable: 'full_name' }],
    ])('accepts %s', (_name, options) => {
      register(createManager(), options);
      expect(slots().TaskCanvas.map(([key]) => key)).toEqual(['sticky-calls-panel', 'sticky-calls-wrap-up']);
    });
  });

  describe('registered twice', () => {
    test('without the first cleanup: a ConfigurationError, the first left as it was and still saving once', async () => {
      const scene = await inWrapUp(backend);
      const flex = getFlex();
      const before = {
        slots: slots(),
        listeners: actionListenerCounts(),
        notifications: Object.values(NOTIFICATION_IDS).map((id) =>
          flex.Notifications.registeredNotifications.get(id),
        ),
        strings: { ...scene.manager.strings },
      };
      expect(before.listeners).toEqual({
        ...FLEX_OWN_LISTENERS,
        beforeCompleteTask: 1,
        afterCompleteTask: 1,
      });

      const again = () => registerCallerContext(flex, scene.manager, { saveContextUrl: SAVE_URL });
      expect(again).toThrow(ConfigurationError);
      expect(again).toThrow(
        `registerCallerContext: notification ${NOTIFICATION_IDS.invalid} is already registered: call the cleanup function of the earlier registerCallerContext first`,
      );

      expect(slots()).toEqual(before.slots);
      expect(actionListenerCounts()).toEqual(before.listeners);
      expect(
        Object.values(NOTIFICATION_IDS).map((id) => flex.Notifications.registeredNotifications.get(id)),
      ).toEqual(before.notifications);
      expect(scene.manager.strings).toEqual(before.strings);
      fillWrapUp();
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => scene.saves.length === 1, 'the save');
      await pause(100);
      expect(backend.saveRequests.map((request) => request.action)).toEqual(['store', 'save']);
    });

    test('another plugin holding the last of its notification ids: its own taken back, theirs left', () => {
      const flex = getFlex();
      const manager = createManager();
      flex.Notifications.registerNotification({ id: NOTIFICATION_IDS.saveFailed, content: 'theirs' });
      const theirs = flex.Notifications.registeredNotifications.get(NOTIFICATION_IDS.saveFailed);
      const attempt = () => registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL });
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(`notification ${NOTIFICATION_IDS.saveFailed} is already registered`);
      expect(ourNotifications()).toEqual([NOTIFICATION_IDS.saveFailed]);
      expect(flex.Notifications.registeredNotifications.get(NOTIFICATION_IDS.saveFailed)).toBe(theirs);
      expect(slots()).toEqual(NOTHING);
      expect(actionListenerCounts()).toEqual(FLEX_OWN_LISTENERS);
      expect(manager.strings).toEqual({});
    });

    test('a slot refusing content midway: everything added before is taken back, and the error rethrown', () => {
      const flex = getFlex();
      const manager = createManager();
      const refused = new Error('this slot refuses content');
      const add = vi.spyOn(flex.TaskInfoPanel.Content, 'add').mockImplementation(() => {
        throw refused;
      });
      const attempt = () =>
        registerCallerContext(flex, manager, {
          saveContextUrl: SAVE_URL,
          wrapUp: { placement: 'TaskInfoPanel' },
        });
      expect(attempt).toThrow(refused);
      add.mockRestore();
      expectNothingAdded(manager);
    });
  });

  describe('the function it returns', () => {
    test('removes every listener, notification, content and string it added; Complete then posts nothing', async () => {
      const scene = await inWrapUp(backend, { strings: { StickyCallsRetry: 'Réessayer' } });
      const flex = getFlex();
      expect(actionListenerCounts()).toEqual({
        ...FLEX_OWN_LISTENERS,
        beforeCompleteTask: 1,
        afterCompleteTask: 1,
      });
      expect(ourNotifications()).toHaveLength(8);
      expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(shown()).toEqual([[NOTIFICATION_IDS.invalid, scene.task.taskSid]]);
      scene.manager.strings.StickyCallsPanelTitle = 'Changed by the admin';

      scene.dispose();

      expect(actionListenerCounts()).toEqual(FLEX_OWN_LISTENERS);
      expect(ourNotifications()).toEqual([]);
      expect(flex.Notifications.activeNotifications).toEqual([]);
      expect(slots()).toEqual(NOTHING);
      scene.slot.showTask(scene.task);
      expect(panels()).toEqual([]);
      expect(forms()).toEqual([]);
      expect(scene.manager.strings).toEqual({
        StickyCallsRetry: 'Réessayer',
        StickyCallsPanelTitle: 'Changed by the admin',
      });

      expect(await complete(scene.task)).toEqual({ ok: true });
      scene.manager.removeTask(scene.task);
      await pause(100);
      expect(backend.saveRequests).toEqual([]);
      expect(shown()).toEqual([]);
      expect(() => scene.dispose()).not.toThrow();
    });

    test('removes its content by key in a Flex whose add returns nothing', () => {
      const flex = getFlex();
      const store = flex.TaskInfoPanel.Content;
      const add = store.add.bind(store);
      vi.spyOn(store, 'add').mockImplementation((child, options) => {
        add(child, options);
        return undefined as unknown as () => void;
      });
      const dispose = register(createManager(), { placement: 'TaskInfoPanel' });
      renderTaskSlot(store, task()).unmount();
      dispose();
      vi.restoreAllMocks();
      expect(store.removeRequests.map((request) => request.key)).toEqual(['sticky-calls-panel']);
      renderTaskSlot(store, task());
      expect(panels()).toEqual([]);
    });
  });

  describe('placement', () => {
    test('by default the panel then the wrap-up form in the task canvas, around another plugin’s content by sortOrder', () => {
      const flex = getFlex();
      register(createManager());
      flex.TaskCanvas.Content.add(<p key="other-plugin">Other plugin</p>, { sortOrder: 500 });
      expect(slots()).toEqual({
        ...NOTHING,
        TaskCanvas: [
          ['sticky-calls-panel', 0],
          ['sticky-calls-wrap-up', 1000],
          ['other-plugin', 500],
        ],
        ProfileTabs: [PROFILE_TAB],
      });
      renderTaskSlot(flex.TaskCanvas.Content, task());
      const shownInOrder = [panels()[0], screen.getByText('Other plugin'), forms()[0]] as Element[];
      for (const [earlier, later] of [shownInOrder.slice(0, 2), shownInOrder.slice(1)] as [
        Element,
        Element,
      ][])
        expect(earlier.compareDocumentPosition(later) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    });

    test('the sort orders it is given', () => {
      register(createManager(), { sortOrder: -5, wrapUp: { sortOrder: 7 } });
      expect(slots().TaskCanvas).toEqual([
        ['sticky-calls-panel', -5],
        ['sticky-calls-wrap-up', 7],
      ]);
    });

    test('the panel in the task info panel', () => {
      register(createManager(), { placement: 'TaskInfoPanel' });
      expect(slots()).toMatchObject({
        TaskInfoPanel: [['sticky-calls-panel', 0]],
        TaskCanvas: [['sticky-calls-wrap-up', 1000]],
      });
      renderTaskSlot(getFlex().TaskInfoPanel.Content, task());
      expect(panels()).toHaveLength(1);
      expect(panels()[0]?.textContent).toContain(CUSTOMER_REF);
      expect(forms()).toEqual([]);
    });

    test('the wrap-up form in the task info panel', () => {
      register(createManager(), { wrapUp: { placement: 'TaskInfoPanel' } });
      expect(slots()).toMatchObject({
        TaskInfoPanel: [['sticky-calls-wrap-up', 1000]],
        TaskCanvas: [['sticky-calls-panel', 0]],
      });
      renderTaskSlot(getFlex().TaskInfoPanel.Content, task());
      expect(forms()).toHaveLength(1);
    });

    test('a tab of its own (flex.Tab), the task reaching the panel through withTaskContext', () => {
      const flex = getFlex();
      register(createManager(), { placement: 'TaskCanvasTabs', sortOrder: 3 });
      expect(slots().TaskCanvasTabs).toEqual([['sticky-calls-tab', 3]]);
      const tab = flex.TaskCanvasTabs.Content.fragments[0]?.props.children as React.ReactElement;
      expect(tab.type).toBe(flex.Tab);
      expect(tab.props).toMatchObject({ uniqueName: 'sticky-calls-tab', label: 'Caller context' });

      const shownTask = task({ status: 'accepted' });
      render(
        <flex.StorelessThemeProvider themeConf={{}}>
          <flex.TaskContext.Provider value={{ task: shownTask as never }}>
            <flex.DynamicComponent
              name={flex.TaskCanvasTabs.Content.name}
              contentStore={flex.TaskCanvasTabs.Content}
              childProps={{ task: shownTask }}
            >
              <div />
            </flex.DynamicComponent>
          </flex.TaskContext.Provider>
        </flex.StorelessThemeProvider>,
      );
      expect(panels()).toHaveLength(1);
      expect(panels()[0]?.textContent).toContain(CUSTOMER_REF);
    });

    test('wrapUp: false: the panel only, no listeners or notifications, no saveContextUrl needed', () => {
      const manager = createManager();
      const dispose = registerCallerContext(getFlex(), manager, { saveContextUrl: '', wrapUp: false });
      expect(slots()).toEqual({
        ...NOTHING,
        TaskCanvas: [['sticky-calls-panel', 0]],
        ProfileTabs: [PROFILE_TAB],
      });
      expect(actionListenerCounts()).toEqual(FLEX_OWN_LISTENERS);
      expect(ourNotifications()).toEqual([]);
      renderTaskSlot(getFlex().TaskCanvas.Content, task());
      expect(panels()).toHaveLength(1);
      expect(forms()).toEqual([]);
      dispose();
      expect(slots().TaskCanvas).toEqual([]);
    });
  });

  describe('placement in Flex 2.x with Unified Profiles', () => {
    const UNIFIED_PROFILES = { features: { 'flex-unify-panel': true } };
    const profileTabs = () => getFlex().UnifiedProfilesContainer.ProfileTabs.Content;
    /** The panel's Tab in the profile tabs, as added. */
    const profileTab = () => profileTabs().fragments[0]?.props.children as React.ReactElement;
    /** Runs `change` on `flex.AgentDesktopView.defaultProps` (where admins set Panel 2's props), then puts them back. */
    function withDesktopDefaults(change: Record<string, unknown>, run: () => void) {
      const defaults = getFlex().AgentDesktopView.defaultProps as Record<string, unknown>;
      const before = { ...defaults };
      Object.assign(defaults, change);
      try {
        run();
      } finally {
        for (const key of Object.keys(defaults)) delete defaults[key];
        Object.assign(defaults, before);
      }
    }
    /** Where the panel shows for a task in wrap-up: the task canvas, the profile tabs. */
    function shownIn(manager: ManagerStandIn) {
      const flex = getFlex();
      const shownTask = task();
      const canvas = renderTaskSlot(flex.TaskCanvas.Content, shownTask);
      const inCanvas = panels().length;
      const formsInCanvas = forms().length;
      canvas.unmount();
      renderTaskSlot(profileTabs(), shownTask);
      return { inCanvas, inProfileTabs: panels().length, formsInCanvas, manager };
    }

    test('auto without Unified Profiles: the panel in the task canvas, its profile tab hidden', () => {
      const manager = createManager();
      register(manager);
      expect(shownIn(manager)).toMatchObject({ inCanvas: 1, inProfileTabs: 0, formsInCanvas: 1 });
    });

    test('auto with Unified Profiles on: a tab of its own in the profile tabs, none in the task canvas; the form stays in the task canvas', () => {
      const flex = getFlex();
      const manager = createManager(undefined, {}, UNIFIED_PROFILES);
      register(manager);
      expect(profileTab().type).toBe(flex.Tab);
      expect(profileTab().props).toMatchObject({
        uniqueName: 'sticky-calls-profile-tab',
        label: 'Caller context',
      });
      expect(shownIn(manager)).toMatchObject({ inCanvas: 0, inProfileTabs: 1, formsInCanvas: 1 });
      expect(panels()[0]?.textContent).toContain(CUSTOMER_REF);
    });

    test.each<[string, Parameters<typeof createManager>[2], Record<string, unknown>]>([
      [
        'the feature overridden off',
        { ...UNIFIED_PROFILES, featureOverrides: { 'flex-unify-panel': false } },
        {},
      ],
      ['Panel 2 hidden', UNIFIED_PROFILES, { showPanel2: false }],
      [
        'Panel 2 set without Unified Profiles',
        UNIFIED_PROFILES,
        { panel2ViewProps: { showCRMContainer: true } },
      ],
      [
        'Panel 2 set without the CRM container or profile connector',
        UNIFIED_PROFILES,
        { panel2ViewProps: { showFlexUnifyContainer: true } },
      ],
    ])('auto with %s: the task canvas', (_name, managerOptions, desktopDefaults) => {
      const manager = createManager(undefined, {}, managerOptions);
      register(manager);
      withDesktopDefaults(desktopDefaults, () => {
        expect(shownIn(manager)).toMatchObject({ inCanvas: 1, inProfileTabs: 0 });
      });
    });

    test('auto with the feature only overridden on, and Panel 2 set with it: the profile tabs', () => {
      const manager = createManager(undefined, {}, { featureOverrides: { 'flex-unify-panel': true } });
      register(manager);
      withDesktopDefaults(
        { panel2ViewProps: { showCRMContainer: true, showFlexUnifyContainer: true } },
        () => {
          expect(shownIn(manager)).toMatchObject({ inCanvas: 0, inProfileTabs: 1 });
        },
      );
    });

    test('auto follows the feature when Flex learns it after the registration (at login)', () => {
      const manager = createManager();
      const features = (manager.store.getState() as { flex: { featureFlags: FeatureFlagsStandIn } }).flex
        .featureFlags.features;
      register(manager);
      expect(shownIn(manager)).toMatchObject({ inCanvas: 1, inProfileTabs: 0 });
      cleanup();
      features['flex-unify-panel'] = { id: 'flex-unify-panel', enabled: true };
      expect(shownIn(manager)).toMatchObject({ inCanvas: 0, inProfileTabs: 1 });
    });

    test('ProfileTabs: its own tab in the profile tabs, whatever the feature says; the form in the task canvas', () => {
      register(createManager(), { placement: 'ProfileTabs', sortOrder: 5 });
      expect(slots()).toEqual({
        ...NOTHING,
        ProfileTabs: [['sticky-calls-profile-tab', 5]],
        TaskCanvas: [['sticky-calls-wrap-up', 1000]],
      });
      renderTaskSlot(profileTabs(), task());
      expect(panels()).toHaveLength(1);
    });

    test('CRMContainer: before Flex’s own CRM content (sortOrder -1), the form in the task canvas', () => {
      const flex = getFlex();
      register(createManager(undefined, {}, UNIFIED_PROFILES), { placement: 'CRMContainer' });
      expect(slots()).toEqual({
        ...NOTHING,
        CRMContainer: [['sticky-calls-panel', -1]],
        TaskCanvas: [['sticky-calls-wrap-up', 1000]],
      });
      // Flex's own CRMContainer, showing the admin's CRM page, with the task from its context.
      const shownTask = task();
      render(
        <flex.StorelessThemeProvider themeConf={{}}>
          <flex.TaskContext.Provider value={{ task: shownTask as never }}>
            <flex.CRMContainer uri="https://crm.example.com/contact" />
          </flex.TaskContext.Provider>
        </flex.StorelessThemeProvider>,
      );
      const panel = panels()[0] as Element;
      expect(panel.textContent).toContain(CUSTOMER_REF);
      const crmPage = screen.getByTitle('CRMContainer');
      expect(crmPage.getAttribute('src')).toBe('https://crm.example.com/contact');
      expect(panel.compareDocumentPosition(crmPage) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    });

    test('CRMContainer with a sortOrder of the admin’s', () => {
      register(createManager(), { placement: 'CRMContainer', sortOrder: 3 });
      expect(slots().CRMContainer).toEqual([['sticky-calls-panel', 3]]);
    });

    test.each<[string, Partial<RegisterCallerContextOptions>, Record<string, unknown>, RegExp]>([
      [
        'CRMContainer in a Flex without it',
        { placement: 'CRMContainer' },
        { CRMContainer: undefined },
        /placement "CRMContainer" is not one of auto, TaskCanvas, TaskInfoPanel, TaskCanvasTabs, CRMContainer, ProfileTabs in this Flex/,
      ],
      [
        'ProfileTabs in a Flex without Unified Profiles',
        { placement: 'ProfileTabs' },
        { UnifiedProfilesContainer: undefined },
        /placement "ProfileTabs" is not one of/,
      ],
      [
        'ProfileTabs without flex.Tab',
        { placement: 'ProfileTabs' },
        { Tab: undefined },
        /placement ProfileTabs needs flex\.Tab/,
      ],
    ])('a ConfigurationError for %s, and nothing added', (_name, options, change, message) => {
      const manager = createManager();
      const flex = { ...getFlex(), ...change } as unknown as FlexLike;
      const attempt = () => registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL, ...options });
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(message);
      expectNothingAdded(manager);
    });

    test('auto in a Flex without Unified Profiles or flex.Tab: the task canvas only', () => {
      const manager = createManager(undefined, {}, UNIFIED_PROFILES);
      const flex = { ...getFlex(), UnifiedProfilesContainer: undefined } as unknown as FlexLike;
      const dispose = registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL });
      expect(slots()).toEqual({
        ...NOTHING,
        TaskCanvas: [
          ['sticky-calls-panel', 0],
          ['sticky-calls-wrap-up', 1000],
        ],
      });
      renderTaskSlot(getFlex().TaskCanvas.Content, task());
      expect(panels()).toHaveLength(1);
      dispose();
    });
  });

  describe('the panel in a tab of the task canvas (TaskCanvasTabs)', () => {
    const tabSlot = () => getFlex().TaskCanvasTabs.Content;
    const SELECT_OURS = { name: 'AgentTaskCanvasTabs', state: { selectedTabName: 'sticky-calls-tab' } };

    test('the wrap-up form in that tab, not in the task canvas', () => {
      register(createManager(), { placement: 'TaskCanvasTabs' });
      expect(slots()).toEqual({ ...NOTHING, TaskCanvasTabs: [['sticky-calls-tab', 0]] });
      renderTaskSlot(tabSlot(), task());
      const tabContent = within(screen.getByTestId('flex-slot-TaskCanvasTabs').parentElement as HTMLElement);
      expect(tabContent.getAllByRole('region', { name: 'Caller context' })).toHaveLength(1);
      expect(tabContent.getAllByRole('region', { name: 'Wrap-up' })).toHaveLength(1);
    });

    test('the tab is selected when the task enters wrap-up, once: not again on later renders, after the agent picks another tab, or when the tab mounts again', async () => {
      const flex = getFlex();
      const states = recordComponentStates();
      register(createManager(), { placement: 'TaskCanvasTabs' });
      const shownTask = task({ status: 'accepted', taskStatus: 'assigned' });
      const slot = renderTaskSlot(tabSlot(), shownTask);
      await pause();
      expect(states).toEqual([]);
      expect(forms()).toEqual([]);

      shownTask.status = 'wrapping';
      shownTask.taskStatus = 'wrapping';
      slot.showTask(shownTask);
      await until(() => states.length === 1, 'the tab selected');
      expect(states).toEqual([SELECT_OURS]);
      expect(forms()).toHaveLength(1);

      // The agent picks the call tab: nothing takes it back.
      await act(async () => {
        await flex.Actions.invokeAction('SetComponentState', {
          name: 'AgentTaskCanvasTabs',
          state: { selectedTabName: 'call' },
        });
      });
      slot.showTask(shownTask);
      slot.unmount();
      renderTaskSlot(tabSlot(), shownTask);
      await pause();
      expect(states).toEqual([
        SELECT_OURS,
        { name: 'AgentTaskCanvasTabs', state: { selectedTabName: 'call' } },
      ]);

      // Another task entering wrap-up has its tab selected, once.
      const next = task({ status: 'accepted', taskStatus: 'assigned' });
      const nextSlot = renderTaskSlot(tabSlot(), next);
      next.status = 'wrapping';
      nextSlot.showTask(next);
      await until(() => states.length === 3, 'the second task’s tab selected');
      await pause();
      expect(states.slice(2)).toEqual([SELECT_OURS]);
    });

    test('a task shown for the first time already in wrap-up (it ended while another was on screen): selected once', async () => {
      const states = recordComponentStates();
      register(createManager(), { placement: 'TaskCanvasTabs' });
      const shownTask = task();
      renderTaskSlot(tabSlot(), shownTask).unmount();
      renderTaskSlot(tabSlot(), shownTask);
      await pause();
      expect(states).toEqual([SELECT_OURS]);
    });

    test.each<[string, Partial<RegisterCallerContextOptions>, StandInTaskFields]>([
      ['the form placed in the task canvas', { wrapUp: { placement: 'TaskCanvas' } }, {}],
      ['wrapUp: false', { wrapUp: false, saveContextUrl: '' }, {}],
      [
        'a call that did not go through Sticky Calls',
        {},
        { attributes: { call_sid: 'CA1', direction: 'outbound' } },
      ],
    ])('no tab selected with %s', async (_name, options, fields) => {
      const states = recordComponentStates();
      register(createManager(), { placement: 'TaskCanvasTabs', ...options });
      const shownTask = task({ status: 'accepted', ...fields });
      const slot = renderTaskSlot(tabSlot(), shownTask);
      shownTask.status = 'wrapping';
      slot.showTask(shownTask);
      await pause();
      expect(states).toEqual([]);
    });

    test('the form placed in the task canvas stays there', () => {
      register(createManager(), { placement: 'TaskCanvasTabs', wrapUp: { placement: 'TaskCanvas' } });
      expect(slots()).toMatchObject({
        TaskCanvasTabs: [['sticky-calls-tab', 0]],
        TaskCanvas: [['sticky-calls-wrap-up', 1000]],
      });
    });
  });

  describe('the caller’s name', () => {
    test('nameVariable names the stored variable the panel leads with', () => {
      register(createManager(), { nameVariable: 'plan' });
      renderTaskSlot(getFlex().TaskCanvas.Content, task());
      const panel = panels()[0] as HTMLElement;
      expect(panel.querySelector('[data-sticky-calls="caller-name"]')?.textContent).toBe('Premium');
    });
  });

  describe('theme', () => {
    const scopes = () => Array.from(document.querySelectorAll<HTMLElement>('[data-sticky-calls-theme]'));
    const variable = (element: HTMLElement | undefined, name: string) =>
      element?.style.getPropertyValue(name);

    test('light by default: each scope sets Paste’s light values', () => {
      register(createManager());
      renderTaskSlot(getFlex().TaskCanvas.Content, task());
      expect(scopes().map((scope) => scope.dataset.stickyCallsTheme)).toEqual(['light', 'light']);
      for (const scope of scopes()) {
        expect(variable(scope, '--sticky-calls-color-text')).toBe(LIGHT_COLORS.colorText);
        expect(variable(scope, '--sticky-calls-color-background-body')).toBe(
          LIGHT_COLORS.colorBackgroundBody,
        );
      }
      expect(panels()[0]?.closest('[data-sticky-calls-theme]')).toBe(scopes()[0]);
    });

    test('Flex’s dark theme (config.theme.isLight false): the panel and the form are dark', () => {
      register(createManager());
      renderTaskSlot(getFlex().TaskCanvas.Content, task(), {}, { themeConf: { isLight: false } });
      expect(scopes().map((scope) => scope.dataset.stickyCallsTheme)).toEqual(['dark', 'dark']);
      for (const scope of scopes()) {
        expect(variable(scope, '--sticky-calls-color-text')).toBe(DARK_COLORS.colorText);
        expect(variable(scope, '--sticky-calls-color-background-body')).toBe(DARK_COLORS.colorBackgroundBody);
        expect(scope.style.colorScheme).toBe('dark');
      }
      expect(forms()[0]?.closest('[data-sticky-calls-theme]')?.getAttribute('data-sticky-calls-theme')).toBe(
        'dark',
      );
    });

    test('dark in a tab too (the theme reaches a tab’s content through withTheme)', () => {
      register(createManager(), { placement: 'TaskCanvasTabs' });
      renderTaskSlot(getFlex().TaskCanvasTabs.Content, task(), {}, { themeConf: { isLight: false } });
      expect(scopes().map((scope) => scope.dataset.stickyCallsTheme)).toEqual(['dark']);
      expect(panels()[0]?.closest('[data-sticky-calls-theme="dark"]')).not.toBeNull();
      expect(forms()[0]?.closest('[data-sticky-calls-theme="dark"]')).not.toBeNull();
    });

    test('the admin’s own Paste tokens (config.theme.tokens) are followed', () => {
      register(createManager());
      renderTaskSlot(
        getFlex().TaskCanvas.Content,
        task(),
        {},
        {
          themeConf: {
            isLight: false,
            tokens: {
              textColors: { colorText: 'rgb(250, 250, 240)' },
            },
          },
        },
      );
      const [scope] = scopes();
      expect(variable(scope, '--sticky-calls-color-text')).toBe('rgb(250, 250, 240)');
      expect(variable(scope, '--sticky-calls-color-text-weak')).toBe(DARK_COLORS.colorTextWeak);
    });

    test('outside Flex’s theme provider: manager.configuration.theme.isLight', () => {
      const flex = getFlex();
      register(createManager(undefined, {}, { configuration: { theme: { isLight: false } } }));
      const shownTask = task();
      render(
        <flex.DynamicComponent
          name={flex.TaskCanvas.Content.name}
          contentStore={flex.TaskCanvas.Content}
          childProps={{ task: shownTask }}
        >
          <div />
        </flex.DynamicComponent>,
      );
      expect(scopes().map((scope) => scope.dataset.stickyCallsTheme)).toEqual(['dark', 'dark']);
    });
  });

  describe('which tasks show the panel', () => {
    const chat = { taskChannelUniqueName: 'chat', channelType: 'web', status: 'accepted' } as const;
    test.each<[string, StandInTaskFields, boolean, string?]>([
      ['a voice task with caller context', { status: 'accepted' }, true],
      ['a voice task without caller context', { status: 'accepted', attributes: flexVoiceKeys() }, true],
      [
        'a task of a custom voice channel registered with createCallTaskChannel, without caller context',
        { status: 'accepted', taskChannelUniqueName: 'custom-voice', attributes: { from: '+14155551234' } },
        true,
        'custom-voice',
      ],
      [
        'a task of that channel name when no such channel is registered',
        { status: 'accepted', taskChannelUniqueName: 'custom-voice', attributes: { from: '+14155551234' } },
        false,
      ],
      ['a chat task with caller context', chat, true],
      ['a chat task without caller context', { ...chat, attributes: { from: 'web-visitor' } }, false],
    ])('%s: %s', (_name, fields, expected, channel) => {
      if (channel !== undefined) registerCallTaskChannel(channel);
      register(createManager());
      renderTaskSlot(getFlex().TaskCanvas.Content, task(fields));
      expect(panels()).toHaveLength(expected ? 1 : 0);
    });

    test('with showPanel: as it decides; hidden when it throws', () => {
      const dispose = register(createManager(), {
        showPanel: (shownTask) => shownTask.taskChannelUniqueName === 'chat',
      });
      const slot = renderTaskSlot(getFlex().TaskCanvas.Content, task({ status: 'accepted' }));
      expect(panels()).toEqual([]);
      slot.showTask(task({ status: 'accepted', taskChannelUniqueName: 'chat', attributes: {} }));
      expect(panels()).toHaveLength(1);
      slot.unmount();
      dispose();

      register(createManager(), {
        showPanel: () => {
          throw new Error('bad rule');
        },
      });
      renderTaskSlot(getFlex().TaskCanvas.Content, task({ status: 'accepted' }));
      expect(panels()).toEqual([]);
    });
  });

  describe('which tasks show the wrap-up form', () => {
    test.each<[string, StandInTaskFields, boolean]>([
      ['a Sticky Calls call in wrap-up', {}, true],
      ['the call still going on', { status: 'accepted' }, false],
      ['the call completed', { status: 'completed' }, false],
      [
        'a task in wrap-up that is not a call',
        { taskChannelUniqueName: 'chat', channelType: 'web', attributes: {} },
        false,
      ],
      [
        'a call in wrap-up that did not go through Sticky Calls',
        { attributes: { call_sid: 'CA1', direction: 'outbound' } },
        false,
      ],
    ])('%s: %s', (_name, fields, expected) => {
      register(createManager());
      renderTaskSlot(getFlex().TaskCanvas.Content, task(fields));
      expect(forms()).toHaveLength(expected ? 1 : 0);
    });
  });

  describe('strings', () => {
    test('its defaults join manager.strings where unset, keeping what the admin and Flex set', () => {
      const manager = createManager(undefined, { StickyCallsRetry: 'Réessayer', FlexOwnString: 'Flex' });
      register(manager);
      expect(manager.strings.StickyCallsPanelTitle).toBe(DEFAULT_STRINGS.StickyCallsPanelTitle);
      expect(manager.strings.StickyCallsRetry).toBe('Réessayer');
      expect(manager.strings.FlexOwnString).toBe('Flex');
      expect(Object.keys(manager.strings)).toHaveLength(Object.keys(DEFAULT_STRINGS).length + 1);
    });

    test('manager.strings shown in the panel and the form, the strings option over them; an admin’s change shows at the next render', () => {
      const manager = createManager(undefined, {
        StickyCallsPanelTitle: 'Contexte de l’appelant',
        StickyCallsWrapUpTitle: 'Ignored: the option wins',
      });
      register(manager, { strings: { StickyCallsWrapUpTitle: 'Clôture' } });
      const shownTask = task();
      const slot = renderTaskSlot(getFlex().TaskCanvas.Content, shownTask);
      expect(screen.getAllByRole('region', { name: 'Contexte de l’appelant' })).toHaveLength(1);
      expect(screen.getAllByRole('region', { name: 'Clôture' })).toHaveLength(1);

      manager.strings.StickyCallsTierReuse = 'Client connu';
      slot.showTask(shownTask);
      expect(
        within(screen.getByRole('region', { name: 'Contexte de l’appelant' })).getByText('Client connu'),
      ).toBeTruthy();
    });
  });

  describe('saving needs nothing else of the registration', () => {
    test('onSave is told of each save, never given the token', async () => {
      const scene = await inWrapUp(backend);
      fillWrapUp();
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => scene.saves.length === 1, 'the save');
      expect(scene.saves).toEqual([
        { taskSid: scene.task.taskSid, result: { ok: true, status: 'saved', saveable: true, attempts: 1 } },
      ]);
      expect(JSON.stringify(scene.saves)).not.toContain(scene.manager.user.token);
    });

    test('requireIntent: false completes a wrap-up with only a note, saved without an intent', async () => {
      const scene = await inWrapUp(backend, { options: { wrapUp: { requireIntent: false } } });
      const form = within(screen.getByRole('region', { name: 'Wrap-up' }));
      fireEvent.change(form.getByLabelText('Summary note'), { target: { value: 'Caller hung up' } });
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => scene.saves.length === 1, 'the save');
      // The time of the contact is Sticky Calls' own variable: the call's start, from call start.
      const { call_start: callStart } = scene.call.attributes[ATTRIBUTE_KEY] as { call_start: string };
      expect(callStart).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(backend.ends(scene.call.callId).map((end) => end.body)).toEqual([
        {
          call_id: scene.call.callId,
          customer_ref: scene.call.customerRef,
          variables: { summary: 'Caller hung up', last_contact_at: callStart },
        },
      ]);
    });

    test('the fetch option is the one posted with', async () => {
      const calls: string[] = [];
      const scene = await inWrapUp(backend, {
        options: {
          fetch: (input, init) => {
            calls.push(String(input));
            return fetch(input, init);
          },
        },
      });
      fillWrapUp();
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => scene.saves.length === 1, 'the save');
      expect(calls).toEqual([SAVE_URL, SAVE_URL]);
    });
  });
});
