// Studio's Run Function widget calls this right after a call comes in. Protected: Twilio
// checks the request's signature before running it. It answers 200 with the caller
// context as task attributes (the same keys whatever the API does) within 5 seconds.
const { createCallerContextHandler } = require('@stickycalls/twilio-function-adapter');

exports.handler = createCallerContextHandler();
