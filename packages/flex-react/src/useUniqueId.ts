import { useState } from 'react';

let counter = 0;

/** A stable id for label and heading references (React 17 has no `useId`). */
export function useUniqueId(prefix: string): string {
  const [id] = useState(() => {
    counter += 1;
    return `${prefix}-${counter}`;
  });
  return id;
}
