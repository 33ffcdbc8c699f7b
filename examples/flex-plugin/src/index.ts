import * as FlexPlugin from '@twilio/flex-plugin';

import StickyCallsPlugin from './StickyCallsPlugin';

FlexPlugin.loadPlugin(StickyCallsPlugin);
