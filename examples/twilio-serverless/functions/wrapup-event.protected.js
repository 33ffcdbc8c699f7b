// Optional safety net: point your TaskRouter workspace's Event Callback URL (or an Event
// Streams webhook sink) here. It saves wrap-ups that a task carries but that the agent's
// browser never saved (tab closed, save Function unreachable), once.
const { createWrapupEventHandler } = require('@stickycalls/twilio-function-adapter');

exports.handler = createWrapupEventHandler();
