/**
 * Posts a wrap-up to the save Function from the agent's browser (or any agent desktop):
 * the agent's token read at each attempt, retries with the SDK's back-off for what a
 * retry can fix, everything inside one deadline. Framework-free: only `fetch`.
 */
import { backoffDelay } from '../retry.js';
import {
  readSaveAnswer,
  type SaveAction,
  type SaveAnswerIssue,
  type SaveAttemptOutcome,
  type SaveFailureReason,
} from './protocol.js';
import type { WrapUpFields } from './validate.js';

/** The outcome of {@link postWrapUp}; it never throws. */
export type PostWrapUpResult =
  | {
      readonly ok: true;
      readonly status: 'saved' | 'already_saved' | 'stored';
      /** `false` when the wrap-up can only stay on the task (nothing names the caller). */
      readonly saveable: boolean;
      readonly attempts: number;
    }
  | {
      readonly ok: false;
      readonly reason: SaveFailureReason;
      /** Whether trying again later may work. */
      readonly retryable: boolean;
      /** The HTTP status of the last answer, if there was one. */
      readonly httpStatus: number | null;
      readonly attempts: number;
      /** With `invalid`: what the Function refused. */
      readonly issues?: readonly SaveAnswerIssue[];
    };

/** Options of {@link postWrapUp}. */
export interface PostWrapUpOptions {
  /** The save Function's URL (such as `https://sticky-calls-1234-dev.twil.io/save-context`). */
  url: string;
  /** The task (`WT…`): the Function reads the call and the customer from it. */
  taskSid: string;
  /** `store` puts the wrap-up on the task (before completion); `save` also saves it (after). */
  action: SaveAction;
  /** The wrap-up's fields, checked with `validateWrapUp` (`checkDraft`), the agent's `identity_check` included. */
  wrapUp: WrapUpFields;
  /** Returns the agent's current token (`() => manager.user.token`): read at each attempt. */
  getToken: () => string | undefined;
  /** Everything, retries included, ends within this many milliseconds. @default 4000 */
  deadlineMs?: number;
  /** Waits before the first retry; doubled after each, up to 2 s. @default 250 */
  backoffMs?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Stops early; the post then fails as `timeout`. */
  signal?: AbortSignal;
}

/**
 * Posts a wrap-up to the save Function. Retries network failures, timeouts, 429 and
 * 5xx answers (except a Function that says it is not configured) and `not_completed`
 * (TaskRouter may not show the completion yet), and retries a 403 at once when the
 * agent's token changed meanwhile (Flex refreshed it).
 *
 * @example
 * const result = await postWrapUp({ url, taskSid: task.taskSid, action: 'save', wrapUp: fields, getToken: () => manager.user.token });
 * if (!result.ok) console.warn(`wrap-up not saved: ${result.reason}`);
 */
export async function postWrapUp(options: PostWrapUpOptions): Promise<PostWrapUpResult> {
  const { url, taskSid, action, wrapUp, getToken, deadlineMs = 4000, backoffMs = 250, signal } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const deadline = Date.now() + deadlineMs;
  let attempts = 0;
  let tokenRetried = false;
  let last: Extract<PostWrapUpResult, { ok: false }> = {
    ok: false,
    reason: 'timeout',
    retryable: true,
    httpStatus: null,
    attempts,
  };

  let payload: string;
  try {
    payload = JSON.stringify({ TaskSid: taskSid, action, wrap_up: wrapUp });
  } catch {
    // A body JSON cannot carry (a BigInt, a cycle) is refused at once, not retried.
    return { ok: false, reason: 'invalid', retryable: false, httpStatus: null, attempts: 0 };
  }

  while (Date.now() < deadline && !signal?.aborted) {
    attempts += 1;
    const token = readToken(getToken);
    const outcome = await attempt(doFetch, url, withToken(payload, token), deadline, signal);
    if (outcome.ok) return { ...outcome, attempts };
    last = { ...outcome, attempts };
    if (outcome.reason === 'forbidden') {
      // Flex refreshes tokens shortly before they expire: a changed token is worth one more try.
      // Once only: a getter whose token changes at every read must not loop without a pause.
      const fresh = readToken(getToken);
      if (!tokenRetried && fresh !== '' && fresh !== token) {
        tokenRetried = true;
        continue;
      }
      return last;
    }
    if (!outcome.retryable) return last;
    const pause = Math.min(
      backoffDelay(attempts, { initialDelayMs: backoffMs, maxDelayMs: 2000 }),
      deadline - Date.now() - 100,
    );
    // Aborted during the attempt: the abort event has fired already, so sleep would not wake.
    if (pause <= 0 || signal?.aborted) break;
    await sleep(pause, signal);
  }
  // Stopped by the caller's signal: that is a timeout, whatever the last answer was.
  return signal?.aborted ? { ...last, reason: 'timeout', retryable: true, attempts } : { ...last, attempts };
}

/** The token joins the body last, so it is never part of what is logged or kept. */
function withToken(payload: string, token: string): string {
  return `${payload.slice(0, -1)},"Token":${JSON.stringify(token)}}`;
}

async function attempt(
  doFetch: typeof fetch,
  url: string,
  body: string,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<SaveAttemptOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      signal: controller.signal,
    });
    return readSaveAnswer(response.status, await readJson(response));
  } catch {
    return controller.signal.aborted
      ? { ok: false, reason: 'timeout', retryable: true, httpStatus: null }
      : { ok: false, reason: 'network_error', retryable: true, httpStatus: null };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text());
  } catch {
    return undefined;
  }
}

function readToken(getToken: () => string | undefined): string {
  try {
    const token = getToken();
    return typeof token === 'string' ? token : '';
  } catch {
    return '';
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
