/**
 * Shared pieces of the wrap-up tests: a task that went through Sticky Calls at call start,
 * and a `Storage` like the browser's `localStorage`, in memory.
 */
import { type DraftStorage, startCallResponseSchema, toTaskAttributes } from '../index.js';

export const TASK_SID = 'WT0123456789abcdef0123456789abcdef';
export const OTHER_TASK_SID = 'WTfedcba9876543210fedcba9876543210';
export const CALL_SID = 'CA0123456789abcdef0123456789abcdef';
export const CUSTOMER_REF = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';

/** The attributes of a task whose caller was looked up at call start, as Studio writes them. */
export function callTaskAttributes(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const response = startCallResponseSchema.parse({
    call_id: CALL_SID,
    customer_ref: CUSTOMER_REF,
    call_start: '2026-02-07T10:30:00.000Z',
    identity: { confidence: 0.9, level: 'very_high', sources: ['ani:mobile'], recommendation: 'reuse' },
    open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: 1 }],
    variables: {},
  });
  return {
    call_sid: CALL_SID,
    from: '+14155551234',
    ...toTaskAttributes({ ...response, call_id: CALL_SID }),
    ...extra,
  };
}

/** `localStorage` in memory, with the same five members the store uses. */
export class MemoryStorage implements DraftStorage {
  readonly items = new Map<string, string>();

  get length(): number {
    return this.items.size;
  }

  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** A storage that refuses every call, as a full quota or blocked storage does. */
export class BrokenStorage implements DraftStorage {
  calls = 0;

  get length(): number {
    return this.refuse();
  }

  key(): string | null {
    return this.refuse();
  }

  getItem(): string | null {
    return this.refuse();
  }

  setItem(): void {
    this.refuse();
  }

  removeItem(): void {
    this.refuse();
  }

  private refuse(): never {
    this.calls += 1;
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  }
}
