/**
 * The package declares the parts of Flex it touches structurally (flex-types.ts) and
 * never imports `@twilio/flex-ui` at run time; this checks that Flex's own types (the
 * 2.x dev dependency) satisfy those declarations, so a plugin can pass `flex`,
 * `manager` and tasks as Flex gives them. Types only: nothing here runs.
 */
import type { SaveFailureReason } from '@stickycalls/core';
import type * as Flex from '@twilio/flex-ui';
import { describe, expectTypeOf, test } from 'vitest';
import type {
  ActionListener,
  ContentOptions,
  FlexLike,
  FlexNotification,
  FlexNotifications,
  FlexTask,
  ManagerLike,
  NotificationActionProps,
  TaskContextProps,
} from '../flex-types.js';
import type { registerCallerContext } from '../registerCallerContext.js';
import type { StickyCallsStringKey } from '../strings.js';
import type { FlexThemeLike } from '../theme.js';

type FlexModule = typeof import('@twilio/flex-ui');

describe('Flex satisfies the declared shapes', () => {
  test('the flex object a plugin receives is a FlexLike', () => {
    expectTypeOf<FlexModule>().toExtend<FlexLike>();
    expectTypeOf<Parameters<typeof registerCallerContext>[0]>().toEqualTypeOf<FlexLike>();
  });

  test('the slots, actions and notifications, one by one', () => {
    expectTypeOf<FlexModule['TaskCanvas']>().toExtend<FlexLike['TaskCanvas']>();
    expectTypeOf<FlexModule['TaskInfoPanel']>().toExtend<NonNullable<FlexLike['TaskInfoPanel']>>();
    expectTypeOf<FlexModule['TaskCanvasTabs']>().toExtend<NonNullable<FlexLike['TaskCanvasTabs']>>();
    expectTypeOf<FlexModule['CRMContainer']>().toExtend<NonNullable<FlexLike['CRMContainer']>>();
    expectTypeOf<FlexModule['UnifiedProfilesContainer']>().toExtend<
      NonNullable<FlexLike['UnifiedProfilesContainer']>
    >();
    expectTypeOf<FlexModule['UnifiedProfilesContainer']['ProfileTabs']['Content']>().toEqualTypeOf<
      FlexModule['ProfileConnectorTabs']['Content']
    >();
    expectTypeOf<FlexModule['Actions']>().toExtend<FlexLike['Actions']>();
    expectTypeOf<FlexModule['Notifications']>().toExtend<FlexLike['Notifications']>();
    expectTypeOf<FlexModule['NotificationType']>().toExtend<NonNullable<FlexLike['NotificationType']>>();
    expectTypeOf<FlexModule['NotificationBar']>().toExtend<NonNullable<FlexLike['NotificationBar']>>();
    expectTypeOf<FlexModule['Tab']>().toExtend<NonNullable<FlexLike['Tab']>>();
    expectTypeOf<FlexModule['TaskHelper']>().toExtend<NonNullable<FlexLike['TaskHelper']>>();
    expectTypeOf<typeof Flex.TaskHelper>().toExtend<NonNullable<FlexLike['TaskHelper']>>();
    // withTaskContext is found at run time (typeof check), not typed in FlexLike.
    expectTypeOf<FlexModule['withTaskContext']>().toBeFunction();
  });

  test("the notification Flex hands an action's onClick is a FlexNotification", () => {
    expectTypeOf<Parameters<NotificationActionProps['onClick']>[1]>().toEqualTypeOf<FlexNotification>();
    expectTypeOf<Flex.Notification>().toExtend<FlexNotification>();
  });

  test("Flex's theme (what withTheme gives) is a FlexThemeLike", () => {
    expectTypeOf<Flex.Theme>().toExtend<FlexThemeLike>();
    expectTypeOf<NonNullable<Flex.Manager['configuration']['theme']>>().toExtend<
      NonNullable<NonNullable<ManagerLike['configuration']>['theme']>
    >();
    expectTypeOf<{ isLight: 'no' }>().not.toExtend<FlexThemeLike>();
  });

  test('the manager is a ManagerLike', () => {
    expectTypeOf<Flex.Manager>().toExtend<ManagerLike>();
    expectTypeOf<Flex.Manager['user']['token']>().toEqualTypeOf<string>();
    // Flex's Redux store, watched for tasks completed without the agent.
    expectTypeOf<Flex.Manager['store']>().toExtend<NonNullable<ManagerLike['store']>>();
  });

  test("Flex's task is a FlexTask", () => {
    expectTypeOf<Flex.ITask>().toExtend<FlexTask>();
  });

  test('withTaskContext is not part of FlexLike (it is found at run time)', () => {
    expectTypeOf<FlexLike>().not.toHaveProperty('withTaskContext');
  });

  test('nothing is typed any', () => {
    expectTypeOf<Parameters<ActionListener>>().toEqualTypeOf<[payload: unknown, abort: unknown]>();
    expectTypeOf<NonNullable<ContentOptions['if']>>().parameter(0).toEqualTypeOf<TaskContextProps>();
    expectTypeOf<NonNullable<FlexNotification['context']>>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<FlexTask['attributes']>().toBeUnknown();
    expectTypeOf<ReturnType<FlexNotifications['showNotification']>>().toBeUnknown();
    expectTypeOf<Parameters<FlexNotifications['showNotification']>[1]>().not.toBeAny();
    expectTypeOf<
      Parameters<NonNullable<FlexNotifications['dismissNotification']>>[0]
    >().toEqualTypeOf<FlexNotification>();
  });

  test('every save failure reason has its string', () => {
    expectTypeOf<`StickyCallsSaveReason_${SaveFailureReason}`>().toExtend<StickyCallsStringKey>();
  });

  test('the shapes are not loose enough to take anything', () => {
    expectTypeOf<{ TaskCanvas: object }>().not.toExtend<FlexLike>();
    expectTypeOf<{ user: { token: number } }>().not.toExtend<ManagerLike>();
    expectTypeOf<{ user: { token: string }; store: { getState(): unknown } }>().not.toExtend<ManagerLike>();
    expectTypeOf<{ isCallTask(task: Flex.ITask): string }>().not.toExtend<
      NonNullable<FlexLike['TaskHelper']>
    >();
  });
});
