/**
 * Posts a wrap-up to the save Function (`createSaveContextHandler`) from the agent's
 * browser: the agent's Flex token read at each attempt, retries with backoff for what
 * a retry can fix, everything inside one deadline.
 */

/** Why a save did not happen. */
export type SaveFailureReason =
  /** No answer within the deadline. */
  | 'timeout'
  /** The Function could not be reached. */
  | 'network_error'
  /** The Function refused the agent's token or access to the task (403). */
  | 'forbidden'
  /** The Function refused the wrap-up (400); `message` says why. */
  | 'invalid'
  /** The Function is missing its settings (503 `not_configured`). */
  | 'not_configured'
  /** The Function or the Sticky Calls API failed (5xx, 429). */
  | 'failed'
  /** A 2xx that is not the save Function's answer (a wrong URL?): nothing says it saved. */
  | 'unexpected_answer';

/** The outcome of {@link saveWrapUp}; it never throws. */
export type SaveWrapUpResult =
  | { readonly ok: true; readonly status: 'saved' | 'already_saved'; readonly attempts: number }
  | {
      readonly ok: false;
      readonly reason: SaveFailureReason;
      /** Whether trying again later may work. */
      readonly retryable: boolean;
      /** The HTTP status of the last answer, if there was one. */
      readonly httpStatus: number | null;
      readonly attempts: number;
    };

/** Options of {@link saveWrapUp}. */
export interface SaveWrapUpOptions {
  /** The save Function's URL (`https://<service>.twil.io/save-context`). */
  url: string;
  /** The `calls.end` fields (`call_id`, `customer_ref`, `intent`, …). */
  body: Readonly<Record<string, unknown>>;
  /** The task (`WT…`), so the Function can check the agent may save it. */
  taskSid?: string | undefined;
  /** Returns the agent's current token (`() => manager.user.token`): read at each attempt. */
  getToken: () => string | undefined;
  /** Everything, retries included, ends within this many milliseconds. @default 4000 */
  deadlineMs?: number;
  /** Waits before the first retry; doubled after each. @default 250 */
  backoffMs?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Stops the save early; it then fails as `timeout`. */
  signal?: AbortSignal;
}

/**
 * Saves a wrap-up through the save Function. Retries network failures, timeouts, 429
 * and 5xx answers (except a Function that says it is not configured), and retries a
 * 403 at once when the agent's token changed meanwhile (Flex refreshed it).
 *
 * @example
 * const result = await saveWrapUp({ url, body: { call_id: 'CA…', customer_ref, intent: 'refund' }, getToken: () => manager.user.token });
 * if (!result.ok) console.warn(`wrap-up not saved: ${result.reason}`);
 */
export async function saveWrapUp(options: SaveWrapUpOptions): Promise<SaveWrapUpResult> {
  const { url, body, taskSid, getToken, deadlineMs = 4000, backoffMs = 250, signal } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const deadline = Date.now() + deadlineMs;
  let attempts = 0;
  let last: Extract<SaveWrapUpResult, { ok: false }> = {
    ok: false,
    reason: 'timeout',
    retryable: true,
    httpStatus: null,
    attempts,
  };
  let wait = backoffMs;

  // A body JSON cannot carry (a BigInt, a cycle) is refused at once, not retried.
  try {
    JSON.stringify(body);
  } catch {
    return { ok: false, reason: 'invalid', retryable: false, httpStatus: null, attempts: 0 };
  }

  while (Date.now() < deadline && !signal?.aborted) {
    attempts += 1;
    const token = readToken(getToken);
    const outcome = await attempt(
      doFetch,
      url,
      { ...body, ...(taskSid ? { TaskSid: taskSid } : {}), Token: token },
      deadline,
      signal,
    );
    if (outcome.ok) return { ok: true, status: outcome.status, attempts };
    last = {
      ok: false,
      reason: outcome.reason,
      retryable: outcome.retryable,
      httpStatus: outcome.httpStatus,
      attempts,
    };
    if (outcome.reason === 'forbidden') {
      // Flex refreshes tokens shortly before they expire: a changed token is worth one more try.
      const fresh = readToken(getToken);
      if (fresh !== '' && fresh !== token) continue;
      return last;
    }
    if (!outcome.retryable) return last;
    const pause = Math.min(wait * (0.75 + Math.random() * 0.5), deadline - Date.now() - 100);
    if (pause <= 0) break;
    await sleep(pause, signal);
    wait *= 2;
  }
  // Stopped by the caller's signal: that is a timeout, whatever the last answer was.
  return signal?.aborted ? { ...last, reason: 'timeout', retryable: true, attempts } : { ...last, attempts };
}

type Attempt =
  | { ok: true; status: 'saved' | 'already_saved' }
  | { ok: false; reason: SaveFailureReason; retryable: boolean; httpStatus: number | null };

async function attempt(
  doFetch: typeof fetch,
  url: string,
  payload: Record<string, unknown>,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
      signal: controller.signal,
    });
    const answer = await readJson(response);
    const status = typeof answer?.status === 'string' ? answer.status : undefined;
    if (response.ok) {
      if (status === 'saved' || status === 'already_saved') return { ok: true, status };
      // Only the save Function's own answer counts: marking an unsaved wrap-up saved would lose it.
      return { ok: false, reason: 'unexpected_answer', retryable: false, httpStatus: response.status };
    }
    const code = response.status;
    if (code === 403 || code === 401)
      return { ok: false, reason: 'forbidden', retryable: false, httpStatus: code };
    if (code === 400 || code === 413 || code === 422)
      return { ok: false, reason: 'invalid', retryable: false, httpStatus: code };
    if (status === 'not_configured')
      return { ok: false, reason: 'not_configured', retryable: false, httpStatus: code };
    const retryable = answer?.retryable !== false && (code === 429 || code === 408 || code >= 500);
    return { ok: false, reason: 'failed', retryable, httpStatus: code };
  } catch {
    return controller.signal.aborted
      ? { ok: false, reason: 'timeout', retryable: true, httpStatus: null }
      : { ok: false, reason: 'network_error', retryable: true, httpStatus: null };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await response.text());
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
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
