// The demo's stand-in for Twilio IAM, loaded with --require into Twilio's local runtime
// (twilio-run) by the demo only: the agent desk's token is a random one made for this
// run, which the real IAM would refuse. This file is not part of the Serverless service
// and nothing in the Functions' code knows about it, so a deployed Function checks
// every token with Twilio. twilio-run gives its Function processes only the env file,
// so the demo sets NODE_OPTIONS and STICKY_CALLS_DEMO_IAM_TOKENS there.
const { readFileSync } = require('node:fs');
const { http, HttpResponse } = require('msw');
const { setupServer } = require('msw/node');

const file = process.env.STICKY_CALLS_DEMO_IAM_TOKENS;
const tokens = file ? JSON.parse(readFileSync(file, 'utf8')) : {};
setupServer(
  http.post('https://iam.twilio.com/v1/Accounts/:accountSid/Tokens/validate', async ({ request }) => {
    const { token } = await request.json();
    const known = Object.hasOwn(tokens, token) ? tokens[token] : undefined;
    return known
      ? HttpResponse.json({ valid: true, ...known })
      : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
  }),
).listen({ onUnhandledRequest: 'bypass' });
