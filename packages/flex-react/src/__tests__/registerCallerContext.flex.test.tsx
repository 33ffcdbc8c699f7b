/**
 * registerCallerContext on Flex's own runtime (`@twilio/flex-ui` 2.17.1): completing a
 * task in wrap-up, and what the agent, the Sticky Calls API and TaskRouter end up with.
 *
 * Real: Flex's `Actions` (before-listeners run concurrently, `abort` read after all
 * settle), `Notifications`, `NotificationBar`, content stores and `DynamicComponent`;
 * the save Function (`createSaveContextHandler`, run in-process behind msw at the
 * plugin's `saveContextUrl`) with the real `twilio` client. Stand-ins, for what needs
 * Twilio's cloud or the vendor's: the `manager` (a token and a tiny Redux-like store of
 * the agent's tasks), the tasks (the harness's `makeTask`, their attributes TaskRouter's),
 * the `CompleteTask` body (completes the task in the TaskRouter stand-in), TaskRouter
 * (the adapter's stand-in), Twilio IAM (`stubTokenValidator`) and the Sticky Calls API
 * (core's emulator). See flex-runtime/agent.tsx and flex-runtime/backend.ts.
 */
import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import type { ActionPayload } from '@twilio/flex-ui';
import { describe, expect, test, vi } from 'vitest';
import { DEFAULT_STRINGS } from '../strings.js';
import { NOTIFICATION_IDS } from '../wrap-up-binding.js';
import {
  complete,
  completeElsewhere,
  completeTaskBody,
  createManager,
  FILLED,
  fillWrapUp,
  formStatus,
  inWrapUp,
  keptDraft,
  pause,
  register,
  SUMMARY,
  shown,
  summaryField,
  taskOfCall,
  until,
  useAgents,
  type WrapUpScene,
  wholeText,
  wrapUpForm,
} from './flex-runtime/agent.js';
import { ADA, ADA_REFRESHED, GRACE, useBackend } from './flex-runtime/backend.js';
import { consoleErrors } from './flex-runtime/console.js';
import { renderNotificationBar, renderTaskSlot, useFlexRuntime } from './flex-runtime/harness.js';

describe('registerCallerContext on Flex 2.17.1: completing a task', () => {
  const getFlex = useFlexRuntime();
  const backend = useBackend();
  useAgents();

  /** The wrap-up the task should hold for the filled form. */
  const onTask = ({ call }: WrapUpScene, saved: boolean, fields: object = FILLED) => ({
    call_id: call.callId,
    customer_ref: call.customerRef,
    ...fields,
    saved,
  });

  /** A `calls.end` body: the call, the customer and the fields, with the time of the contact Sticky Calls records. */
  const ended = (
    callId: string,
    customerRef: string | null,
    fields: { readonly variables: Readonly<Record<string, string>> } = FILLED,
  ) => ({
    call_id: callId,
    customer_ref: customerRef,
    ...fields,
    variables: { ...fields.variables, last_contact_at: expect.any(String) },
  });

  /** The task's attributes without the wrap-up. */
  const withoutWrapUp = (taskSid: string) => {
    const { [WRAP_UP_ATTRIBUTE_KEY]: _wrapUp, ...rest } = backend.taskRouter.attributes(taskSid);
    return rest;
  };

  const actions = () => backend.saveRequests.map((request) => request.action);
  const markedSaved = (taskSid: string) =>
    (backend.wrapUpOn(taskSid) as { saved?: unknown } | undefined)?.saved === true;
  /** The task is marked saved and the Function's answer has reached the browser. */
  const savedOnTask = (scene: WrapUpScene) =>
    markedSaved(scene.task.taskSid) &&
    backend.saveRequests.some((r) => r.action === 'save' && r.status === 200);
  /** What the API remembers of the caller. */
  const apiHolds = () => {
    const customer = backend.emulator.customers()[0];
    return {
      refund: customer?.intents.get('refund_request'),
      summary: customer?.variables.get('summary')?.value,
    };
  };
  const retryButton = (from = '+1 415-555-0101') =>
    screen.getByRole('button', { name: `Retry voice call from ${from} task` });

  describe('a wrap-up saved at completion', () => {
    test('stored on the task before the body runs, saved once after it with the task’s call and customer, the task marked saved, the draft gone', async () => {
      const scene = await inWrapUp(backend);
      const { task, call, body, manager, saves } = scene;
      fillWrapUp();
      expect(keptDraft(task)).toMatchObject({ phase: 'editing', draft: { summary: SUMMARY } });
      // Flex refreshed the token after init: every request carries the token of its moment.
      backend.tokens[ADA_REFRESHED] = { worker_sid: ADA.workerSid, roles: ['agent'] };
      manager.user.token = ADA_REFRESHED;
      const atBody: unknown[] = [];
      body.onRun = () => atBody.push([backend.wrapUpOn(task.taskSid), backend.ends(call.callId).length]);

      expect(await complete(task)).toEqual({ ok: true });
      await until(() => saves.length === 1, 'the save');

      expect(atBody).toEqual([[onTask(scene, false), 0]]);
      expect(backend.saveRequests.map((r) => [r.action, r.taskSid, r.token, r.status])).toEqual([
        ['store', task.taskSid, ADA_REFRESHED, 200],
        ['save', task.taskSid, ADA_REFRESHED, 200],
      ]);
      const ends = backend.ends(call.callId);
      expect(ends.map((end) => [end.status, end.body])).toEqual([
        [200, ended(call.callId, call.customerRef)],
      ]);
      expect(apiHolds()).toEqual({ refund: { status: 'resolved', attemptCount: 1 }, summary: SUMMARY });
      expect(backend.wrapUpOn(task.taskSid)).toEqual(onTask(scene, true));
      expect(withoutWrapUp(task.taskSid)).toEqual(call.attributes);
      expect(backend.taskRouter.task(task.taskSid)?.assignmentStatus).toBe('completed');
      expect(keptDraft(task)).toBeNull();
      // The agent is told, once, that it was saved: naming the call, in the agent's words.
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, task.taskSid]]);
      expect(
        screen.getByText(
          wholeText('The wrap-up of the voice call from +1 415-555-0101 was saved to the caller’s memory.'),
        ),
      ).toBeTruthy();
      expect(getFlex().Notifications.activeNotifications[0]?.type).toBe('success');
      expect(saves).toEqual([
        { taskSid: task.taskSid, result: { ok: true, status: 'saved', saveable: true, attempts: 1 } },
      ]);
      // Nothing more happens later (the task leaving the list is this completion's).
      await pause(100);
      expect(backend.ends(call.callId)).toHaveLength(1);
      expect(actions()).toEqual(['store', 'save']);
    });

    test('the task leaving the agent’s list after the after-listeners changes nothing', async () => {
      const scene = await inWrapUp(backend);
      scene.body.leave = 'later';
      fillWrapUp();
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => savedOnTask(scene) && scene.manager.tasks().size === 0, 'the save and the list');
      await pause(100);
      expect(actions()).toEqual(['store', 'save']);
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, scene.task.taskSid]]);
    });

    test('a caller nobody can name (number withheld): said before, kept on the task only, calls.end never sent, said after', async () => {
      const scene = await inWrapUp(backend, { from: 'anonymous', returning: false });
      const form = within(wrapUpForm());
      // No open intents: the words go straight into the box, no radio to click first.
      expect(form.queryAllByRole('radio', { name: 'Something else' })).toEqual([]);
      fireEvent.change(form.getByRole('textbox', { name: DEFAULT_STRINGS.StickyCallsWrapUpNewIntentLabel }), {
        target: { value: 'Billing question' },
      });
      fireEvent.click(form.getByRole('radio', { name: 'Still open' }));
      const preview = wrapUpForm().querySelector('[data-sticky-calls="save-preview"]');
      expect(preview?.getAttribute('data-saves')).toBe('task');
      expect(preview?.textContent).toBe(DEFAULT_STRINGS.StickyCallsWrapUpKeptWithheld);

      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => backend.saveRequests.length === 2, 'the save');
      expect(backend.saveRequests.map((r) => [r.action, r.answer.status, r.answer.saveable])).toEqual([
        ['store', 'stored', false],
        ['save', 'stored', false],
      ]);
      expect(backend.emulator.requests.filter((request) => request.operation === 'end')).toEqual([]);
      expect(backend.wrapUpOn(scene.task.taskSid)).toEqual({
        call_id: scene.call.callId,
        customer_ref: null,
        intent: 'billing_question',
        intent_status: 'open',
        saved: false,
      });
      // Its own quiet notification: kept on the task, not saved to any caller's memory.
      expect(shown()).toEqual([[NOTIFICATION_IDS.kept, scene.task.taskSid]]);
      expect(getFlex().Notifications.activeNotifications[0]?.type).toBe('information');
      expect(
        screen.getByText(
          wholeText(
            'The wrap-up of the voice call from a withheld number was kept on the task only: it was not saved to any caller’s memory.',
          ),
        ),
      ).toBeTruthy();
      expect(keptDraft(scene.task)).toBeNull();
    });

    test('tasks that are no Sticky Calls call (a chat, an outbound call) show no form and complete with nothing posted', async () => {
      const manager = createManager();
      register(manager);
      completeTaskBody(backend, manager);
      const chat = taskOfCall(
        backend,
        { attributes: { channelSid: 'CH1', from: 'web-visitor' } },
        { taskChannelUniqueName: 'chat', channelType: 'web' },
      );
      const outbound = taskOfCall(backend, {
        attributes: {
          call_sid: 'CA0123456789abcdef0123456789abcdef',
          to: '+14155550000',
          direction: 'outbound',
        },
      });
      for (const task of [chat, outbound]) {
        manager.addTask(task);
        renderTaskSlot(getFlex().TaskCanvas.Content, task);
        expect(screen.queryByRole('region', { name: 'Wrap-up' })).toBeNull();
        expect(await complete(task)).toEqual({ ok: true });
        cleanup();
      }
      await pause();
      expect(backend.saveRequests).toEqual([]);
      expect(shown()).toEqual([]);
    });

    test.each(['accepted', 'pending'] as const)(
      'completing a task that is %s (no form shown) is left alone',
      async (status) => {
        const manager = createManager();
        register(manager);
        completeTaskBody(backend, manager);
        const task = taskOfCall(backend, await backend.startCall(), { status, taskStatus: 'assigned' });
        manager.addTask(task);
        expect(await complete(task)).toEqual({ ok: true });
        await pause();
        expect(backend.saveRequests).toEqual([]);
        expect(shown()).toEqual([]);
      },
    );

    test('a task whose status is not known is checked', async () => {
      const manager = createManager();
      register(manager);
      completeTaskBody(backend, manager);
      const task = taskOfCall(backend, await backend.startCall());
      (task as { status?: string | undefined }).status = undefined;
      expect(await complete(task)).toEqual({
        ok: false,
        message: 'Action CompleteTask cancelled by before event',
      });
      expect(shown()).toEqual([[NOTIFICATION_IDS.invalid, task.taskSid]]);
      expect(backend.saveRequests).toEqual([]);
    });
  });

  describe('a completion another plugin cancels', () => {
    test.each(['before', 'after'] as const)(
      'its listener registered %s ours aborts: nothing saved, the form editable, invokeAction rejects; Complete again saves once',
      async (where) => {
        const flex = getFlex();
        const other = vi.fn((_payload: ActionPayload, abort: () => void) => abort());
        if (where === 'before') flex.Actions.addListener('beforeCompleteTask', other);
        const scene = await inWrapUp(backend);
        if (where === 'after') flex.Actions.addListener('beforeCompleteTask', other);
        fillWrapUp();

        expect(await complete(scene.task)).toEqual({
          ok: false,
          message: 'Action CompleteTask cancelled by before event',
        });
        await pause(200);
        expect(other).toHaveBeenCalledTimes(1);
        expect(scene.body.runs).toBe(0);
        // Our listener ran beside the other one: the wrap-up is stored, never saved.
        expect(actions()).toEqual(['store']);
        expect(
          backend.emulator.requests.filter(
            (r) => r.operation === 'end' && (r.body as { call_id?: string }).call_id === scene.call.callId,
          ),
        ).toEqual([]);
        expect(backend.wrapUpOn(scene.task.taskSid)).toEqual(onTask(scene, false));
        expect(backend.taskRouter.task(scene.task.taskSid)?.assignmentStatus).toBe('wrapping');
        expect(scene.saves).toEqual([]);
        expect(shown()).toEqual([]);
        expect(summaryField().disabled).toBe(false);
        expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpStoredPending);

        // The agent adds to the note; the other plugin is satisfied now.
        flex.Actions.removeListener('beforeCompleteTask', other);
        fireEvent.change(summaryField(), { target: { value: `${SUMMARY}, label sent` } });
        expect(await complete(scene.task)).toEqual({ ok: true });
        await until(() => savedOnTask(scene), 'the save');
        const fields = { ...FILLED, variables: { ...FILLED.variables, summary: `${SUMMARY}, label sent` } };
        expect(actions()).toEqual(['store', 'store', 'save']);
        expect(backend.ends(scene.call.callId).map((end) => end.body)).toEqual([
          ended(scene.call.callId, scene.call.customerRef, fields),
        ]);
        expect(backend.wrapUpOn(scene.task.taskSid)).toEqual(onTask(scene, true, fields));
      },
    );

    test('TaskRouter refusing the completion (the body fails): nothing saved; Complete again saves once', async () => {
      const scene = await inWrapUp(backend);
      fillWrapUp();
      scene.body.fail = true;
      const refused = await complete(scene.task);
      expect(refused).toMatchObject({
        ok: false,
        message: expect.stringContaining('TaskRouter refused the completion'),
      });
      await pause(200);
      expect(actions()).toEqual(['store']);
      expect(summaryField().disabled).toBe(false);

      scene.body.fail = false;
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => savedOnTask(scene), 'the save');
      expect(actions()).toEqual(['store', 'store', 'save']);
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
    });

    test('a second Complete while the first is storing is refused by Flex before any listener: one store, one save', async () => {
      const scene = await inWrapUp(backend);
      fillWrapUp();
      let release = () => {};
      backend.beforeNextSave(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      const flex = getFlex();
      const first = flex.Actions.invokeAction('CompleteTask', { task: scene.task });
      await until(() => formStatus() === DEFAULT_STRINGS.StickyCallsWrapUpStoring, 'the store under way');
      expect(await complete(scene.task)).toEqual({ ok: false, message: 'Action is pending' });
      release();
      await until(() => savedOnTask(scene), 'the save');
      await first;
      expect(actions()).toEqual(['store', 'save']);
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
    });
  });

  describe('a listener of another plugin that throws', () => {
    test('an async rejection is only logged: the completion goes ahead and the wrap-up is saved once', async () => {
      const flex = getFlex();
      flex.Actions.addListener('beforeCompleteTask', async () => {
        throw new Error('the other plugin failed');
      });
      const scene = await inWrapUp(backend);
      fillWrapUp();
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => savedOnTask(scene), 'the save');
      expect(actions()).toEqual(['store', 'save']);
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
      expect(consoleErrors()).toContainEqual(expect.stringContaining('the other plugin failed'));
    });

    test.each(['in-body', 'later'] as const)(
      'a synchronous throw before ours: ours never runs, yet the completion goes ahead, so the draft is saved once after it (the task leaves the list %s)',
      async (leave) => {
        const flex = getFlex();
        flex.Actions.addListener('beforeCompleteTask', () => {
          throw new Error('the other plugin failed');
        });
        const scene = await inWrapUp(backend);
        scene.body.leave = leave;
        fillWrapUp();

        expect(await complete(scene.task)).toEqual({ ok: true });
        expect(consoleErrors().join('\n')).toMatch(
          /Error on "beforeCompleteTask"[\s\S]*the other plugin failed/,
        );
        await until(() => savedOnTask(scene), 'the save');
        await pause(100);
        // Never stored first (our check did not run); saved once the task had completed.
        expect(actions()).toEqual(['save']);
        expect(backend.ends(scene.call.callId).map((end) => end.body)).toEqual([
          ended(scene.call.callId, scene.call.customerRef),
        ]);
        expect(shown().filter(([id]) => id !== NOTIFICATION_IDS.saved)).toEqual([]);
        expect(keptDraft(scene.task)).toBeNull();
      },
    );

    test('a synchronous throw after ours: Flex does not wait for our store, and the wrap-up is saved once the store is done', async () => {
      const flex = getFlex();
      const scene = await inWrapUp(backend);
      flex.Actions.addListener('beforeCompleteTask', () => {
        throw new Error('the other plugin failed');
      });
      fillWrapUp();
      let release = () => {};
      backend.beforeNextSave(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );

      expect(await complete(scene.task)).toEqual({ ok: true });
      expect(scene.body.runs).toBe(1);
      await pause(100);
      expect(backend.saveRequests).toEqual([]);
      release();
      await until(() => savedOnTask(scene), 'the save');
      await pause(100);
      expect(actions()).toEqual(['store', 'save']);
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
      expect(keptDraft(scene.task)).toBeNull();
    });
  });

  describe('another writer of the task’s attributes', () => {
    test('changing them between the Function’s read and write: both its change and the wrap-up stay (If-Match, 412, merged again)', async () => {
      const scene = await inWrapUp(backend);
      const { task } = scene;
      fillWrapUp();
      // A transfer recorded while the wrap-up is being stored ...
      backend.taskRouter.beforeNextUpdate((sid) =>
        backend.taskRouter.write(sid, (attributes) => ({
          ...attributes,
          transfers: { outgoing: { to: GRACE.workerSid } },
        })),
      );
      // ... and Flex Insights' outcome written while it is being marked saved.
      scene.body.onRun = () =>
        backend.taskRouter.beforeNextUpdate((sid) =>
          backend.taskRouter.write(sid, (attributes) => ({
            ...attributes,
            conversations: { outcome: 'resolved' },
          })),
        );

      expect(await complete(task)).toEqual({ ok: true });
      await until(() => savedOnTask(scene), 'the save');

      expect(backend.taskRouter.attributes(task.taskSid)).toEqual({
        ...scene.call.attributes,
        transfers: { outgoing: { to: GRACE.workerSid } },
        conversations: { outcome: 'resolved' },
        [WRAP_UP_ATTRIBUTE_KEY]: onTask(scene, true),
      });
      const updates = backend.taskRouter.requests.filter((request) => request.method === 'POST');
      expect(updates.map((update) => update.status)).toEqual([412, 200, 412, 200]);
      for (const update of updates) expect(update.ifMatch).not.toBeNull();
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
    });
  });

  describe('a reload in the middle of a wrap-up', () => {
    test('the registration made again over the same localStorage shows the draft; Complete saves it', async () => {
      const first = await inWrapUp(backend);
      fillWrapUp();
      first.dispose();
      cleanup();

      const manager = createManager();
      register(manager);
      completeTaskBody(backend, manager);
      manager.addTask(first.task);
      renderNotificationBar();
      renderTaskSlot(getFlex().TaskCanvas.Content, first.task);

      expect(summaryField().value).toBe(SUMMARY);
      const form = within(wrapUpForm());
      expect((form.getByRole('radio', { name: /^Refund request/ }) as HTMLInputElement).checked).toBe(true);
      expect((form.getByRole('radio', { name: 'Resolved' }) as HTMLInputElement).checked).toBe(true);
      expect((form.getAllByLabelText('Name')[0] as HTMLInputElement).value).toBe('order_id');

      expect(await complete(first.task)).toEqual({ ok: true });
      await until(() => savedOnTask(first), 'the save');
      expect(backend.ends(first.call.callId).map((end) => end.body)).toEqual([
        ended(first.call.callId, first.call.customerRef),
      ]);
      expect(keptDraft(first.task)).toBeNull();
    });
  });

  describe('a task completed without the agent’s Complete (a supervisor, a wrap-up timeout)', () => {
    test('the kept draft is saved once, and the agent told', async () => {
      const scene = await inWrapUp(backend);
      fillWrapUp();
      completeElsewhere(backend, scene.manager, scene.task);
      await until(() => savedOnTask(scene), 'the save');
      await pause(100);
      expect(actions()).toEqual(['save']);
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, scene.task.taskSid]]);
      expect(
        screen.getByText(
          wholeText('The wrap-up of the voice call from +1 415-555-0101 was saved to the caller’s memory.'),
        ),
      ).toBeTruthy();
      expect(keptDraft(scene.task)).toBeNull();
    });

    test('an incomplete draft: the "incomplete" notification, nothing saved, the draft kept', async () => {
      const scene = await inWrapUp(backend);
      fireEvent.click(within(wrapUpForm()).getByRole('radio', { name: /^Refund request/ }));
      fireEvent.change(summaryField(), { target: { value: 'no status picked' } });
      completeElsewhere(backend, scene.manager, scene.task);
      await until(() => shown().length > 0, 'the notification');
      expect(shown()).toEqual([[NOTIFICATION_IDS.incomplete, scene.task.taskSid]]);
      expect(
        screen.getByText(
          wholeText(
            'The voice call from +1 415-555-0101 was completed before its wrap-up was complete, so the wrap-up was not saved.',
          ),
        ),
      ).toBeTruthy();
      expect(backend.saveRequests).toEqual([]);
      expect(keptDraft(scene.task)).toMatchObject({ draft: { summary: 'no status picked' } });
    });

    test('an untouched form: nothing posted, nothing said', async () => {
      const scene = await inWrapUp(backend);
      completeElsewhere(backend, scene.manager, scene.task);
      await pause(100);
      expect(backend.saveRequests).toEqual([]);
      expect(shown()).toEqual([]);
    });

    test('after another plugin cancelled the agent’s Complete: the stored wrap-up is saved once', async () => {
      const flex = getFlex();
      const other = (_payload: ActionPayload, abort: () => void) => abort();
      flex.Actions.addListener('beforeCompleteTask', other);
      const scene = await inWrapUp(backend);
      fillWrapUp();
      expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(actions()).toEqual(['store']);

      completeElsewhere(backend, scene.manager, scene.task);
      await until(() => savedOnTask(scene), 'the save');
      await pause(100);
      expect(actions()).toEqual(['store', 'save']);
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
      expect(keptDraft(scene.task)).toBeNull();
    });
  });

  describe('a transfer: two tasks of one call, two agents', () => {
    test('the second save answers already_saved; calls.end recorded once; the second agent is told', async () => {
      const call = await backend.startCall();
      const ada = createManager(ADA.token);
      const disposeAda = register(ada);
      completeTaskBody(backend, ada);
      const adaTask = taskOfCall(backend, call, { agent: ADA });
      const graceTask = taskOfCall(backend, call, {
        agent: GRACE,
        status: 'accepted',
        taskStatus: 'assigned',
      });
      ada.addTask(adaTask);
      renderTaskSlot(getFlex().TaskCanvas.Content, adaTask);
      fillWrapUp();
      expect(await complete(adaTask)).toEqual({ ok: true });
      await until(() => markedSaved(adaTask.taskSid) && keptDraft(adaTask) === null, 'Ada’s save, answered');
      disposeAda();
      cleanup();

      // Grace's browser, on another machine: she took the transfer and wraps up too.
      localStorage.clear();
      graceTask.status = 'wrapping';
      backend.taskRouter.setStatus(graceTask.taskSid, 'wrapping', 'wrapping');
      const grace = createManager(GRACE.token);
      register(grace);
      completeTaskBody(backend, grace);
      grace.addTask(graceTask);
      renderNotificationBar();
      renderTaskSlot(getFlex().TaskCanvas.Content, graceTask);
      fillWrapUp({ summary: 'Confirmed the refund' });
      expect(await complete(graceTask)).toEqual({ ok: true });
      await until(() => shown().length > 0, 'Grace’s notification');

      expect(backend.saveRequests.map((r) => [r.token, r.action, r.answer.status])).toEqual([
        [ADA.token, 'store', 'stored'],
        [ADA.token, 'save', 'saved'],
        [GRACE.token, 'store', 'stored'],
        [GRACE.token, 'save', 'already_saved'],
      ]);
      expect(backend.ends(call.callId).map((end) => end.status)).toEqual([200, 409]);
      expect(backend.emulator.usage.end).toBe(2); // the returning caller's first call, and Ada's
      expect(apiHolds().summary).toBe(SUMMARY);
      expect(shown()).toEqual([[NOTIFICATION_IDS.alreadySaved, graceTask.taskSid]]);
      expect(screen.getByText(DEFAULT_STRINGS.StickyCallsNotifyAlreadySaved)).toBeTruthy();
      expect(backend.wrapUpOn(graceTask.taskSid)).toMatchObject({
        saved: true,
        variables: { summary: 'Confirmed the refund' },
      });
    });
  });

  describe('the agent’s token', () => {
    test('refreshed by Flex while the first was refused: the next attempt carries the new one, and it saves', async () => {
      const scene = await inWrapUp(backend);
      fillWrapUp();
      // Twilio IAM no longer takes the old token; Flex has refreshed it meanwhile.
      delete backend.tokens[ADA.token];
      backend.tokens[ADA_REFRESHED] = { worker_sid: ADA.workerSid, roles: ['agent'] };
      backend.beforeNextSave(() => {
        scene.manager.user.token = ADA_REFRESHED;
      });

      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => savedOnTask(scene), 'the save');
      expect(backend.saveRequests.map((r) => [r.action, r.token, r.status])).toEqual([
        ['store', ADA.token, 403],
        ['store', ADA_REFRESHED, 200],
        ['save', ADA_REFRESHED, 200],
      ]);
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, scene.task.taskSid]]);
    });

    test('refused and not refreshed: the task stays open with the reason; once Flex refreshed it, Complete saves', async () => {
      const scene = await inWrapUp(backend);
      fillWrapUp();
      delete backend.tokens[ADA.token];
      expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(shown()).toEqual([[NOTIFICATION_IDS.notStored, scene.task.taskSid]]);
      expect(
        screen.getByText(
          'The wrap-up could not be stored on the task (your Flex session was refused). The task stays open: try completing it again.',
        ),
      ).toBeTruthy();

      backend.tokens[ADA_REFRESHED] = { worker_sid: ADA.workerSid, roles: ['agent'] };
      scene.manager.user.token = ADA_REFRESHED;
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => savedOnTask(scene), 'the save');
      expect(backend.saveRequests.map((r) => r.token)).toEqual([ADA.token, ADA_REFRESHED, ADA_REFRESHED]);
      // The refusal is taken down; the save is confirmed.
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, scene.task.taskSid]]);
    });
  });

  describe('an invalid draft', () => {
    test('stops the completion, warns, shows the issues in the form and takes the focus to them each time; once fixed, saves', async () => {
      const scene = await inWrapUp(backend);
      expect(await complete(scene.task)).toEqual({
        ok: false,
        message: 'Action CompleteTask cancelled by before event',
      });
      expect(shown()).toEqual([[NOTIFICATION_IDS.invalid, scene.task.taskSid]]);
      expect(
        screen.getByText(
          wholeText(
            'Finish the wrap-up of the voice call from +1 415-555-0101 before completing it: the form lists what is missing.',
          ),
        ),
      ).toBeTruthy();
      const issues = within(wrapUpForm()).getByRole('alert');
      expect(issues.textContent).toContain(DEFAULT_STRINGS.StickyCallsErrorIntentRequired);
      expect(document.activeElement).toBe(issues);

      summaryField().focus();
      expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(document.activeElement).toBe(within(wrapUpForm()).getByRole('alert'));

      fillWrapUp({ details: [['order_id', '']] });
      expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(within(wrapUpForm()).getByRole('alert').textContent).toContain('Detail 1 needs a value.');
      expect(backend.saveRequests).toEqual([]);

      fireEvent.change(within(wrapUpForm()).getAllByLabelText('Value')[0] as HTMLElement, {
        target: { value: 'A-1001' },
      });
      expect(within(wrapUpForm()).queryByRole('alert')).toBeNull();
      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => savedOnTask(scene), 'the save');
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, scene.task.taskSid]]);
    });
  });

  describe('a save Function that cannot be reached', () => {
    test('the task stays open at the first Complete; the second lets it through, kept in this browser; Retry saves it', async () => {
      const scene = await inWrapUp(backend, { options: { completionTimeoutMs: 500, retryTimeoutMs: 500 } });
      fillWrapUp();
      backend.setReachable(false);

      expect(await complete(scene.task)).toMatchObject({ ok: false });
      expect(shown()).toEqual([[NOTIFICATION_IDS.notStored, scene.task.taskSid]]);
      expect(summaryField().disabled).toBe(false);
      expect(scene.body.runs).toBe(0);

      expect(await complete(scene.task)).toEqual({ ok: true });
      await until(() => shown().some(([id]) => id === NOTIFICATION_IDS.saveFailed), 'the failure');
      expect(shown()).toEqual([[NOTIFICATION_IDS.saveFailed, scene.task.taskSid]]);
      expect(
        screen.getByText(
          'The wrap-up for this call was not saved (the save Function could not be reached) and is kept only in this browser: retry now to save it.',
        ),
      ).toBeTruthy();
      expect(keptDraft(scene.task)).toMatchObject({ phase: 'local', fields: FILLED });
      expect(backend.saveRequests).toEqual([]);

      backend.setReachable(true);
      fireEvent.click(retryButton());
      await until(() => savedOnTask(scene), 'the save');
      expect(actions()).toEqual(['save']);
      expect(backend.ends(scene.call.callId)).toHaveLength(1);
      await until(() => shown().length === 1, 'the failure taken down');
      expect(shown()).toEqual([[NOTIFICATION_IDS.saved, scene.task.taskSid]]);
      expect(keptDraft(scene.task)).toBeNull();
    });

    test('completionTimeoutMs is honoured when the Function hangs: the completion is decided in time', async () => {
      const scene = await inWrapUp(backend, { options: { completionTimeoutMs: 600 } });
      fillWrapUp();
      let release = () => {};
      backend.beforeNextSave(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      const started = Date.now();
      expect(await complete(scene.task)).toMatchObject({ ok: false });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(1500);
      expect(shown()).toEqual([[NOTIFICATION_IDS.notStored, scene.task.taskSid]]);
      expect(screen.getByText(/could not be stored on the task \(no answer in time\)/)).toBeTruthy();
      release();
      await pause(100);
    });
  });
});
