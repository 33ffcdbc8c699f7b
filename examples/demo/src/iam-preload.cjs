// The demo's stand-in for Twilio's cloud, loaded with --require into the Function
// processes of the demo's twilio-run only: Twilio IAM (the agent desk's token is a
// random one made for this run, which the real IAM would refuse) and the two TaskRouter
// reads the save Function makes to check that the agent holds a reservation on the task.
// This file is not part of the Serverless service and nothing in the Functions' code
// knows about it, so a deployed Function asks Twilio itself. twilio-run gives its
// Function processes only the env file, so the demo sets NODE_OPTIONS and the two
// STICKY_CALLS_DEMO_* files there.
const { readFileSync } = require('node:fs');
const { http, HttpResponse } = require('msw');
const { setupServer } = require('msw/node');

const read = (file) => (file ? JSON.parse(readFileSync(file, 'utf8')) : {});
const tokens = read(process.env.STICKY_CALLS_DEMO_IAM_TOKENS);
// Re-read at each request: the scenario adds tasks while the runtime runs.
const taskrouter = () => read(process.env.STICKY_CALLS_DEMO_TASKROUTER);
const TASKROUTER = 'https://taskrouter.twilio.com/v1/Workspaces/:workspaceSid/Tasks/:taskSid';

setupServer(
  http.post('https://iam.twilio.com/v1/Accounts/:accountSid/Tokens/validate', async ({ request }) => {
    const { token } = await request.json();
    const known = Object.hasOwn(tokens, token) ? tokens[token] : undefined;
    return known
      ? HttpResponse.json({ valid: true, ...known })
      : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
  }),
  http.get(TASKROUTER, ({ params }) => {
    const task = taskrouter()[params.taskSid];
    if (!task) return HttpResponse.json({ code: 20404, message: 'Not found', status: 404 }, { status: 404 });
    return HttpResponse.json({
      sid: params.taskSid,
      workspace_sid: params.workspaceSid,
      attributes: JSON.stringify({ call_sid: task.callSid }),
      assignment_status: 'wrapping',
    });
  }),
  http.get(`${TASKROUTER}/Reservations`, ({ params, request }) => {
    const task = taskrouter()[params.taskSid];
    if (!task) return HttpResponse.json({ code: 20404, message: 'Not found', status: 404 }, { status: 404 });
    const workerSid = new URL(request.url).searchParams.get('WorkerSid');
    const reservations = task.reservations
      .filter((reservation) => !workerSid || reservation.workerSid === workerSid)
      .map((reservation) => ({
        sid: reservation.sid,
        task_sid: params.taskSid,
        worker_sid: reservation.workerSid,
        reservation_status: reservation.status,
      }));
    const url = request.url;
    return HttpResponse.json({
      reservations,
      meta: {
        page: 0,
        page_size: 20,
        first_page_url: url,
        previous_page_url: null,
        url,
        next_page_url: null,
        key: 'reservations',
      },
    });
  }),
).listen({ onUnhandledRequest: 'bypass' });
