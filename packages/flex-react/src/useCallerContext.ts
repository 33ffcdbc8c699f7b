import type { TierOptions } from '@stickycalls/core';
import { useMemo } from 'react';
import { type CallerContextOptions, type CallerContextView, callerContextView } from './caller-view.js';
import type { FlexTask } from './flex-types.js';

/**
 * The caller context of a Flex task: read from its attributes (the namespaced object
 * or the vendor guide's flat keys; any garbage reads as `invalid`, never a throw), with
 * the identity tier. Recomputed only when the attributes (or the thresholds) change.
 *
 * @example
 * function Greeting({ task }: { task: ITask }) {
 *   const caller = useCallerContext(task);
 *   return caller.tier === 'reuse' ? <p>Welcome back</p> : null;
 * }
 */
export function useCallerContext(
  task: FlexTask | null | undefined,
  options: CallerContextOptions = {},
): CallerContextView {
  const attributes = task?.attributes;
  const { reuseAt, confirmAt, trustRecommendation } = options.tiers ?? {};
  return useMemo(
    () =>
      callerContextView(attributes, {
        tiers: stripUndefined({ reuseAt, confirmAt, trustRecommendation }) as TierOptions,
      }),
    [attributes, reuseAt, confirmAt, trustRecommendation],
  );
}

function stripUndefined<T extends object>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== undefined) result[key] = entry;
  return result as T;
}
