// The demo's stand-in for Twilio's cloud, loaded with --require into the Function
// processes of the demo's twilio-run only (and the benchmark's, which starts the same
// runtime): Twilio IAM, for the agent desk's token (a random one made for this run, which
// the real IAM would refuse), and TaskRouter, whose every request is passed on to the
// TaskRouter stand-in the demo's main process serves on 127.0.0.1
// (`@stickycalls/twilio-function-adapter/testing/taskrouter`). twilio-run forks a process
// per request, so the tasks live in the main process: the scenario, the agent desk and
// the save Function all read and write the same ones.
//
// This file is not part of the Serverless service and nothing in the Functions' code
// knows about it: the save Function's own Twilio client (`context.getTwilioClient()`)
// makes every TaskRouter request, and a deployed Function asks Twilio itself. twilio-run
// gives its Function processes only the env file, so the demo sets NODE_OPTIONS and the
// STICKY_CALLS_DEMO_* variables there.
const { readFileSync } = require('node:fs');
const nodeHttp = require('node:http');
const { http, HttpResponse } = require('msw');
const { setupServer } = require('msw/node');

const file = process.env.STICKY_CALLS_DEMO_IAM_TOKENS;
const tokens = file ? JSON.parse(readFileSync(file, 'utf8')) : {};
const taskRouterUrl = process.env.STICKY_CALLS_DEMO_TASKROUTER_URL;

setupServer(
  http.post('https://iam.twilio.com/v1/Accounts/:accountSid/Tokens/validate', async ({ request }) => {
    const { token } = await request.json();
    const known = Object.hasOwn(tokens, token) ? tokens[token] : undefined;
    // As IAM answers: the token's expiry with the verdict (a Flex token lasts an hour).
    return known
      ? HttpResponse.json({
          valid: true,
          expiration: new Date(Date.now() + 3_600_000).toISOString(),
          ...known,
        })
      : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
  }),
  http.all('https://taskrouter.twilio.com/*', async ({ request }) => {
    if (!taskRouterUrl) {
      return HttpResponse.json(
        { code: 20404, message: 'The demo runs no TaskRouter stand-in', status: 404 },
        { status: 404 },
      );
    }
    const url = new URL(request.url);
    const headers = {};
    for (const name of ['authorization', 'content-type', 'if-match', 'accept']) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    let answer;
    try {
      answer = await passOn(`${taskRouterUrl}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: hasBody ? Buffer.from(await request.arrayBuffer()) : undefined,
      });
    } catch {
      // The stand-in dropped the connection (or is gone): TaskRouter could not be reached.
      return HttpResponse.error();
    }
    const passed = {};
    for (const name of ['content-type', 'etag']) {
      const value = answer.headers[name];
      if (typeof value === 'string') passed[name] = value;
    }
    return new HttpResponse(answer.body, { status: answer.status, headers: passed });
  }),
).listen({ onUnhandledRequest: 'bypass' });

/**
 * One request to the TaskRouter stand-in, with node:http rather than fetch: Node's fetch
 * compiles a WebAssembly HTTP parser in each Function process that first uses it, a cost
 * that a deployed Function's TaskRouter requests (the Twilio client's, over node:http)
 * never pay.
 */
function passOn(target, { method, headers, body }) {
  return new Promise((resolve, reject) => {
    const outgoing = nodeHttp.request(
      target,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(body.length) },
        timeout: 10_000,
      },
      (incoming) => {
        const chunks = [];
        incoming.on('data', (chunk) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 502,
            headers: incoming.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('the TaskRouter stand-in did not answer')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
