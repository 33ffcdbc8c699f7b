/** Small object helpers shared by the core's modules. */

/** Whether `value` is a plain record (an object, not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own-property check without `Object.hasOwn`, which is ES2022: Flex runs the core in browsers of any age. */
export function hasOwn(record: object, key: string): boolean {
  // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is newer than the browsers Flex supports
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** A copy without the keys whose value is `undefined` (for `exactOptionalPropertyTypes`). */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Sets an own, enumerable property, even one named `__proto__`: a plain assignment of
 * that name would change the record's prototype instead, and the value would be lost.
 */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/** What a {@link snapshot} may spend: nesting levels, properties and array items, and characters. */
export interface SnapshotBudget {
  /** Most levels of objects and arrays, the outermost counting one. @default 64 */
  readonly depth?: number;
  /** Most properties and array items in all. @default 200,000 */
  readonly entries?: number;
  /** Most characters of text in all, keys included. @default 16,000,000 */
  readonly characters?: number;
}

/** Why a value could not be copied whole. */
export type SnapshotProblem =
  /** A getter or a proxy trap threw, or the object could not be listed. */
  | 'unreadable'
  /** The value holds itself. */
  | 'cycle'
  /** Nested deeper than the budget. */
  | 'too_deep'
  /** More entries or characters than the budget. */
  | 'too_large';

/** A copy of a value, or why there is none. */
export type Snapshot =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: SnapshotProblem };

const SNAPSHOT_BUDGET = { depth: 64, entries: 200000, characters: 16000000 };

/** Thrown inside {@link snapshot} only, to unwind at the first problem. */
class SnapshotStop {
  constructor(readonly problem: SnapshotProblem) {}
}

/**
 * A copy of a value as plain data, made before anything reads it: what arrives from
 * outside (a request body, task attributes, an answer) may be an object whose getters
 * or proxy traps throw, a cycle, or nested or large enough to exhaust the stack or the
 * clock. The copy is the value as JSON would see it (an object's `toJSON` is used, so
 * a Date becomes its text), as strings, numbers, booleans, `null`, arrays and plain
 * objects (own enumerable string keys only, in order; an own `__proto__` key kept as a
 * key); a function, symbol or bigint becomes `undefined` under its key, so that a key
 * is never dropped silently. Other inherited properties are not read. All or nothing:
 * at the first problem the whole value is refused. Never throws.
 *
 * @example
 * const read = snapshot(event);
 * if (!read.ok) return refuse(`the body could not be read (${read.problem})`);
 */
export function snapshot(value: unknown, budget: SnapshotBudget = {}): Snapshot {
  const limits = { ...SNAPSHOT_BUDGET, ...stripUndefined(budget) };
  let entries = 0;
  let characters = 0;
  const open = new Set<object>();

  const text = (length: number): void => {
    characters += length;
    if (characters > limits.characters) throw new SnapshotStop('too_large');
  };
  const copy = (item: unknown, depth: number, converted = false): unknown => {
    if (typeof item === 'string') {
      text(item.length);
      return item;
    }
    if (typeof item === 'number' || typeof item === 'boolean' || item === null || item === undefined)
      return item;
    if (typeof item !== 'object') return undefined;
    if (depth >= limits.depth) throw new SnapshotStop('too_deep');
    if (open.has(item)) throw new SnapshotStop('cycle');
    // As JSON.stringify does (a Date becomes its text), and a first read that a hostile
    // `get` trap or getter cannot pass.
    const toJSON = converted ? undefined : (item as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return copy(toJSON.call(item), depth, true);
    open.add(item);
    const result = Array.isArray(item) ? copyArray(item, depth) : copyRecord(item, depth);
    open.delete(item);
    return result;
  };
  const copyArray = (list: readonly unknown[], depth: number): unknown[] => {
    const length = list.length;
    if (!Number.isSafeInteger(length) || length < 0) throw new SnapshotStop('unreadable');
    entries += length;
    if (entries > limits.entries) throw new SnapshotStop('too_large');
    const result: unknown[] = [];
    for (let index = 0; index < length; index += 1) result.push(copy(list[index], depth + 1));
    return result;
  };
  const copyRecord = (record: object, depth: number): Record<string, unknown> => {
    const keys = Object.keys(record);
    entries += keys.length;
    if (entries > limits.entries) throw new SnapshotStop('too_large');
    const result: Record<string, unknown> = {};
    for (const key of keys) {
      text(key.length);
      setOwn(result, key, copy((record as Record<string, unknown>)[key], depth + 1));
    }
    return result;
  };

  try {
    return { ok: true, value: copy(value, 0) };
  } catch (error) {
    // Anything else is a getter or a trap that threw (or a stack that ran out).
    return { ok: false, problem: error instanceof SnapshotStop ? error.problem : 'unreadable' };
  }
}

/**
 * A {@link snapshot} of a value, or of the value its JSON text holds (task attributes
 * come as either); `not_json` when the text is not JSON. Never throws.
 */
export function snapshotJson(
  value: unknown,
  budget?: SnapshotBudget,
): Snapshot | { readonly ok: false; readonly problem: 'not_json' } {
  if (typeof value !== 'string') return snapshot(value, budget);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { ok: false, problem: 'not_json' };
  }
  return snapshot(parsed, budget);
}
