/**
 * TaskRouter events as they reach a webhook: a workspace event callback (a form post
 * with `EventType`, `TaskSid`, `TaskAttributes`) or Event Streams (a JSON array of
 * CloudEvents, which Twilio's runtime may spread by index). Read defensively.
 */
import { snapshot } from './objects.js';

/** One TaskRouter event. */
export interface TaskRouterEvent {
  /** `task.completed`, `reservation.wrapup`, … */
  readonly type: string;
  readonly taskSid: string | undefined;
  /** The task's attributes, as sent (usually JSON text). */
  readonly attributes: unknown;
}

/**
 * The TaskRouter events in a webhook body. The body is copied before it is read; one
 * that cannot be copied whole (throwing getters, proxies, cycles, nesting too deep) is
 * an unknown shape. Never throws; unknown shapes give `[]`.
 *
 * @example
 * for (const event of readTaskRouterEvents(body)) if (event.type === 'task.completed') …
 */
export function readTaskRouterEvents(event: unknown): TaskRouterEvent[] {
  const read = snapshot(event);
  if (!read.ok) return [];
  const body = read.value;
  if (typeof body !== 'object' || body === null) return [];
  const record = body as Record<string, unknown>;
  if (typeof record.EventType === 'string') {
    return [{ type: record.EventType, taskSid: stringOf(record.TaskSid), attributes: record.TaskAttributes }];
  }
  const cloudEvents: unknown[] = Array.isArray(body)
    ? body
    : Object.keys(record)
        .filter((key) => /^\d+$/.test(key))
        .map((key) => record[key]);
  if (typeof record.type === 'string') cloudEvents.push(record);
  return cloudEvents.flatMap((cloudEvent): TaskRouterEvent[] => {
    if (typeof cloudEvent !== 'object' || cloudEvent === null) return [];
    const { type, data } = cloudEvent as { type?: unknown; data?: { payload?: Record<string, unknown> } };
    const payload = data?.payload;
    if (typeof type !== 'string' || typeof payload !== 'object' || payload === null) return [];
    const eventType =
      typeof payload.eventtype === 'string'
        ? payload.eventtype
        : type.replace(/^com\.twilio\.taskrouter\./, '');
    return [{ type: eventType, taskSid: stringOf(payload.task_sid), attributes: payload.task_attributes }];
  });
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
