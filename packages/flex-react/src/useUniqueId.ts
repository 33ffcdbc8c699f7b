import * as React from 'react';

// Two plugins can each bundle a copy of this package: a random part keeps their ids apart.
const prefix = Math.random().toString(36).slice(2, 8);
let counter = 0;

// React 18 has useId; React 17 does not. Which one is used is fixed for the page's life.
const reactUseId = (React as { useId?: () => string }).useId;

/** A stable, page-unique id for label and heading references. */
export function useUniqueId(name: string): string {
  if (reactUseId !== undefined) return `${name}-${reactUseId().replace(/:/g, '')}`;
  // biome-ignore lint/correctness/useHookAtTopLevel: the branch is the same on every render.
  const [id] = React.useState(() => {
    counter += 1;
    return `${name}-${prefix}-${counter}`;
  });
  return id;
}
