/**
 * What Flex's own runtime (`@twilio/flex-ui` 2.17.1) really does, checked against the
 * real `Actions`, `Notifications`, `NotificationBar`, content stores, `TaskChannels` and
 * `TaskHelper`: the behaviour the package relies on. Runs in the
 * `flex-react (Flex runtime)` project (vitest.flex.config.ts); the React 17 and React 18
 * projects also match this file's name, and it skips itself there.
 */
import { fireEvent, screen } from '@testing-library/react';
import type { ActionPayload, Notification } from '@twilio/flex-ui';
import * as React from 'react';
import { describe, expect, test, vi } from 'vitest';
import { consoleErrors } from './flex-runtime/console.js';
import {
  actionListenerCounts,
  asITask,
  type CompleteTaskPayload,
  dismissNotification,
  makeTask,
  markCompleted,
  registerCallTaskChannel,
  renderNotificationBar,
  renderTaskSlot,
  replaceCompleteTask,
  showNotification,
  useFlexRuntime,
} from './flex-runtime/harness.js';

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How an invocation settled, for asserting on it after the fact. */
async function outcome(promise: Promise<unknown>): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await promise;
    return { ok: true };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Dynamic content that shows which task it was given. */
function Marker({ label, task }: { label: string; task?: { sid: string } }) {
  return (
    <p>
      {label} for {task?.sid ?? 'no task'}
    </p>
  );
}

describe('Flex 2.17.1 runtime', () => {
  const getFlex = useFlexRuntime();

  describe('(h) Flex adds no CompleteTask listener of its own when it loads', () => {
    test('the only action listener at load is its chat beforeSendMessage; CompleteTask is registered, unreplaced, unblocked', () => {
      const flex = getFlex();
      expect(flex.VERSION).toBe('2.17.1');
      expect(actionListenerCounts()).toEqual({ beforeSendMessage: 1 });
      // Its wrap-up listener belongs to the Agent Copilot wrap-up notes component and
      // exists only while that is mounted (it needs a logged-in Flex).
      expect(flex.Actions.findPendingActions('CompleteTask').first).toBeUndefined();
      expect(flex.Actions.findBlockedActions('CompleteTask').first).toBeUndefined();
    });
  });

  describe('(a) before-listeners of one action run concurrently', () => {
    test('both start at once; the fast one finishes while the slow one is pending; the body waits for both', async () => {
      const flex = getFlex();
      const body = vi.fn(markCompleted);
      replaceCompleteTask(body);
      const task = makeTask();
      const order: string[] = [];
      const payloads: unknown[] = [];
      const slowGate = gate();
      flex.Actions.addListener('beforeCompleteTask', async (payload: ActionPayload) => {
        payloads.push(payload);
        order.push('slow started');
        await slowGate.promise;
        order.push('slow settled');
      });
      flex.Actions.addListener('beforeCompleteTask', async (payload: ActionPayload) => {
        payloads.push(payload);
        order.push('fast started');
        await Promise.resolve();
        order.push('fast finished');
      });

      const original = { task };
      const invocation = flex.Actions.invokeAction('CompleteTask', original);
      // Both listeners were called synchronously inside invokeAction, before either settled.
      expect(order).toEqual(['slow started', 'fast started']);
      await vi.waitFor(() => expect(order).toContain('fast finished'));
      await later(20);
      expect(order).toEqual(['slow started', 'fast started', 'fast finished']);
      expect(body).not.toHaveBeenCalled();
      expect(task.status).toBe('accepted');

      slowGate.open();
      await invocation;
      expect(order).toEqual(['slow started', 'fast started', 'fast finished', 'slow settled']);
      expect(body).toHaveBeenCalledTimes(1);
      expect(task.status).toBe('completed');

      // The payload: one shallow copy `{ task, sid }`, the same object for every listener.
      expect(payloads[0]).toBe(payloads[1]);
      expect(payloads[0]).not.toBe(original);
      expect(payloads[0]).toEqual({ task, sid: task.sid });
      expect((payloads[0] as CompleteTaskPayload).task).toBe(task);
      expect(body.mock.calls[0]?.[0]).toBe(payloads[0]);
    });
  });

  describe('(b) abort() is only a flag, read after every before-listener has settled', () => {
    test('the other listeners run to the end; the body and afterCompleteTask do not run; invokeAction rejects', async () => {
      const flex = getFlex();
      const body = vi.fn(markCompleted);
      replaceCompleteTask(body);
      const task = makeTask();
      const order: string[] = [];
      flex.Actions.addListener('beforeCompleteTask', async (_payload: ActionPayload, abort: () => void) => {
        abort();
        order.push('aborter aborted');
        await later(5);
        order.push('aborter finished');
      });
      flex.Actions.addListener('beforeCompleteTask', async () => {
        order.push('other started');
        await later(30);
        order.push('other finished');
      });
      const after = vi.fn();
      flex.Actions.addListener('afterCompleteTask', after);

      const settled = await outcome(
        flex.Actions.invokeAction('CompleteTask', { task }).finally(() => order.push('invocation settled')),
      );

      expect(settled).toEqual({ ok: false, message: 'Action CompleteTask cancelled by before event' });
      expect(order).toEqual([
        'aborter aborted',
        'other started',
        'aborter finished',
        'other finished',
        'invocation settled',
      ]);
      expect(body).not.toHaveBeenCalled();
      expect(after).not.toHaveBeenCalled();
      expect(task.status).toBe('accepted');
      // The aborted invocation is no longer pending: the same CompleteTask can run again.
      expect(flex.Actions.findPendingActions('CompleteTask', { task }).first).toBeUndefined();
    });

    test('abort() called after the listener has returned is ignored: the action has gone ahead', async () => {
      const flex = getFlex();
      replaceCompleteTask();
      const task = makeTask();
      let lateAbort = () => {};
      flex.Actions.addListener('beforeCompleteTask', (_payload: ActionPayload, abort: () => void) => {
        lateAbort = abort;
      });
      await flex.Actions.invokeAction('CompleteTask', { task });
      lateAbort();
      expect(task.status).toBe('completed');
    });
  });

  describe('(c) a before-listener that throws is only logged, and the action goes ahead', () => {
    test('a rejected promise: logged; the other listeners are awaited; body and after-listeners run', async () => {
      const flex = getFlex();
      replaceCompleteTask();
      const task = makeTask();
      const order: string[] = [];
      flex.Actions.addListener('beforeCompleteTask', async () => {
        order.push('rejecter');
        throw new Error('listener failed');
      });
      flex.Actions.addListener('beforeCompleteTask', async () => {
        await later(10);
        order.push('other finished');
      });
      flex.Actions.addListener('afterCompleteTask', () => {
        order.push('after');
      });

      await expect(flex.Actions.invokeAction('CompleteTask', { task })).resolves.toBeUndefined();

      expect(order).toEqual(['rejecter', 'other finished', 'after']);
      expect(task.status).toBe('completed');
      expect(consoleErrors()).toContainEqual(
        expect.stringContaining('Error on beforeCompleteTask: Error: listener failed'),
      );
    });

    test('a synchronous throw: logged; later-registered listeners never run; earlier ones are not awaited', async () => {
      const flex = getFlex();
      replaceCompleteTask();
      const task = makeTask();
      const order: string[] = [];
      flex.Actions.addListener('beforeCompleteTask', async () => {
        order.push('earlier started');
        await later(30);
        order.push('earlier finished');
      });
      flex.Actions.addListener('beforeCompleteTask', () => {
        order.push('thrower');
        throw new Error('listener failed');
      });
      const laterListener = vi.fn();
      flex.Actions.addListener('beforeCompleteTask', laterListener);
      flex.Actions.addListener('afterCompleteTask', () => {
        order.push('after');
      });

      await expect(flex.Actions.invokeAction('CompleteTask', { task })).resolves.toBeUndefined();
      order.push('invocation settled');

      expect(laterListener).not.toHaveBeenCalled();
      expect(task.status).toBe('completed');
      expect(order).toEqual(['earlier started', 'thrower', 'after', 'invocation settled']);
      expect(consoleErrors().join('\n')).toMatch(
        /Actions: Error on "beforeCompleteTask":[\s\S]*listener failed/,
      );
      await vi.waitFor(() => expect(order).toContain('earlier finished'));
    });
  });

  describe('(g) a second identical CompleteTask while one is pending', () => {
    test('is rejected before any listener runs; another task is not; a blocked one is rejected too', async () => {
      const flex = getFlex();
      const body = vi.fn(markCompleted);
      replaceCompleteTask(body);
      const task = makeTask();
      const otherTask = makeTask();
      const firstGate = gate();
      const calls: string[] = [];
      flex.Actions.addListener('beforeCompleteTask', (payload: CompleteTaskPayload) => {
        calls.push(payload.sid);
        return payload.task === task ? firstGate.promise : undefined;
      });

      const first = flex.Actions.invokeAction('CompleteTask', { task });
      expect(flex.Actions.findPendingActions('CompleteTask', { task }).first).toEqual({
        action: 'CompleteTask',
        payload: { task, sid: task.sid },
      });

      // Matched against the pending payload key by key (===): `{ task }` and `{ sid }` both match.
      expect(await outcome(flex.Actions.invokeAction('CompleteTask', { task }))).toEqual({
        ok: false,
        message: 'Action is pending',
      });
      expect(await outcome(flex.Actions.invokeAction('CompleteTask', { sid: task.sid }))).toEqual({
        ok: false,
        message: 'Action is pending',
      });
      expect(consoleErrors()).toContainEqual(expect.stringContaining('Action CompleteTask is pending'));
      expect(calls).toEqual([task.sid]);

      // Another task's CompleteTask is not held up by the pending one.
      await flex.Actions.invokeAction('CompleteTask', { task: otherTask });
      expect(otherTask.status).toBe('completed');
      expect(task.status).toBe('accepted');

      firstGate.open();
      await first;
      expect(task.status).toBe('completed');
      expect(body).toHaveBeenCalledTimes(2);

      // blockAction (what Flex's wrap-up notes do while generating) rejects the same way.
      const blocked = makeTask();
      flex.Actions.blockAction('CompleteTask', { task: blocked });
      expect(await outcome(flex.Actions.invokeAction('CompleteTask', { task: blocked }))).toEqual({
        ok: false,
        message: 'Action is blocked',
      });
      expect(calls).toEqual([task.sid, otherTask.sid]);
    });
  });

  describe('(d) Notifications', () => {
    test('registerNotification throws on a duplicate id and fills defaults', () => {
      const flex = getFlex();
      const notification = { id: 'sticky-test', content: 'Saved', type: flex.NotificationType.success };
      flex.Notifications.registerNotification(notification);
      expect(() => flex.Notifications.registerNotification({ id: 'sticky-test', content: 'again' })).toThrow(
        'Notification already registered',
      );
      const registered = flex.Notifications.registeredNotifications.get('sticky-test');
      expect(registered).toEqual({ ...notification, timeout: 8000, closeButton: true });
      expect(registered).not.toBe(notification);
    });

    test('showNotification returns an instance (or null); dismissNotification dismisses only that instance, by identity', () => {
      const flex = getFlex();
      flex.Notifications.registerNotification({ id: 'sticky-test', content: 'Saved' });
      const firstContext = { task: makeTask() };
      const first = flex.Notifications.showNotification('sticky-test', firstContext);
      const second = flex.Notifications.showNotification('sticky-test', { task: makeTask() });
      if (first === null || second === null) throw new Error('not shown');

      expect(first).toMatchObject({ id: 'sticky-test', content: 'Saved', timeout: 8000, closeButton: true });
      expect(first.context).toBe(firstContext);
      expect(first.instanceId).toMatch(/^sticky-test\d+$/);
      expect(flex.Notifications.activeNotifications).toEqual([first, second]);

      flex.Notifications.dismissNotification({ ...second });
      expect(flex.Notifications.activeNotifications).toHaveLength(2);
      flex.Notifications.dismissNotification(first);
      expect(flex.Notifications.activeNotifications).toEqual([second]);
      expect(flex.Notifications.activeNotifications[0]).toBe(second);

      // Unregistered ids, and instances a beforeAddNotification listener cancels, give null.
      expect(flex.Notifications.showNotification('sticky-unknown')).toBeNull();
      flex.Notifications.addListener('beforeAddNotification', (_shown: Notification, cancel: () => void) =>
        cancel(),
      );
      expect(flex.Notifications.showNotification('sticky-test')).toBeNull();
    });

    test('the instanceId is the id plus Date.now(): two shown in the same millisecond share it', () => {
      const flex = getFlex();
      flex.Notifications.registerNotification({ id: 'sticky-test', content: 'Saved' });
      vi.spyOn(Date, 'now').mockReturnValue(1_770_000_000_000);
      const first = flex.Notifications.showNotification('sticky-test');
      const second = flex.Notifications.showNotification('sticky-test');
      vi.restoreAllMocks();
      expect(first?.instanceId).toBe('sticky-test1770000000000');
      expect(second?.instanceId).toBe(first?.instanceId);
      expect(second).not.toBe(first);
    });
  });

  describe('(e) a notification action in the real NotificationBar', () => {
    test('is named "{{type}} {{task}} task": its label, then context.task.taskChannelUniqueName', () => {
      const flex = getFlex();
      const clicks: Array<Notification | undefined> = [];
      flex.Notifications.registerNotification({
        id: 'sticky-save-failed',
        content: 'Could not save the wrap-up',
        type: flex.NotificationType.error,
        actions: [
          <flex.NotificationBar.Action
            key="retry"
            label="Save again"
            onClick={(_event: unknown, notification: Notification) => clicks.push(notification)}
          />,
        ],
      });
      renderNotificationBar();
      const task = makeTask({ taskChannelUniqueName: 'voice' });
      const shown = showNotification('sticky-save-failed', { task });

      expect(screen.getByText('Could not save the wrap-up')).toBeTruthy();
      const button = screen.getByRole('button', { name: 'Save again voice task' });
      expect(button.getAttribute('aria-label')).toBe('Save again voice task');
      expect(button.textContent).toBe('Save again');
      // The aria-label replaces the visible label as the name: the label alone finds nothing.
      expect(screen.queryByRole('button', { name: 'Save again' })).toBeNull();
      expect(screen.getByRole('button', { name: 'Close notification' })).toBeTruthy();

      fireEvent.click(button);
      expect(clicks).toHaveLength(1);
      expect(clicks[0]).toBe(shown);
    });

    test('the {{task}} part is the channel name only (not the sid or any attribute), and empty without context.task', () => {
      const flex = getFlex();
      flex.Notifications.registerNotification({
        id: 'sticky-save-failed',
        content: 'Could not save the wrap-up',
        actions: [<flex.NotificationBar.Action key="retry" label="Save again" onClick={() => {}} />],
      });
      renderNotificationBar();
      showNotification('sticky-save-failed', {
        task: makeTask({ taskChannelUniqueName: 'custom-voice', attributes: { name: 'Dana Scully' } }),
      });
      showNotification('sticky-save-failed', {});

      const names = screen
        .getAllByRole('button')
        .map((button) => button.getAttribute('aria-label'))
        .filter((name) => name !== 'Close notification');
      expect(names).toEqual(['Save again custom-voice task', 'Save again  task']);
      expect(screen.getByRole('button', { name: 'Save again task' }).getAttribute('aria-label')).toBe(
        'Save again  task',
      );
    });

    test('dismissing an instance removes it from the bar', () => {
      const flex = getFlex();
      flex.Notifications.registerNotification({ id: 'sticky-note', content: 'Context saved', timeout: 0 });
      renderNotificationBar();
      const shown = showNotification('sticky-note');
      expect(screen.getByText('Context saved')).toBeTruthy();
      if (shown === null) throw new Error('not shown');
      dismissNotification(shown);
      expect(screen.queryByText('Context saved')).toBeNull();
    });
  });

  describe('(f) TaskHelper.isCallTask', () => {
    test('reads the channel definition that applies to the task: the built-in call channel matches taskChannelUniqueName "voice"', () => {
      const flex = getFlex();
      const voice = makeTask({ taskChannelUniqueName: 'voice' });
      const custom = makeTask({ taskChannelUniqueName: 'custom-voice', channelType: 'voice' });

      expect(flex.TaskHelper.isCallTask(asITask(voice))).toBe(true);
      expect(flex.TaskChannels.getForTask(asITask(voice)).name).toBe('call');
      // Not the channel type: a custom channel name falls to the default channel (Info only).
      expect(flex.TaskHelper.isCallTask(asITask(custom))).toBe(false);
      expect(flex.TaskChannels.getForTask(asITask(custom)).name).toBe('default');
    });

    test('a custom voice channel counts once registered with createCallTaskChannel', () => {
      const flex = getFlex();
      const custom = makeTask({ taskChannelUniqueName: 'custom-voice' });
      const channel = registerCallTaskChannel('custom-voice');

      expect(flex.TaskChannels.getForTask(asITask(custom))).toBe(channel);
      expect(flex.TaskChannels.getRegistered()[0]).toBe(channel);
      expect([...channel.capabilities]).toEqual(['Call', 'Info', 'Wrapup']);
      expect(flex.TaskHelper.isCallTask(asITask(custom))).toBe(true);
      expect(flex.TaskHelper.isLiveCall(asITask(custom))).toBe(true);
      expect(
        flex.TaskHelper.isLiveCall(
          asITask(makeTask({ taskChannelUniqueName: 'custom-voice', status: 'wrapping' })),
        ),
      ).toBe(false);
    });

    test('TaskChannels.unregister(channel) in 2.17.1 leaves only that channel registered', () => {
      const flex = getFlex();
      const before = flex.TaskChannels.getRegistered().length;
      const channel = registerCallTaskChannel('custom-voice');
      expect(flex.TaskChannels.getRegistered()).toHaveLength(before + 1);
      flex.TaskChannels.unregister(channel);
      expect(flex.TaskChannels.getRegistered()).toEqual([channel]);
      expect(flex.TaskHelper.isCallTask(asITask(makeTask({ taskChannelUniqueName: 'voice' })))).toBe(false);
    });
  });

  describe('dynamic content in a task slot', () => {
    test('Content.add shows where its if passes, with the task prop; remove(key) also hides later adds', () => {
      const flex = getFlex();
      const store = flex.TaskCanvas.Content;
      const seen: unknown[] = [];
      const cleanup = store.add(<Marker key="sticky-panel" label="panel" />, {
        sortOrder: 1,
        if: (props: { task?: { status?: string } }) => {
          seen.push(props);
          return props.task?.status === 'accepted';
        },
      });
      store.add(<Marker key="sticky-first" label="first" />, { sortOrder: 0 });
      expect(() => store.add(<Marker label="no key" />)).toThrow();

      const accepted = makeTask();
      const slot = renderTaskSlot(store, accepted);
      expect(slot.getAllByText(/ for /).map((node) => node.textContent)).toEqual([
        `first for ${accepted.sid}`,
        `panel for ${accepted.sid}`,
      ]);
      expect(seen[0]).toMatchObject({ task: accepted });

      slot.showTask(makeTask({ status: 'wrapping' }));
      expect(slot.queryByText(/^panel/)).toBeNull();

      cleanup();
      slot.showTask(accepted);
      expect(slot.queryByText(/^panel/)).toBeNull();

      store.remove('sticky-panel');
      store.add(<Marker key="sticky-panel" label="panel" />);
      slot.showTask(makeTask());
      expect(slot.queryByText(/^panel/)).toBeNull();
      expect(slot.getByText(/^first/)).toBeTruthy();
    });
  });

  describe('replaceAction', () => {
    test('replacements chain, the latest first: each gets (payload, original, next); the undo takes one out', async () => {
      const flex = getFlex();
      const order: string[] = [];
      const undoInner = replaceCompleteTask((payload) => {
        order.push('stand-in body');
        markCompleted(payload);
      });
      const original: unknown[] = [];
      flex.Actions.replaceAction('CompleteTask', async (payload, originalBody, next) => {
        order.push('outer replacement');
        original.push(originalBody);
        return next?.(payload);
      });

      const task = makeTask();
      await flex.Actions.invokeAction('CompleteTask', { task });
      expect(order).toEqual(['outer replacement', 'stand-in body']);
      expect(task.status).toBe('completed');
      // `original` is Flex's own body, not the replacement before: calling it skips the others.
      const registered = (flex.Actions as unknown as { actions: Map<string, unknown> }).actions;
      expect(original[0]).toBe(registered.get('CompleteTask'));

      undoInner();
      order.length = 0;
      const next = makeTask();
      await flex.Actions.invokeAction('CompleteTask', { task: next });
      expect(order).toEqual(['outer replacement']);
      expect(next.status).toBe('accepted');
    });
  });

  describe('the harness reset', () => {
    test('after the tests above, Flex is as loaded: listeners, replacements, notifications, content, channels', async () => {
      const flex = getFlex();
      expect(actionListenerCounts()).toEqual({ beforeSendMessage: 1 });
      expect(flex.Notifications.activeNotifications).toEqual([]);
      expect(flex.Notifications.registeredNotifications.has('sticky-test')).toBe(false);
      expect(flex.TaskCanvas.Content.fragments).toEqual([]);
      expect(flex.TaskCanvas.Content.removeRequests).toEqual([]);
      expect(flex.TaskChannels.getRegistered().map((channel) => channel.name)).toEqual([
        'call',
        'chat-facebook-messenger',
        'chat-google-business-messages',
        'chat-sms',
        'chat-apple',
        'chat-whatsapp',
        'chat',
        'chat-web',
      ]);
      // No replacement left: Flex's own CompleteTask body runs, and offline it resolves
      // with the task without completing it (the stand-in body would have).
      const task = makeTask();
      await expect(flex.Actions.invokeAction('CompleteTask', { task })).resolves.toBe(task);
      expect(task.status).toBe('accepted');
    });
  });
});
