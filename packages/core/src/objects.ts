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
