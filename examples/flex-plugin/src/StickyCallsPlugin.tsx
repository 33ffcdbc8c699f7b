import { registerCallerContext } from '@stickycalls/flex-react';
import { FlexPlugin } from '@twilio/flex-plugin';
import type * as Flex from '@twilio/flex-ui';

const PLUGIN_NAME = 'StickyCallsPlugin';

export default class StickyCallsPlugin extends FlexPlugin {
  constructor() {
    super(PLUGIN_NAME);
  }

  /**
   * Run by Flex when the plugin loads: adds the caller context panel to voice tasks, the
   * wrap-up form while such a call is in wrap-up, and its save through the save-context
   * Function when the agent completes the task (stored on the task before the completion,
   * saved after it).
   */
  async init(flex: typeof Flex, manager: Flex.Manager): Promise<void> {
    // Replaced by the build with the value from .env (see .env.example); the build refuses a
    // URL it cannot use. Built without one, the panel still shows the caller's context, but
    // there is no wrap-up form and nothing is saved: registerCallerContext says so in the
    // browser console and in a notification to the agent.
    registerCallerContext(flex, manager, { saveContextUrl: process.env.FLEX_APP_SAVE_CONTEXT_URL });
  }
}
