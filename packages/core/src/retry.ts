/**
 * The one back-off rule of the SDK: the API client's retries and the browser's save
 * retries both wait this long between attempts.
 */

/** How retries wait: capped exponential back-off. */
export interface BackoffOptions {
  /** Wait before the first retry, in milliseconds. */
  readonly initialDelayMs: number;
  /** Longest wait between two attempts, in milliseconds. */
  readonly maxDelayMs: number;
}

/**
 * Milliseconds to wait after attempt number `attempt` (1 for the first) failed:
 * `initialDelayMs · 2^(attempt−1)`, capped at `maxDelayMs`, half of it fixed and half
 * random, which spreads a burst of retries without ever retrying at once.
 *
 * @example
 * backoffDelay(3, { initialDelayMs: 250, maxDelayMs: 2000 }) // 500 to 1000
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
