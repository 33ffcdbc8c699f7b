/**
 * The desk's Flex stand-in keeps to what Flex 2.17 does (packages/flex-react's Flex
 * runtime tests check the real one): before-listeners at once, abort as a flag, a pending
 * CompleteTask refused, notifications that refuse duplicates and dismiss by identity,
 * and the agent's task list in `manager.store`. Then the real `registerCallerContext` on it.
 */
import { registerCallerContext } from '@stickycalls/flex-react';
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { CANCELLED, createFlexDesktop, type DeskTask } from '../flex-desktop.js';

const CALL_SID = `CA${'1'.repeat(32)}`;
const NoAction = () => null;

function task(overrides: Partial<DeskTask> = {}): DeskTask {
  return {
    sid: `WR${'a'.repeat(32)}`,
    taskSid: `WT${'a'.repeat(32)}`,
    title: 'A call',
    status: 'wrapping',
    taskStatus: 'wrapping',
    taskChannelUniqueName: 'voice',
    attributes: {
      call_sid: CALL_SID,
      from: '+14155550123',
      sticky_calls: { v: 1, status: 'ok', customer_ref: 'cust_1', confidence: 0.9, tier: 'reuse' },
    },
    ...overrides,
  };
}

function desktop(tasks: DeskTask[] = [task()], complete = vi.fn(async () => undefined)) {
  const log = vi.fn();
  const made = createFlexDesktop({
    token: 'token-1',
    tasks,
    actions: { CompleteTask: complete },
    NotificationAction: NoAction,
    log,
  });
  return { ...made, complete, log, task: made.tasks()[0] as DeskTask };
}

function gate() {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: Error) => error.message,
  );

describe('the desk’s CompleteTask', () => {
  it('calls every before-listener at once with one `{ task, sid }` copy; the body waits for all', async () => {
    const { flex, complete, task: one } = desktop();
    const order: string[] = [];
    const payloads: unknown[] = [];
    const slow = gate();
    flex.Actions.addListener('beforeCompleteTask', async (payload) => {
      payloads.push(payload);
      order.push('slow started');
      await slow.promise;
      order.push('slow settled');
    });
    flex.Actions.addListener('beforeCompleteTask', async (payload) => {
      payloads.push(payload);
      order.push('fast started');
    });
    const original = { task: one };
    const invocation = flex.Actions.invokeAction('CompleteTask', original);
    expect(order).toEqual(['slow started', 'fast started']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(complete).not.toHaveBeenCalled();
    slow.open();
    await invocation;
    expect(complete).toHaveBeenCalledTimes(1);
    expect(payloads[0]).toBe(payloads[1]);
    expect(payloads[0]).not.toBe(original);
    expect(payloads[0]).toEqual({ task: one, sid: one.sid });
    expect(complete.mock.calls[0]).toEqual([payloads[0]]);
  });

  it('reads abort() once every listener settled: no body, no after-listeners, a rejection', async () => {
    const { flex, complete, task: one } = desktop();
    const order: string[] = [];
    flex.Actions.addListener('beforeCompleteTask', (_payload, abort) => {
      (abort as () => void)();
      order.push('aborted');
    });
    flex.Actions.addListener('beforeCompleteTask', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('other finished');
    });
    const after = vi.fn();
    flex.Actions.addListener('afterCompleteTask', after);
    expect(await outcome(flex.Actions.invokeAction('CompleteTask', { task: one }))).toBe(
      CANCELLED('CompleteTask'),
    );
    expect(order).toEqual(['aborted', 'other finished']);
    expect(complete).not.toHaveBeenCalled();
    expect(after).not.toHaveBeenCalled();
  });

  it('ignores an abort() after the listener returned, and only logs a listener that fails', async () => {
    const { flex, complete, log, task: one } = desktop();
    let late = () => {};
    flex.Actions.addListener('beforeCompleteTask', (_payload, abort) => {
      late = abort as () => void;
    });
    flex.Actions.addListener('beforeCompleteTask', async () => {
      throw new Error('listener failed');
    });
    const after = vi.fn();
    flex.Actions.addListener('afterCompleteTask', after);
    await flex.Actions.invokeAction('CompleteTask', { task: one });
    late();
    expect(complete).toHaveBeenCalledTimes(1);
    expect(after).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('listener failed'));
  });

  it('refuses a second identical CompleteTask while one is pending, before any listener runs', async () => {
    const other = task({ sid: `WR${'b'.repeat(32)}`, taskSid: `WT${'b'.repeat(32)}` });
    const { flex, complete, task: one } = desktop([task(), other]);
    const first = gate();
    const calls: string[] = [];
    flex.Actions.addListener('beforeCompleteTask', (payload) => {
      const { sid } = payload as { sid: string };
      calls.push(sid);
      return sid === one.sid ? first.promise : undefined;
    });
    const pending = flex.Actions.invokeAction('CompleteTask', { task: one });
    expect(await outcome(flex.Actions.invokeAction('CompleteTask', { task: one }))).toBe('Action is pending');
    await flex.Actions.invokeAction('CompleteTask', { task: other });
    expect(calls).toEqual([one.sid, other.sid]);
    first.open();
    await pending;
    expect(complete).toHaveBeenCalledTimes(2);
  });
});

describe('the desk’s notifications', () => {
  it('refuse a duplicate id, fill the defaults, and dismiss the instance given only', () => {
    const { flex } = desktop();
    const { Notifications } = flex;
    Notifications.registerNotification({ id: 'n', content: 'Saved' });
    expect(() => Notifications.registerNotification({ id: 'n', content: 'again' })).toThrow(
      'Notification already registered',
    );
    expect(Notifications.registeredNotifications.get('n')).toEqual({
      id: 'n',
      content: 'Saved',
      timeout: 8000,
      closeButton: true,
    });
    const context = { taskSid: 'WT1' };
    const first = Notifications.showNotification('n', context) as { context?: unknown };
    const second = Notifications.showNotification('n');
    expect(first.context).toBe(context);
    expect(Notifications.showNotification('unknown')).toBeNull();
    Notifications.dismissNotification?.({ ...(second as { id: string }) });
    expect(Notifications.activeNotifications).toHaveLength(2);
    Notifications.dismissNotification?.(first as { id: string });
    expect(Notifications.activeNotifications).toEqual([second]);
  });
});

describe('the desk’s content and task list', () => {
  it('needs a key to add; remove(key) also hides later adds', () => {
    const { flex, content, task: one } = desktop();
    expect(() => flex.TaskCanvas.Content.add(createElement('p'))).toThrow('a key is needed');
    flex.TaskCanvas.Content.remove('panel');
    flex.TaskCanvas.Content.add(createElement('p', { key: 'panel' }));
    const undo = flex.TaskCanvas.Content.add(createElement('p', { key: 'form' }), { if: () => true });
    expect(content('TaskCanvas', one).map((item) => item.element.key)).toEqual(['form']);
    (undo as () => void)();
    expect(content('TaskCanvas', one)).toEqual([]);
  });

  it('drops a task from `flex.worker.tasks` once its reservation ended, whoever ended it', () => {
    const { manager, update, tasks, task: one } = desktop();
    const listener = vi.fn();
    manager.store.subscribe(listener);
    expect([...manager.store.getState().flex.worker.tasks.keys()]).toEqual([one.sid]);
    update([{ ...one, attributes: { ...one.attributes, note: 'x' } }]);
    expect(listener).not.toHaveBeenCalled();
    update([{ ...one, status: 'completed', taskStatus: 'completed' }]);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(manager.store.getState().flex.worker.tasks.size).toBe(0);
    // The desk keeps showing it, updated in place.
    expect(tasks()[0]).toBe(one);
    expect(one.status).toBe('completed');
  });
});

describe('registerCallerContext on the desk', () => {
  it('registers once (a second registration is refused); an empty wrap-up keeps the task open', async () => {
    const { flex, manager, complete, task: one } = desktop();
    const post = vi.fn();
    const dispose = registerCallerContext(flex, manager, {
      saveContextUrl: 'http://127.0.0.1:4400/fn/save-context',
      fetch: post,
    });
    expect(() =>
      registerCallerContext(flex, manager, { saveContextUrl: 'http://127.0.0.1:4400/fn/save-context' }),
    ).toThrow(/already registered/);
    expect(await outcome(flex.Actions.invokeAction('CompleteTask', { task: one }))).toBe(
      CANCELLED('CompleteTask'),
    );
    expect(complete).not.toHaveBeenCalled();
    expect(post).not.toHaveBeenCalled();
    expect(flex.Notifications.activeNotifications.map((n) => n.id)).toEqual(['StickyCallsWrapUpInvalid']);
    dispose();
    expect(flex.Notifications.registeredNotifications.size).toBe(0);
  });
});
