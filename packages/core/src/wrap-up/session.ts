/**
 * The wrap-up session: what happens to an agent's wrap-up around a task's completion,
 * free of any UI framework and agent desktop. A desktop binding calls it at four moments
 * and shows what it reports:
 *
 * - `beforeComplete(task)`: before the task may complete. The draft is checked and
 *   stored on the task by the save Function (merged server-side with TaskRouter's
 *   `If-Match`, so no concurrent write is lost). Resolves `false` when the completion
 *   must not go ahead (the draft has issues, or it could not be stored).
 * - `afterComplete(taskSid)`: the completion went ahead. Only now is the wrap-up saved
 *   with `calls.end`: nothing is saved for a completion another listener cancelled.
 * - `completedElsewhere(taskSid)`: the task completed without the agent (a supervisor,
 *   the REST API, a timeout): the kept draft is saved if it can be.
 *
 * After completion the latest draft is saved when it checks (edits typed after the
 * store included), else what was stored on the task.
 * - `retry(taskSid)`: the agent's Retry after a failed save.
 *
 * `resume()` picks up, after a reload, the saves the page did not finish. One store,
 * save or retry runs per task at a time.
 */

import { checkDraft, createWrapUpStore, type WrapUpDraft, type WrapUpStore } from './drafts.js';
import type { PostWrapUpResult } from './post.js';
import type { SaveAction, SaveAnswerIssue, SaveFailureReason } from './protocol.js';
import type { WrapUpFields, WrapUpIssue, WrapUpRules } from './validate.js';
import { WRAP_UP_ISSUE_CODES } from './validate.js';

/** What the session needs of a task. */
export interface WrapUpSessionTask {
  /** The task (`WT…`). */
  readonly taskSid: string;
  /** Its attributes (an object or JSON): checked for a call and for room. */
  readonly attributes: unknown;
}

/** What the session tells the agent, through the binding's notifications. */
export type WrapUpNotice =
  /** The completion was refused: the form shows the issues. */
  | { readonly kind: 'invalid'; readonly taskSid: string }
  /** The wrap-up could not be stored on the task, so the task stays open. */
  | { readonly kind: 'not_stored'; readonly taskSid: string; readonly reason: SaveFailureReason }
  /** The save failed after completion; `retry(taskSid)` tries again. */
  | {
      readonly kind: 'save_failed';
      readonly taskSid: string;
      readonly reason: SaveFailureReason;
      readonly retryable: boolean;
      /** Whether the wrap-up is on the task (the safety net can still save it). */
      readonly stored: boolean;
    }
  /** Saved to the caller's memory: after the completion, a Retry, or away from the completion. */
  | { readonly kind: 'saved'; readonly taskSid: string }
  /**
   * Kept on the task only, not saved to any caller's memory: nothing names the caller
   * (a withheld number, no caller context), or the agent said it is not the matched customer.
   */
  | { readonly kind: 'kept'; readonly taskSid: string }
  /** Another task of the call (a transfer) or the safety net saved first; the API kept that one. */
  | { readonly kind: 'already_saved'; readonly taskSid: string }
  /** TaskRouter removed the task before it could be saved: it cannot be saved now. */
  | { readonly kind: 'task_gone'; readonly taskSid: string }
  /** The task completed elsewhere while the draft could not be saved as it is. */
  | { readonly kind: 'incomplete'; readonly taskSid: string }
  /** An earlier failure notice of this task no longer holds: take it down. */
  | { readonly kind: 'settled'; readonly taskSid: string };

/** What a save hook receives. */
export interface WrapUpSaveEvent {
  readonly taskSid: string;
  readonly action: SaveAction;
  readonly result: PostWrapUpResult;
}

/** A request to the save Function, as the session makes it. */
export interface WrapUpPostRequest {
  readonly taskSid: string;
  readonly action: SaveAction;
  readonly wrapUp: WrapUpFields;
  readonly deadlineMs: number;
}

/** Who asked for a save. */
type SaveSource = 'completion' | 'retry' | 'elsewhere' | 'resume';

/** Options of {@link createWrapUpSession}. */
export interface WrapUpSessionOptions {
  /** Posts to the save Function: `postWrapUp` with the URL and the agent's token. */
  post(request: WrapUpPostRequest): Promise<PostWrapUpResult>;
  /** Where drafts live. @default a store in memory */
  store?: WrapUpStore;
  /** Shows a notice to the agent. @default nothing is shown */
  notify?: (notice: WrapUpNotice) => void;
  /** Called after each store or save, for telemetry. Never given the token. */
  onSave?: (event: WrapUpSaveEvent) => void;
  /** The draft's rules. @default { requireIntent: true } */
  rules?: WrapUpRules;
  /**
   * Longest summary note, in characters as saved (see {@link savedLength}): the form's
   * `maxSummaryLength`, so what the form shows as over the limit is what a completion is
   * refused for. A value that is not a whole number from 1 to the core's limit on a value
   * is that limit. @default WRAP_UP_LIMITS.variableValueLength
   */
  maxSummaryLength?: number;
  /** Longest wait of `beforeComplete`, in milliseconds. @default 5000 */
  completionTimeoutMs?: number;
  /** Time for a save after completion, a Retry or a resumed save, in milliseconds. @default 8000 */
  saveTimeoutMs?: number;
}

/** The wrap-up session of one agent desktop. */
export interface WrapUpSession {
  readonly store: WrapUpStore;
  beforeComplete(task: WrapUpSessionTask): Promise<boolean>;
  afterComplete(taskSid: string): Promise<void>;
  completedElsewhere(taskSid: string): Promise<void>;
  retry(taskSid: string): Promise<void>;
  resume(): Promise<void>;
  /** Whether a store or save of this task is under way. */
  busy(taskSid: string): boolean;
  dispose(): void;
}

/**
 * Creates the wrap-up session. See the module comment for the four moments.
 *
 * @example
 * const session = createWrapUpSession({
 *   store: createWrapUpStore({ storage: window.localStorage }),
 *   post: (request) => postWrapUp({ url, getToken: () => manager.user.token, ...request }),
 *   notify: (notice) => showBanner(notice),
 * });
 * desktop.onBeforeComplete((task) => session.beforeComplete(task));
 * desktop.onAfterComplete((task) => session.afterComplete(task.sid));
 */
export function createWrapUpSession(options: WrapUpSessionOptions): WrapUpSession {
  const store = options.store ?? createWrapUpStore();
  const rules: WrapUpRules = { requireIntent: true, ...options.rules };
  const completionTimeoutMs = options.completionTimeoutMs ?? 5000;
  const saveTimeoutMs = options.saveTimeoutMs ?? 8000;
  const check = (draft: WrapUpDraft, attributes: unknown, draftRules: WrapUpRules) =>
    checkDraft(
      draft,
      attributes,
      options.maxSummaryLength === undefined
        ? draftRules
        : { ...draftRules, maxSummaryLength: options.maxSummaryLength },
    );
  const running = new Map<string, Promise<unknown>>();
  let disposed = false;

  const notify = (notice: WrapUpNotice) => {
    if (disposed) return;
    try {
      options.notify?.(notice);
    } catch {
      // A failing notification must not change what happens to the wrap-up.
    }
  };
  const post = async (taskSid: string, action: SaveAction, wrapUp: WrapUpFields, deadlineMs: number) => {
    let result: PostWrapUpResult;
    try {
      result = await options.post({ taskSid, action, wrapUp, deadlineMs });
    } catch {
      result = { ok: false, reason: 'failed', retryable: true, httpStatus: null, attempts: 1 };
    }
    try {
      options.onSave?.({ taskSid, action, result });
    } catch {
      // Telemetry must not change what happens to the wrap-up.
    }
    return result;
  };
  /** Runs `work` as the task's only store or save; `undefined` when one is already running. */
  const exclusive = <T>(taskSid: string, work: () => Promise<T>): Promise<T> | undefined => {
    if (running.has(taskSid)) return undefined;
    const promise = work().finally(() => running.delete(taskSid));
    running.set(taskSid, promise);
    return promise;
  };

  /**
   * Saves a completed task's wrap-up. `source` says who asked: the agent's own completion,
   * a Retry, a task completed elsewhere, or a reload's resume.
   */
  const save = async (taskSid: string, fields: WrapUpFields, source: SaveSource): Promise<void> => {
    // On the task only when a store was confirmed ('stored', or 'failed' after it): a draft
    // saved straight from the form (the task completed elsewhere) is only in this browser.
    const before = store.get(taskSid);
    const stored = before.phase === 'stored' || before.phase === 'failed';
    // With the fields: a draft checked only now (completed elsewhere) needs them for Retry and resume.
    store.set(taskSid, { phase: 'saving', fields });
    const result = await post(taskSid, 'save', fields, saveTimeoutMs);
    if (result.ok) {
      notify({ kind: 'settled', taskSid });
      const kept = result.status === 'stored' && !result.saveable;
      // Every save is confirmed, the ordinary one too; one kept on the task says so instead.
      if (result.status === 'already_saved') notify({ kind: 'already_saved', taskSid });
      else notify({ kind: kept ? 'kept' : 'saved', taskSid });
      // The task is completed and its wrap-up saved (or kept on it): nothing is left to keep here.
      store.set(taskSid, { phase: kept ? 'kept' : 'saved' });
      store.delete(taskSid);
      return;
    }
    if (result.reason === 'not_completed' && (source === 'elsewhere' || source === 'resume')) {
      // The task is still open after all (a task list still loading): leave the draft as it was.
      store.set(taskSid, { phase: before.phase, ...(before.fields ? { fields: before.fields } : {}) });
      return;
    }
    if (result.reason === 'forbidden' && source === 'resume') {
      // Kept by an earlier session of this browser for a task this agent may not save
      // (another agent's, on a shared machine): not ours to keep or to show.
      store.delete(taskSid);
      return;
    }
    if (result.reason === 'task_gone') {
      notify({ kind: 'settled', taskSid });
      notify({ kind: 'task_gone', taskSid });
      store.delete(taskSid);
      return;
    }
    store.set(taskSid, { phase: stored ? 'failed' : 'local', reason: result.reason });
    notify({ kind: 'save_failed', taskSid, reason: result.reason, retryable: result.retryable, stored });
  };

  /**
   * Saves a completed task's wrap-up: what the agent typed last when it checks (edits
   * made after it was stored included), else what was stored on the task.
   */
  const saveLatest = async (taskSid: string, source: 'completion' | 'elsewhere'): Promise<void> => {
    const entry = store.get(taskSid);
    if (running.has(taskSid) || !['editing', 'stored', 'local', 'failed'].includes(entry.phase)) return;
    let fields = entry.phase === 'editing' ? undefined : entry.fields;
    if (fields === undefined) {
      const typed = check(entry.draft, undefined, { requireIntent: false });
      if (typed.ok && Object.keys(typed.fields).length > 0) fields = typed.fields;
      else if (entry.fields !== undefined) fields = entry.fields;
      else {
        // Nothing to save: an untouched form is forgotten; a half-done one is reported.
        if (typed.ok) store.delete(taskSid);
        else notify({ kind: 'incomplete', taskSid });
        return;
      }
    }
    const chosen = fields;
    await exclusive(taskSid, () => save(taskSid, chosen, source));
  };

  return {
    store,
    busy: (taskSid) => running.has(taskSid),

    beforeComplete(task) {
      const { taskSid } = task;
      if (disposed) return Promise.resolve(true);
      const work = exclusive(taskSid, async () => {
        const entry = store.get(taskSid);
        if (entry.phase === 'saved' || entry.phase === 'kept') return true;
        const checked = check(entry.draft, task.attributes, rules);
        if (!checked.ok) {
          store.set(taskSid, { issues: checked.issues, phase: 'editing', refusals: entry.refusals + 1 });
          notify({ kind: 'invalid', taskSid });
          return false;
        }
        store.set(taskSid, { issues: [], phase: 'storing', fields: checked.fields });
        // Completion never waits past its deadline, whatever the post port does.
        const result = await Promise.race([
          post(taskSid, 'store', checked.fields, Math.max(500, completionTimeoutMs - 100)),
          timeout(completionTimeoutMs),
        ]);
        if (result.ok) {
          const done = result.status === 'already_saved';
          store.set(taskSid, { phase: done ? 'saved' : 'stored', storeFailures: 0 });
          // Saved before this completion (another task of the call, the safety net): say so.
          if (done) notify({ kind: 'already_saved', taskSid });
          return true;
        }
        // Every failure but a refusal the agent can fix counts towards letting the
        // completion through: a misconfigured or unreachable Function must not hold every
        // agent in wrap-up.
        const fixable =
          result.reason === 'invalid' && result.issues !== undefined && result.issues.length > 0;
        const failures = fixable ? 0 : entry.storeFailures + 1;
        if (result.reason === 'invalid' && result.issues !== undefined && result.issues.length > 0) {
          store.set(taskSid, {
            issues: result.issues.map(asWrapUpIssue),
            phase: 'editing',
            refusals: entry.refusals + 1,
            storeFailures: failures,
          });
          notify({ kind: 'invalid', taskSid });
          return false;
        }
        if (failures >= 2) {
          // The agent asked twice while the Function cannot store it: let the call centre
          // move on. The wrap-up is kept in this browser and saved after completion or by Retry.
          store.set(taskSid, { phase: 'local', reason: result.reason, storeFailures: failures });
          return true;
        }
        store.set(taskSid, { phase: 'editing', reason: result.reason, storeFailures: failures });
        notify({ kind: 'not_stored', taskSid, reason: result.reason });
        return false;
      });
      // A store or save of this task is running: this completion would act twice.
      return work ?? Promise.resolve(false);
    },

    async afterComplete(taskSid) {
      if (disposed) return;
      const entry = store.get(taskSid);
      if (entry.fields === undefined || entry.phase === 'saved' || entry.phase === 'kept') {
        // Already saved, or never checked here (a task this session did not wrap up): forget it.
        if (!running.has(taskSid)) store.delete(taskSid);
        return;
      }
      await saveLatest(taskSid, 'completion');
    },

    async completedElsewhere(taskSid) {
      if (disposed) return;
      await saveLatest(taskSid, 'elsewhere');
    },

    async retry(taskSid) {
      const entry = store.get(taskSid);
      if (disposed || entry.fields === undefined || !['failed', 'local'].includes(entry.phase)) return;
      const fields = entry.fields;
      await exclusive(taskSid, () => save(taskSid, fields, 'retry'));
    },

    async resume() {
      if (disposed) return;
      await Promise.all(
        store.kept().map(async (taskSid) => {
          const entry = store.get(taskSid);
          const fields = entry.fields;
          if (fields === undefined || !['failed', 'local'].includes(entry.phase)) return;
          await exclusive(taskSid, () => save(taskSid, fields, 'resume'));
        }),
      );
    },

    dispose() {
      disposed = true;
    },
  };
}

/** A failed post, once `ms` have passed. */
function timeout(ms: number): Promise<PostWrapUpResult> {
  return new Promise((resolve) =>
    setTimeout(
      () => resolve({ ok: false, reason: 'timeout', retryable: true, httpStatus: null, attempts: 1 }),
      ms,
    ),
  );
}

/** An issue from the Function's answer, with a code the UI words (or a generic one). */
function asWrapUpIssue(issue: SaveAnswerIssue): WrapUpIssue {
  const code = (WRAP_UP_ISSUE_CODES as readonly string[]).includes(issue.code ?? '')
    ? (issue.code as WrapUpIssue['code'])
    : 'other';
  const name = issue.path[0] === 'variables' && typeof issue.path[1] === 'string' ? issue.path[1] : undefined;
  return { code, path: issue.path, message: issue.message, ...(name !== undefined ? { name } : {}) };
}
