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
    // Replaced by the build with the value from .env (see .env.example).
    const saveContextUrl = process.env.FLEX_APP_SAVE_CONTEXT_URL;
    if (saveContextUrl) {
      registerCallerContext(flex, manager, { saveContextUrl });
      return;
    }
    // Built without a save URL: the panel still shows the caller's context, but there is
    // no wrap-up form and nothing is saved. Say so where an admin will look.
    console.error(
      `${PLUGIN_NAME}: built without FLEX_APP_SAVE_CONTEXT_URL, so wrap-ups are not saved. ` +
        'Set it in .env and deploy the plugin again.',
    );
    registerCallerContext(flex, manager, { saveContextUrl: '', wrapUp: false });
  }
}
