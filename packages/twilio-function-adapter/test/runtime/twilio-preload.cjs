// Loaded with --require into Twilio's local runtime and every Function process it
// forks. Twilio's cloud cannot be reached from tests, so msw answers for it here:
// IAM's token validation, for the tokens listed in the JSON file IAM_TEST_TOKENS_FILE,
// and TaskRouter, by passing each request on to the test's TaskRouter stand-in at
// TASKROUTER_TEST_URL (the runtime forks a process per request: the tasks live in the
// test's process). twilio-run replaces its environment with the service's .env before
// forking, so these variables are set there.
const { readFileSync } = require('node:fs');
const { http, HttpResponse } = require('msw');
const { setupServer } = require('msw/node');

const file = process.env.IAM_TEST_TOKENS_FILE;
const tokens = file ? JSON.parse(readFileSync(file, 'utf8')) : {};
const taskRouterUrl = process.env.TASKROUTER_TEST_URL;

setupServer(
  http.post('https://iam.twilio.com/v1/Accounts/:accountSid/Tokens/validate', async ({ request }) => {
    const { token } = await request.json();
    const known = Object.hasOwn(tokens, token) ? tokens[token] : undefined;
    return known
      ? HttpResponse.json({ valid: true, ...known })
      : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
  }),
  http.all('https://taskrouter.twilio.com/*', async ({ request }) => {
    if (!taskRouterUrl) return HttpResponse.json({ code: 20404, message: 'no stand-in' }, { status: 404 });
    const url = new URL(request.url);
    const headers = {};
    for (const name of ['authorization', 'content-type', 'if-match', 'accept']) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const answer = await fetch(`${taskRouterUrl}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      ...(hasBody ? { body: await request.arrayBuffer() } : {}),
    });
    const passed = {};
    for (const name of ['content-type', 'etag']) {
      const value = answer.headers.get(name);
      if (value !== null) passed[name] = value;
    }
    return new HttpResponse(await answer.arrayBuffer(), { status: answer.status, headers: passed });
  }),
).listen({ onUnhandledRequest: 'bypass' });
