import type * as z from 'zod/mini';
import type { ValidationIssue } from './errors.js';

/**
 * zod issues as `{path, message}`, with a message that names the problem. zod/mini
 * ships no message texts (that keeps it small), so the generic ones are written here.
 */
export function toValidationIssues(
  error: z.core.$ZodError,
  prefix: readonly (string | number)[] = [],
): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `${key} is not a field of this request`,
      }));
    }
    return [{ path, message: issue.message === 'Invalid input' ? describe(issue) : issue.message }];
  });
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return 'is not valid';
  }
}
