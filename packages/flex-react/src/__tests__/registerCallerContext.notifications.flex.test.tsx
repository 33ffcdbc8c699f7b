/**
 * registerCallerContext on Flex's own runtime (`@twilio/flex-ui` 2.17.1): what the agent
 * is told in Flex's real NotificationBar, and the Retry of a failed save.
 *
 * Real: Flex's `Actions`, `Notifications`, `NotificationBar` (its action buttons named
 * "{{label}} {{context.task.taskChannelUniqueName}} task"), content stores and
 * `DynamicComponent`; the save Function (`createSaveContextHandler`, run in-process
 * behind msw at the plugin's `saveContextUrl`) with the real `twilio` client.
 * Stand-ins, for what needs Twilio's cloud or the vendor's: the `manager` (a token and
 * a tiny Redux-like store of the agent's tasks), the tasks (the harness's `makeTask`,
 * their attributes TaskRouter's), the `CompleteTask` body (completes the task in the
 * TaskRouter stand-in), TaskRouter (the adapter's stand-in), Twilio IAM
 * (`stubTokenValidator`) and the Sticky Calls API (core's emulator). See
 * flex-runtime/agent.tsx and flex-runtime/backend.ts.
 */
import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { fireEvent, screen } from '@testing-library/react';
import type { Notification } from '@twilio/flex-ui';
import { describe, expect, test, vi } from 'vitest';
import { DEFAULT_STRINGS, fillTemplate } from '../strings.js';
import { NOTIFICATION_IDS } from '../wrap-up-binding.js';
import {
  complete,
  createManager,
  FILLED,
  fillWrapUp,
  formStatus,
  inWrapUp,
  keptDraft,
  pause,
  register,
  shown,
  shownFor,
  taskOfCall,
  until,
  useAgents,
  type WrapUpScene,
  wholeText,
} from './flex-runtime/agent.js';
import { ADA, ADA_REFRESHED, useBackend } from './flex-runtime/backend.js';
import { consoleErrors } from './flex-runtime/console.js';
import { renderNotificationBar, showNotification, useFlexRuntime } from './flex-runtime/harness.js';

describe('registerCallerContext on Flex 2.17.1: notifications and Retry', () => {
  const getFlex = useFlexRuntime();
  const backend = useBackend();
  useAgents();

  const FIRST = '+1 415-555-0101';
  const SECOND = '+1 415-555-0102';
  /** The refusal's words for the first call: they name the call, so two tasks' refusals differ. */
  const INVALID_FIRST = `Finish the wrap-up of the voice call from ${FIRST} before completing it: the form lists what is missing.`;
  const retryButton = (from = FIRST, label = 'Retry') =>
    screen.getByRole('button', { name: `${label} voice call from ${from} task` });
  const savedEnds = (callId: string) => backend.ends(callId).filter((end) => end.status === 200);
  const markedSaved = (taskSid: string) =>
    (backend.wrapUpOn(taskSid) as { saved?: unknown } | undefined)?.saved === true;

  /** The API answers every calls.end with 503 until `emulator.clearFaults()`. */
  const apiDown = () =>
    backend.emulator.inject({ type: 'status', status: 503, operation: 'end', times: 10_000 });

  /** An agent whose save failed after the task completed: the failure notification is up. */
  async function failedSave(options = {}): Promise<WrapUpScene> {
    const scene = await inWrapUp(backend, { options: { retryTimeoutMs: 500, ...options } });
    fillWrapUp();
    apiDown();
    expect(await complete(scene.task)).toEqual({ ok: true });
    await until(() => scene.saves.length === 1, 'the failed save');
    return scene;
  }

  describe('the notifications it registers', () => {
    test('one per outcome, with Flex’s defaults filled; the failure with a Retry action', () => {
      register(createManager());
      const registered = (id: string) => getFlex().Notifications.registeredNotifications.get(id);
      expect(registered(NOTIFICATION_IDS.invalid)).toMatchObject({ type: 'warning', timeout: 8000 });
      expect(registered(NOTIFICATION_IDS.notStored)).toMatchObject({ type: 'error', timeout: 0 });
      expect(registered(NOTIFICATION_IDS.saved)).toMatchObject({ type: 'success', timeout: 4000 });
      expect(registered(NOTIFICATION_IDS.kept)).toMatchObject({ type: 'information', timeout: 6000 });
      expect(registered(NOTIFICATION_IDS.alreadySaved)).toMatchObject({ type: 'warning', timeout: 10_000 });
      expect(registered(NOTIFICATION_IDS.taskGone)).toMatchObject({ type: 'error', timeout: 0 });
      expect(registered(NOTIFICATION_IDS.incomplete)).toMatchObject({ type: 'warning', timeout: 0 });
      expect(registered(NOTIFICATION_IDS.saveFailed)).toMatchObject({
        type: 'error',
        timeout: 0,
        closeButton: true,
      });
      expect(registered(NOTIFICATION_IDS.saveFailed)?.actions).toHaveLength(1);
    });
  });

  describe('a save that fails after completion', () => {
    test('the failure names its reason and its task; Retry in Flex’s NotificationBar saves it and takes the failure down', async () => {
      const scene = await failedSave();
      const { task, call } = scene;
      expect(shown()).toEqual([[NOTIFICATION_IDS.saveFailed, task.taskSid]]);
      expect(
        screen.getByText(
          fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, {
            reason: DEFAULT_STRINGS.StickyCallsSaveReason_failed,
          }),
        ),
      ).toBeTruthy();
      expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaveFailed);
      expect(scene.saves[0]?.result).toMatchObject({
        ok: false,
        reason: 'failed',
        retryable: true,
        httpStatus: 502,
      });
      // On the task, unsaved (for the safety net), and kept here for the Retry.
      expect(backend.wrapUpOn(task.taskSid)).toMatchObject({ ...FILLED, saved: false });
      expect(keptDraft(task)).toMatchObject({ phase: 'failed', fields: FILLED });
      expect(savedEnds(call.callId)).toEqual([]);

      backend.emulator.clearFaults();
      const saves = backend.saveRequests.length;
      fireEvent.click(retryButton());
      await until(() => scene.saves.length === 2, 'the Retry');

      expect(backend.saveRequests.length).toBe(saves + 1);
      expect(savedEnds(call.callId)).toHaveLength(1);
      expect(markedSaved(task.taskSid)).toBe(true);
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, task.taskSid]]);
      expect(screen.queryByRole('button', { name: /^Retry/ })).toBeNull();
      expect(keptDraft(task)).toBeNull();
    });

    test('Retry while the API still fails: asked again, one failure notification still up with its Retry', async () => {
      const scene = await failedSave();
      const first = shownFor(NOTIFICATION_IDS.saveFailed, scene.task);
      fireEvent.click(retryButton());
      await until(() => scene.saves.length === 2, 'the Retry');
      const again = shownFor(NOTIFICATION_IDS.saveFailed, scene.task);
      expect(again).not.toBe(first);
      expect(shown()).toEqual([[NOTIFICATION_IDS.saveFailed, scene.task.taskSid]]);
      expect(screen.getAllByRole('button', { name: /^Retry/ })).toHaveLength(1);
      expect(savedEnds(scene.call.callId)).toEqual([]);
    });

    test('two tasks failing: two notifications, each Retry naming and saving its own task', async () => {
      const scene = await inWrapUp(backend, { options: { retryTimeoutMs: 500 } });
      const second = await backend.startCall({ from: '+14155550102' });
      const other = taskOfCall(backend, second);
      scene.manager.addTask(other);
      fillWrapUp();
      scene.slot.showTask(other);
      fillWrapUp({ summary: 'Address changed' });
      apiDown();
      expect(await complete(scene.task)).toEqual({ ok: true });
      expect(await complete(other)).toEqual({ ok: true });
      await until(() => scene.saves.length === 2, 'both failed saves');
      expect(shown()).toEqual([
        [NOTIFICATION_IDS.saveFailed, scene.task.taskSid],
        [NOTIFICATION_IDS.saveFailed, other.taskSid],
      ]);
      expect(retryButton(FIRST)).toBeTruthy();
      backend.emulator.clearFaults();

      fireEvent.click(retryButton(SECOND));
      await until(() => scene.saves.length === 3, 'the second task’s Retry');
      expect(markedSaved(other.taskSid)).toBe(true);
      expect(markedSaved(scene.task.taskSid)).toBe(false);
      expect(savedEnds(second.callId).map((end) => (end.body as { variables?: unknown }).variables)).toEqual([
        { order_id: 'A-1001', summary: 'Address changed', last_contact_at: expect.any(String) },
      ]);
      expect(savedEnds(scene.call.callId)).toEqual([]);
      expect(shown()).toEqual([
        [NOTIFICATION_IDS.saveFailed, scene.task.taskSid],
        [NOTIFICATION_IDS.saved, other.taskSid],
      ]);

      fireEvent.click(retryButton(FIRST));
      await until(() => scene.saves.length === 4, 'the first task’s Retry');
      expect(markedSaved(scene.task.taskSid)).toBe(true);
      expect(savedEnds(scene.call.callId)).toHaveLength(1);
      expect(savedEnds(second.callId)).toHaveLength(1);
    });

    test('Retry clicked twice while it runs: one request', async () => {
      const scene = await failedSave();
      backend.emulator.clearFaults();
      let release = () => {};
      backend.beforeNextSave(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      const before = backend.saveRequests.length;
      const button = retryButton();
      fireEvent.click(button);
      await until(() => formStatus() === DEFAULT_STRINGS.StickyCallsWrapUpSaving, 'the Retry under way');
      fireEvent.click(button);
      await pause(100);
      release();
      await until(() => scene.saves.length === 2, 'the Retry');
      await pause(100);
      expect(backend.saveRequests).toHaveLength(before + 1);
      expect(savedEnds(scene.call.callId)).toHaveLength(1);
    });

    test('Retry after TaskRouter removed the completed task: the plain "cannot be saved" notification', async () => {
      const scene = await failedSave();
      backend.emulator.clearFaults();
      backend.taskRouter.remove(scene.task.taskSid);
      fireEvent.click(retryButton());
      await until(() => scene.saves.length === 2, 'the Retry');
      expect(backend.saveRequests.at(-1)?.answer).toMatchObject({ status: 'task_gone' });
      expect(shown()).toEqual([[NOTIFICATION_IDS.taskGone, scene.task.taskSid]]);
      expect(
        screen.getByText(
          wholeText(
            `The wrap-up of the voice call from ${FIRST} cannot be saved: Twilio removed the completed task before the save. If it was stored on the task, the server-side safety net saved it.`,
          ),
        ),
      ).toBeTruthy();
      expect(screen.queryByRole('button', { name: /^Retry/ })).toBeNull();
      expect(savedEnds(scene.call.callId)).toEqual([]);
      expect(keptDraft(scene.task)).toBeNull();
    });

    test('Retry after the safety net saved this same wrap-up: saved, nothing sent twice', async () => {
      const scene = await failedSave();
      backend.emulator.clearFaults();
      // The server-side safety net saved it meanwhile and marked the task.
      backend.taskRouter.write(scene.task.taskSid, (attributes) => ({
        ...attributes,
        [WRAP_UP_ATTRIBUTE_KEY]: { ...(attributes[WRAP_UP_ATTRIBUTE_KEY] as object), saved: true },
      }));
      fireEvent.click(retryButton());
      await until(() => scene.saves.length === 2, 'the Retry');
      // It is the agent's own wrap-up: the agent is told it is saved, not that another won.
      expect(backend.saveRequests.at(-1)?.answer).toMatchObject({ status: 'saved' });
      expect(savedEnds(scene.call.callId)).toEqual([]);
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, scene.task.taskSid]]);
      expect(keptDraft(scene.task)).toBeNull();
    });

    test('Retry after another wrap-up of the call was saved: already saved, nothing sent', async () => {
      const scene = await failedSave();
      backend.emulator.clearFaults();
      // Another wrap-up of this call (a transfer's) is the one saved and marked on the task.
      backend.taskRouter.write(scene.task.taskSid, (attributes) => ({
        ...attributes,
        [WRAP_UP_ATTRIBUTE_KEY]: {
          ...(attributes[WRAP_UP_ATTRIBUTE_KEY] as object),
          variables: { summary: 'another agent’s note' },
          saved: true,
        },
      }));
      fireEvent.click(retryButton());
      await until(() => scene.saves.length === 2, 'the Retry');
      expect(backend.saveRequests.at(-1)?.answer).toMatchObject({ status: 'already_saved' });
      expect(savedEnds(scene.call.callId)).toEqual([]);
      expect(shown()).toEqual([[NOTIFICATION_IDS.alreadySaved, scene.task.taskSid]]);
    });

    test('nothing is shown for a save that ends after the registration was removed', async () => {
      const scene = await inWrapUp(backend, { options: { retryTimeoutMs: 500 } });
      fillWrapUp();
      apiDown();
      let release = () => {};
      scene.body.onRun = () =>
        backend.beforeNextSave(
          () =>
            new Promise<void>((resolve) => {
              release = resolve;
            }),
        );
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => backend.saveRequests.length === 1, 'the store');
      scene.dispose();
      release();
      await pause(800);
      expect(getFlex().Notifications.activeNotifications).toEqual([]);
    });
  });

  describe('one notification per task and cause', () => {
    test('four refused Completes: one invalid notification for that task', async () => {
      const scene = await inWrapUp(backend);
      for (let i = 0; i < 4; i += 1) expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(shown()).toEqual([[NOTIFICATION_IDS.invalid, scene.task.taskSid]]);
      expect(screen.getAllByText(wholeText(INVALID_FIRST))).toHaveLength(1);
    });

    test('another listener of Flex’s notificationAdded throws (Flex has already added the banner): still one', async () => {
      const scene = await inWrapUp(backend);
      // Flex pushes the instance, then emits notificationAdded: a failing listener makes
      // showNotification throw after the banner is up, so its instance is never returned.
      getFlex().Notifications.addListener('notificationAdded', () => {
        throw new Error('another plugin’s listener failed');
      });
      for (let i = 0; i < 4; i += 1) expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(shown()).toEqual([[NOTIFICATION_IDS.invalid, scene.task.taskSid]]);
      expect(screen.getAllByText(wholeText(INVALID_FIRST))).toHaveLength(1);
    });

    test('a beforeAddNotification listener that shows its own copy (showNotification returns null): still one', async () => {
      const scene = await inWrapUp(backend);
      const flex = getFlex();
      // A plugin that re-shows Flex notifications with context of its own: it cancels the
      // original, so showNotification answers null while a banner of ours is up.
      let copying = false;
      flex.Notifications.addListener(
        'beforeAddNotification',
        (notification: Notification, cancel: () => void) => {
          if (copying) return;
          cancel();
          copying = true;
          try {
            flex.Notifications.showNotification(notification.id, {
              ...notification.context,
              seenBy: 'plugin',
            });
          } finally {
            copying = false;
          }
        },
      );
      for (let i = 0; i < 4; i += 1) expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(shown()).toEqual([[NOTIFICATION_IDS.invalid, scene.task.taskSid]]);
    });

    test('the refusals of two tasks stay apart: one each, each naming its call', async () => {
      const scene = await inWrapUp(backend);
      const second = await backend.startCall({ from: '+14155550102' });
      const other = taskOfCall(backend, second);
      scene.manager.addTask(other);
      for (let i = 0; i < 3; i += 1) {
        expect(await complete(scene.task)).toMatchObject({ ok: false });
        expect(await complete(other)).toMatchObject({ ok: false });
      }
      expect(shown()).toEqual([
        [NOTIFICATION_IDS.invalid, scene.task.taskSid],
        [NOTIFICATION_IDS.invalid, other.taskSid],
      ]);
      expect(screen.getAllByText(wholeText(INVALID_FIRST))).toHaveLength(1);
      expect(screen.getAllByText(wholeText(INVALID_FIRST.replace(FIRST, SECOND)))).toHaveLength(1);
    });

    test('the form’s own issue list is not repeated by the refusals: one alert, each issue once', async () => {
      const scene = await inWrapUp(backend);
      for (let i = 0; i < 4; i += 1) expect(await complete(scene.task)).toMatchObject({ ok: false });
      const alerts = screen.getAllByRole('alert');
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.querySelectorAll('li')).toHaveLength(1);
      expect(document.activeElement).toBe(alerts[0]);
    });
  });

  describe('the words of a failure', () => {
    const REASONS = [
      'timeout',
      'network_error',
      'forbidden',
      'invalid',
      'not_configured',
      'failed',
      'not_completed',
      'task_gone',
      'unexpected_answer',
    ] as const;

    test.each(REASONS)('the reason code %s in its StickyCallsSaveReason_ words, stored or not', (code) => {
      register(createManager());
      renderNotificationBar();
      const reason = DEFAULT_STRINGS[`StickyCallsSaveReason_${code}`];
      const task = { taskChannelUniqueName: `voice call from ${FIRST}` };
      showNotification(NOTIFICATION_IDS.saveFailed, { taskSid: 'WT1', reason: code, stored: true, task });
      showNotification(NOTIFICATION_IDS.saveFailed, { taskSid: 'WT2', reason: code, stored: false, task });
      showNotification(NOTIFICATION_IDS.notStored, { taskSid: 'WT3', reason: code, task });
      expect(
        screen.getByText(fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, { reason })),
      ).toBeTruthy();
      expect(
        screen.getByText(fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailedUnstored, { reason })),
      ).toBeTruthy();
      expect(
        screen.getByText(fillTemplate(DEFAULT_STRINGS.StickyCallsNotifyNotStored, { reason })),
      ).toBeTruthy();
    });

    test.each([
      ['a code it does not know', { reason: 'teapot' }],
      ['English instead of a code', { reason: 'not configured' }],
      ['no code', {}],
    ])('%s is worded as the save failing', (_name, context) => {
      register(createManager());
      renderNotificationBar();
      showNotification(NOTIFICATION_IDS.saveFailed, { taskSid: 'WT1', stored: true, ...context });
      expect(
        screen.getByText(
          fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, {
            reason: DEFAULT_STRINGS.StickyCallsSaveReason_failed,
          }),
        ),
      ).toBeTruthy();
    });

    test('from the strings option over manager.strings, the Retry label too; an admin’s later change shows at the next render', () => {
      const manager = createManager(ADA.token, {
        StickyCallsNotifySaveFailed: 'No se guardó: {{reason}}.',
        StickyCallsSaveReason_failed: 'ignored: the option wins',
        StickyCallsRetry: 'Reintentar',
      });
      register(manager, { strings: { StickyCallsSaveReason_failed: 'la API falló' } });
      renderNotificationBar();
      const task = { taskChannelUniqueName: `voice call from ${FIRST}` };
      showNotification(NOTIFICATION_IDS.saveFailed, { taskSid: 'WT1', reason: 'failed', stored: true, task });
      expect(screen.getByText('No se guardó: la API falló.')).toBeTruthy();
      expect(retryButton(FIRST, 'Reintentar')).toBeTruthy();

      manager.strings.StickyCallsNotifySaveFailed = 'Sin guardar ({{reason}})';
      showNotification(NOTIFICATION_IDS.saveFailed, { taskSid: 'WT2', reason: 'failed', stored: true, task });
      expect(screen.getByText('Sin guardar (la API falló)')).toBeTruthy();
    });
  });

  describe('the agent’s token stays secret', () => {
    test('never in the console, the notifications, onSave, the task, the API or the Function’s log', async () => {
      const warn = vi.spyOn(console, 'warn');
      const log = vi.spyOn(console, 'log');
      const info = vi.spyOn(console, 'info');
      const scene = await inWrapUp(backend, { options: { retryTimeoutMs: 500 } });
      fillWrapUp();
      // A refused token, refreshed; then the API fails and the agent retries.
      delete backend.tokens[ADA.token];
      backend.tokens[ADA_REFRESHED] = { worker_sid: ADA.workerSid, roles: ['agent'] };
      backend.beforeNextSave(() => {
        scene.manager.user.token = ADA_REFRESHED;
      });
      apiDown();
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => scene.saves.length === 1, 'the failed save');
      fireEvent.click(retryButton());
      await until(() => scene.saves.length === 2, 'the Retry');

      expect(backend.saveRequests.map((r) => r.token)).toContain(ADA_REFRESHED);
      expect(warn).toHaveBeenCalled();
      const seen = JSON.stringify([
        [warn, log, info].flatMap((spy) => spy.mock.calls.map((args) => args.map(String))),
        consoleErrors(),
        document.body.textContent,
        getFlex().Notifications.activeNotifications.map((notification) => notification.context),
        scene.saves,
        backend.taskRouter.attributes(scene.task.taskSid),
        backend.emulator.requests,
        backend.logs,
        backend.saveRequests.map((r) => r.answer),
        keptDraft(scene.task),
      ]);
      expect(seen).not.toMatch(/flex-token/);
    });
  });
});
