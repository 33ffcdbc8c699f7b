// Loaded with --require into Twilio's local runtime and every Function process it
// forks: Twilio IAM cannot be reached from tests, so msw answers its token
// validation as IAM does, for the tokens listed in the JSON file IAM_TEST_TOKENS_FILE.
// twilio-run replaces its environment with the service's .env before forking, so both
// variables are set there.
const { readFileSync } = require('node:fs');
const { http, HttpResponse } = require('msw');
const { setupServer } = require('msw/node');

const file = process.env.IAM_TEST_TOKENS_FILE;
const tokens = file ? JSON.parse(readFileSync(file, 'utf8')) : {};
setupServer(
  http.post('https://iam.twilio.com/v1/Accounts/:accountSid/Tokens/validate', async ({ request }) => {
    const { token } = await request.json();
    const known = tokens[token];
    return known
      ? HttpResponse.json({ valid: true, ...known })
      : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
  }),
).listen({ onUnhandledRequest: 'bypass' });
