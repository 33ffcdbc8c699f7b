/**
 * The warning the binding writes when a wrap-up is not stored or saved: one line, whatever
 * the task's sid holds, so a crafted sid cannot add a line of its own to the agent's
 * console or to what collects it.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FlexLike, ManagerLike } from '../flex-types.js';
import { checkOptions } from '../register-options.js';
import { DEFAULT_STRINGS } from '../strings.js';
import { bindWrapUpToFlex } from '../wrap-up-binding.js';
import { returningCaller } from './kit.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const noop = () => undefined;

function bind() {
  const flex: FlexLike = {
    TaskCanvas: { Content: { add: noop, remove: noop } },
    Actions: { addListener: noop, removeListener: noop },
    Notifications: { registerNotification: noop, showNotification: noop, dismissNotificationById: noop },
  };
  const manager: ManagerLike = { user: { token: 'token' } };
  const options = {
    saveContextUrl: 'https://example.com/save',
    retryTimeoutMs: 500,
    completionTimeoutMs: 500,
    fetch: () => Promise.reject(new TypeError('Failed to fetch')),
  };
  return bindWrapUpToFlex({
    flex,
    manager,
    settings: checkOptions(flex, manager, options),
    strings: () => DEFAULT_STRINGS,
    options,
  });
}

/** Line breaks a console or a log collector may split on, and characters that reorder a line. */
const BREAKS_OR_BIDI = /[\n\r\v\f\u0085\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

describe('the binding’s warning', () => {
  it.each([
    ['a line feed', 'WT1\n[sticky-calls] wrap-up of task WT2 saved'],
    ['a carriage return', 'WT1\r[sticky-calls] all good'],
    ['a line separator', 'WT1\u2028[sticky-calls] all good'],
    ['a next line', 'WT1\u0085[sticky-calls] all good'],
    ['a right-to-left override', 'WT1\u202Edevas ton'],
    ['an escape sequence', 'WT1\u001b[2K\u001b[1G'],
  ])('stays one line, without raw controls, when the task sid holds %s', async (_name, taskSid) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(noop);
    const wrapUp = bind();
    wrapUp.store.edit(taskSid, { intentChoice: 'refund_request', status: 'open' });
    const task = { taskSid, sid: 'WR1', status: 'wrapping', attributes: returningCaller() };
    await wrapUp.beforeCompleteTask({ task }, noop);
    wrapUp.dispose();
    const lines = warn.mock.calls.map((args) => args.map(String).join(' '));
    expect(lines).toHaveLength(1);
    const [line = ''] = lines;
    expect(line).toMatch(
      /^\[sticky-calls\] wrap-up of task WT1.* not stored: network_error \(\d+ attempts\)$/,
    );
    expect(line).not.toMatch(BREAKS_OR_BIDI);
    expect(line).not.toMatch(/\p{Cc}/u);
  });

  it('keeps an ordinary sid as it is', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(noop);
    const wrapUp = bind();
    const taskSid = 'WT0123456789abcdef0123456789abcdef';
    wrapUp.store.edit(taskSid, { intentChoice: 'refund_request', status: 'open' });
    await wrapUp.beforeCompleteTask(
      { task: { taskSid, status: 'wrapping', attributes: returningCaller() } },
      noop,
    );
    wrapUp.dispose();
    expect(warn.mock.calls.map((args) => args.join(' '))).toEqual([
      expect.stringMatching(
        /^\[sticky-calls\] wrap-up of task WT0123456789abcdef0123456789abcdef not stored: /,
      ),
    ]);
  });
});
