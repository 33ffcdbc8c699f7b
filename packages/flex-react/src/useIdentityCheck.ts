import type { IdentityCheck, WrapUpStore } from '@stickycalls/core';
import * as React from 'react';

function sameCheck(a: IdentityCheck | null, b: IdentityCheck | null): boolean {
  return a === b || (a !== null && b !== null && a.outcome === b.outcome && a.at === b.at);
}

function storedCheck(store: WrapUpStore, taskSid: string): IdentityCheck | null {
  try {
    return store.get(taskSid).draft.identityCheck ?? null;
  } catch {
    // A store that fails to read must not take the screen pop down with it.
    return null;
  }
}

/**
 * The agent's identity check for a task: kept in the wrap-up store's draft, where the
 * save picks it up, or, without a store (or a task sid), in this component for each
 * task. Re-renders when the store changes it (a subscription: React 17 has no
 * `useSyncExternalStore`).
 */
export function useIdentityCheck(
  store: WrapUpStore | undefined,
  taskSid: string,
): readonly [IdentityCheck | null, (check: IdentityCheck | null) => void] {
  const stored = store !== undefined && taskSid !== '';
  const [local, setLocal] = React.useState<ReadonlyMap<string, IdentityCheck | null>>(() => new Map());
  const [, rerender] = React.useReducer((count: number) => count + 1, 0);
  const current = stored ? storedCheck(store, taskSid) : (local.get(taskSid) ?? null);
  const shown = React.useRef(current);
  shown.current = current;

  React.useEffect(() => {
    if (store === undefined || taskSid === '') return undefined;
    const onChange = () => {
      if (!sameCheck(storedCheck(store, taskSid), shown.current)) rerender();
    };
    const unsubscribe = store.subscribe(onChange);
    // A change between this render and the subscription would otherwise go unseen.
    onChange();
    return unsubscribe;
  }, [store, taskSid]);

  const set = React.useCallback(
    (check: IdentityCheck | null) => {
      if (store !== undefined && taskSid !== '') store.edit(taskSid, { identityCheck: check });
      else setLocal((previous) => new Map(previous).set(taskSid, check));
    },
    [store, taskSid],
  );
  return [current, set];
}
