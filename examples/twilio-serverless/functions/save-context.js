// The Flex plugin (registerCallerContext) posts each wrap-up here with the agent's Flex
// token and the task: before completion to store it on the task, after completion to
// save it. Public, because browsers call it; the handler checks the token with Twilio,
// reads the task in TaskRouter (TWILIO_WORKSPACE_SID), binds the wrap-up to the task's
// own call and customer, and checks that the agent holds a reservation on the task.
const { createSaveContextHandler } = require('@stickycalls/twilio-function-adapter');

exports.handler = createSaveContextHandler();
