// The Flex plugin (registerCallerContext) posts each wrap-up here with the agent's Flex
// token. Public, because browsers call it; the handler checks the token with Twilio and,
// when the request names a task, that the agent may act on it.
const { createSaveContextHandler } = require('@stickycalls/twilio-function-adapter');

exports.handler = createSaveContextHandler();
