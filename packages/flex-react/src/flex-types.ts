/**
 * The parts of Flex this package touches, declared structurally: the real objects
 * arrive as `registerCallerContext`'s arguments, so nothing imports `@twilio/flex-ui` at
 * run time. A type test checks that Flex's own types satisfy these.
 */
import type { JSXElementConstructor, ReactElement, ReactNode } from 'react';

/** A Flex task as the components read it (`ITask` from `@twilio/flex-ui`). */
export interface FlexTask {
  /** The reservation (`WR…`). */
  readonly sid?: string;
  /** The task (`WT…`). */
  readonly taskSid?: string;
  /** `pending`, `reserved`, `accepted`, `wrapping`, `completed`, … */
  readonly status?: string;
  readonly taskChannelUniqueName?: string;
  /** The task's attributes: an object (or, from some sources, its JSON). */
  readonly attributes?: unknown;
}

/** What Flex passes to components in task slots. */
export interface TaskContextProps {
  readonly task?: FlexTask | null | undefined;
}

/** Options of a dynamic-content `add`. */
export interface ContentOptions {
  sortOrder?: number;
  align?: 'start' | 'end';
  if?: (props: TaskContextProps) => boolean;
}

/** A Flex UI slot (`flex.TaskCanvas.Content`, …). */
export interface DynamicContentStore {
  // Flex 2.x returns a function that removes what was added; 1.x returned nothing.
  add(child: ReactElement, options?: ContentOptions): unknown;
  remove(key: string, options?: object): unknown;
}

/** A Flex component class that has a `Content` slot. */
export interface WithContent {
  readonly Content: DynamicContentStore;
}

/** Flex calls a `before*` listener with the action's payload and an abort function. */
export type ActionListener = (payload: unknown, abort: unknown) => unknown;

/** `flex.Actions`. */
export interface FlexActions {
  addListener(event: string, listener: ActionListener): unknown;
  removeListener(event: string, listener: ActionListener): unknown;
  /** Runs an action; `SetComponentState` selects a tab of the task canvas. */
  invokeAction?(action: string, payload?: object): unknown;
  /** The invocations of an action still running (`{ sid }` matches a task's by reservation). */
  findPendingActions?(action: string, payload?: object): { readonly first?: unknown } | undefined;
}

/** A notification as `flex.Notifications.registerNotification` takes it. */
export interface FlexNotification {
  id: string;
  content?: string | number | ReactElement;
  type?: string;
  timeout?: number;
  closeButton?: boolean;
  actions?: ReactElement[];
  context?: Record<string, unknown>;
}

/** `flex.Notifications`. */
export interface FlexNotifications {
  registerNotification(notification: FlexNotification): void;
  /** Flex returns the instance shown (each has its own `instanceId`). */
  showNotification(id: string, context?: object): unknown;
  /** Dismisses one shown instance (Flex 2.x). */
  dismissNotification?(notification: FlexNotification): void;
  /** Dismisses every shown instance of a notification. */
  dismissNotificationById(id: string): void;
  readonly registeredNotifications?: { delete(id: string): boolean; has?(id: string): boolean };
}

/** Props of `flex.NotificationBar.Action`. */
export interface NotificationActionProps {
  label: string | number;
  onClick: (event: unknown, notification: FlexNotification) => void;
}

/** The `flex` object a plugin's `init(flex, manager)` receives, as far as this package uses it. */
export interface FlexLike {
  readonly TaskCanvas: WithContent;
  readonly TaskInfoPanel?: WithContent;
  readonly TaskCanvasTabs?: WithContent;
  /** The CRM container: Panel 2, or the CRM tab of Unified Profiles. */
  readonly CRMContainer?: WithContent;
  /** Flex 2.x's Unified Profiles panel; its tabs take a `flex.Tab` of a plugin's own. */
  readonly UnifiedProfilesContainer?: { readonly ProfileTabs?: WithContent };
  readonly Actions: FlexActions;
  readonly Notifications: FlexNotifications;
  /** `flex.NotificationType`: `information`, `success`, `warning`, `error`. */
  readonly NotificationType?: { readonly error: string; readonly warning: string; readonly success: string };
  readonly NotificationBar?: { readonly Action: JSXElementConstructor<NotificationActionProps> };
  /** `flex.TaskHelper`: `isCallTask` decides by the channel's call capability (custom voice channels too). */
  readonly TaskHelper?: { isCallTask?(task: never): boolean };
  /** `flex.Tab`, for the placements in a tab (`TaskCanvasTabs`, `ProfileTabs`, `auto`). */
  readonly Tab?: JSXElementConstructor<{ uniqueName?: string; label?: string; children?: ReactNode }>;
}

/** The Flex `manager`, as far as this package uses it. */
export interface ManagerLike {
  /** `manager.user.token` is read at each save: Flex refreshes it. */
  readonly user: { readonly token: string };
  /** `manager.strings`: the package adds its defaults and reads overrides here. */
  readonly strings?: object;
  /**
   * Flex's Redux store: the agent's task list (`flex.worker.tasks`) is watched for tasks
   * completed without the agent (a supervisor, the REST API, a timeout).
   */
  readonly store?: { getState(): unknown; subscribe(listener: () => void): unknown };
  /**
   * `manager.configuration`: its `theme.isLight` is the theme when the components are
   * rendered outside Flex's theme provider.
   */
  readonly configuration?: { readonly theme?: { readonly isLight?: boolean | undefined } | undefined };
}
