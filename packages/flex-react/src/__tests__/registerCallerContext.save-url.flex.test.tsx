/**
 * registerCallerContext on Flex's own runtime (`@twilio/flex-ui` 2.17.1) with a
 * `saveContextUrl` it cannot use. The URL comes from the plugin's build (an admin's
 * `.env`), so a wrong one must not take the panel down in every agent's browser: the panel
 * is registered without the wrap-up form and its save, the console says why (once) and
 * Flex's NotificationBar tells the agent (once).
 *
 * Real: Flex's `Actions`, `Notifications`, `NotificationBar`, content stores and
 * `DynamicComponent`. Stand-ins: the `manager`, the tasks (see flex-runtime/agent.tsx).
 */
import { ConfigurationError } from '@stickycalls/core';
import { screen } from '@testing-library/react';
import type { DynamicContentStore } from '@twilio/flex-ui';
import type * as React from 'react';
import { describe, expect, test } from 'vitest';
import type { RegisterCallerContextOptions } from '../register-options.js';
import { SAVE_URL_NOTIFICATION_ID } from '../save-url.js';
import { DEFAULT_STRINGS } from '../strings.js';
import { complete, createManager, register, shown, useAgents } from './flex-runtime/agent.js';
import { ADA, useBackend } from './flex-runtime/backend.js';
import { consoleErrors } from './flex-runtime/console.js';
import {
  actionListenerCounts,
  makeTask,
  renderNotificationBar,
  renderTaskSlot,
  useFlexRuntime,
} from './flex-runtime/harness.js';
import { returningCaller } from './kit.js';

describe('registerCallerContext on Flex 2.17.1: a save URL it cannot use', () => {
  const getFlex = useFlexRuntime();
  const backend = useBackend();
  useAgents();

  type Store = DynamicContentStore<object, React.Key>;
  const keys = (store: Store) =>
    store.fragments.map((fragment) => (fragment.props.children as React.ReactElement).key);
  const ourErrors = () => consoleErrors().filter((line) => line.includes('registerCallerContext'));
  const panels = () => screen.queryAllByRole('region', { name: 'Caller context' });
  const forms = () => screen.queryAllByRole('region', { name: 'Wrap-up' });

  test.each<[string, string | undefined, RegExp]>([
    [
      'http:// to a Twilio domain',
      'http://sticky-calls-1234-dev.twil.io/save-context',
      /saveContextUrl uses http:\/\/.*use https:\/\//,
    ],
    ['not a URL', 'sticky-calls-1234-dev.twil.io/save-context', /saveContextUrl is not a URL/],
    ['without a path', 'https://sticky-calls-1234-dev.twil.io', /saveContextUrl has no path/],
    ['with / as its path', 'https://sticky-calls-1234-dev.twil.io/', /saveContextUrl has no path/],
    ['another scheme', 'ftp://sticky-calls-1234-dev.twil.io/save-context', /saveContextUrl uses ftp:/],
    ['empty', '', /saveContextUrl is empty/],
    ['blank', '   ', /saveContextUrl is empty/],
    ['missing (a build without the variable)', undefined, /saveContextUrl is empty/],
  ])(
    '%s: no throw, the panel without the wrap-up, one console error, one notification',
    async (_name, url, problem) => {
      const flex = getFlex();
      const manager = createManager();
      const options = { saveContextUrl: url } as Partial<RegisterCallerContextOptions>;

      expect(() => register(manager, options)).not.toThrow();

      // The panel, and nothing of the wrap-up: no form, no listeners on completion.
      expect(keys(flex.TaskCanvas.Content)).toEqual(['sticky-calls-panel']);
      expect(actionListenerCounts()).toEqual({ beforeSendMessage: 1 });
      const task = makeTask({ status: 'wrapping', taskStatus: 'wrapping', attributes: returningCaller() });
      renderTaskSlot(flex.TaskCanvas.Content, task);
      expect(panels()).toHaveLength(1);
      expect(forms()).toEqual([]);

      // One line in the console naming the problem and what it means, never the token.
      const errors = ourErrors();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(problem);
      expect(errors[0]).toContain('wrap-ups are not saved');
      expect(errors[0]).not.toContain(ADA.token);

      // One notification, registered and shown, that the agent reads in Flex's NotificationBar.
      expect(flex.Notifications.registeredNotifications.has(SAVE_URL_NOTIFICATION_ID)).toBe(true);
      expect(shown()).toEqual([[SAVE_URL_NOTIFICATION_ID, undefined]]);
      renderNotificationBar();
      expect(screen.getByText(DEFAULT_STRINGS.StickyCallsNotifySaveUrlInvalid)).toBeTruthy();

      // Completing the task goes ahead and posts nothing.
      expect(await complete(task)).toEqual({ ok: true });
      expect(backend.saveRequests).toEqual([]);
      expect(ourErrors()).toHaveLength(1);
      expect(shown()).toEqual([[SAVE_URL_NOTIFICATION_ID, undefined]]);
    },
  );

  test('the function it returns takes the notification back', () => {
    const flex = getFlex();
    const dispose = register(createManager(), {
      saveContextUrl: 'http://sticky-calls-1234-dev.twil.io/save-context',
    });
    dispose();
    expect(flex.Notifications.registeredNotifications.has(SAVE_URL_NOTIFICATION_ID)).toBe(false);
    expect(shown()).toEqual([]);
    expect(keys(flex.TaskCanvas.Content)).toEqual([]);
  });

  test('with wrapUp: false the URL is not read: no console error, no notification', () => {
    const flex = getFlex();
    register(createManager(), { saveContextUrl: '', wrapUp: false });
    expect(keys(flex.TaskCanvas.Content)).toEqual(['sticky-calls-panel']);
    expect(ourErrors()).toEqual([]);
    expect(flex.Notifications.registeredNotifications.has(SAVE_URL_NOTIFICATION_ID)).toBe(false);
  });

  test('http://localhost and http://127.0.0.1 are used as they are (local development)', () => {
    for (const url of ['http://localhost:3000/save-context', 'http://127.0.0.1:3000/save-context']) {
      const dispose = register(createManager(), { saveContextUrl: url });
      expect(keys(getFlex().TaskCanvas.Content)).toEqual(['sticky-calls-panel', 'sticky-calls-wrap-up']);
      dispose();
    }
    expect(ourErrors()).toEqual([]);
  });

  test('a saveContextUrl that is not a string is a mistake in the code: a ConfigurationError, nothing added', () => {
    const manager = createManager();
    const attempt = () => register(manager, { saveContextUrl: 42 as unknown as string });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow('registerCallerContext: saveContextUrl must be a string');
    expect(keys(getFlex().TaskCanvas.Content)).toEqual([]);
    expect(getFlex().Notifications.registeredNotifications.has(SAVE_URL_NOTIFICATION_ID)).toBe(false);
    expect(ourErrors()).toEqual([]);
  });
});
