/**
 * `@stickycalls/twilio-function-adapter/testing/taskrouter`: a stand-in for TaskRouter's
 * REST API, as the save Function uses it, for your tests and local runs (TaskRouter is
 * Twilio's cloud): tasks with attributes, an assignment status and reservations; an
 * ETag that changes on every update; `If-Match` answered 412 when it is stale; 404 for
 * unknown tasks; the task list filtered by a `call_sid == "CA…"` expression; Basic auth
 * checked. Served through msw (`taskRouterHandlers`, msw is an optional peer) or on
 * loopback (`serveTaskRouter`, for Function processes such as twilio-run's).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HttpHandler, http } from 'msw';

export const TASKROUTER_ORIGIN = 'https://taskrouter.twilio.com';

export interface StandInReservation {
  readonly sid: string;
  readonly workerSid: string;
  status: string;
}

export interface StandInTask {
  readonly sid: string;
  attributes: string;
  assignmentStatus: string;
  revision: number;
  readonly reservations: StandInReservation[];
}

/** One request TaskRouter received. */
export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly ifMatch: string | null;
  readonly form: Readonly<Record<string, string>>;
  readonly status: number;
}

export interface TaskRouterStandIn {
  readonly workspaceSid: string;
  readonly requests: readonly StandInRequest[];
  /** Adds a task; reservations default to none. Returns its sid. */
  addTask(task: {
    attributes: Record<string, unknown> | string;
    assignmentStatus?: string;
    reservations?: readonly { workerSid: string; status: string }[];
    sid?: string;
  }): string;
  task(sid: string): StandInTask | undefined;
  /** The task's attributes, parsed. */
  attributes(sid: string): Record<string, unknown>;
  /** Another writer changes the task (Flex's `setAttributes`, a plugin): the revision moves on. */
  write(sid: string, change: (attributes: Record<string, unknown>) => Record<string, unknown>): void;
  setStatus(sid: string, assignmentStatus: string, reservationStatus?: string): void;
  remove(sid: string): void;
  /** Runs when an update arrives, before its `If-Match` is checked: one hook per update, in order. */
  beforeNextUpdate(hook: (sid: string) => void): void;
  /** Makes the next `count` requests fail with `status` (or drop the connection with `'network'`). */
  fail(status: number | 'network', count?: number): void;
  handle(request: Request): Promise<Response>;
  reset(): void;
}

export function createTaskRouterStandIn({
  accountSid,
  authToken,
  workspaceSid = `WS${'c'.repeat(32)}`,
}: {
  accountSid: string;
  authToken: string;
  workspaceSid?: string;
}): TaskRouterStandIn {
  const tasks = new Map<string, StandInTask>();
  const requests: StandInRequest[] = [];
  let hooks: ((sid: string) => void)[] = [];
  let failures: (number | 'network')[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
  const problem = (status: number, code: number, message: string) =>
    json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  const taskJson = (task: StandInTask) => ({
    sid: task.sid,
    account_sid: accountSid,
    workspace_sid: workspaceSid,
    attributes: task.attributes,
    assignment_status: task.assignmentStatus,
    url: `${TASKROUTER_ORIGIN}/v1/Workspaces/${workspaceSid}/Tasks/${task.sid}`,
  });
  const meta = (url: string, key: string) => ({
    page: 0,
    page_size: 20,
    first_page_url: url,
    previous_page_url: null,
    url,
    next_page_url: null,
    key,
  });
  const etag = (task: StandInTask) => `"${task.revision}"`;
  const bare = (value: string) =>
    value
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');

  async function answer(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.headers.get('authorization') !== expectedAuth)
      return problem(401, 20003, 'Authentication Error - invalid username');
    const failure = failures.shift();
    if (failure === 'network') return Response.error();
    if (failure !== undefined) return problem(failure, 20500, 'Internal Server Error');
    const match = /^\/v1\/Workspaces\/([^/]+)\/Tasks(?:\/([^/]+))?(\/Reservations)?\/?$/.exec(url.pathname);
    if (match === null || match[1] !== workspaceSid)
      return problem(404, 20404, `The requested resource ${url.pathname} was not found`);
    const [, , taskSid, reservations] = match;

    if (taskSid === undefined) {
      if (request.method !== 'GET') return problem(405, 20004, 'Method not allowed');
      const expression = url.searchParams.get('EvaluateTaskAttributes');
      let found = [...tasks.values()];
      if (expression !== null) {
        const byCall = /^\s*call_sid\s*==\s*"([^"\\]*)"\s*$/.exec(expression);
        if (byCall === null) return problem(400, 20001, 'Invalid EvaluateTaskAttributes expression');
        found = found.filter((task) => callSidOf(task.attributes) === byCall[1]);
      }
      return json(200, { tasks: found.reverse().map(taskJson), meta: meta(url.href, 'tasks') });
    }

    const task = tasks.get(taskSid);
    if (task === undefined)
      return problem(404, 20404, `The requested resource ${url.pathname} was not found`);

    if (reservations !== undefined) {
      if (request.method !== 'GET') return problem(405, 20004, 'Method not allowed');
      const workerSid = url.searchParams.get('WorkerSid');
      const list = task.reservations
        .filter((reservation) => workerSid === null || reservation.workerSid === workerSid)
        .map((reservation) => ({
          sid: reservation.sid,
          task_sid: task.sid,
          worker_sid: reservation.workerSid,
          workspace_sid: workspaceSid,
          reservation_status: reservation.status,
        }));
      return json(200, { reservations: list, meta: meta(url.href, 'reservations') });
    }

    if (request.method === 'GET') return json(200, taskJson(task), { ETag: etag(task) });
    if (request.method !== 'POST') return problem(405, 20004, 'Method not allowed');
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    hooks.shift()?.(taskSid);
    const ifMatch = request.headers.get('if-match');
    if (ifMatch !== null && bare(ifMatch) !== String(task.revision))
      return problem(412, 20001, 'Precondition Failed: the task was modified');
    if (form.Attributes !== undefined) {
      try {
        JSON.parse(form.Attributes);
      } catch {
        return problem(400, 20001, 'Attributes must be valid JSON');
      }
      if (form.Attributes.length > 4096) return problem(400, 20001, 'Attributes are too long');
      task.attributes = form.Attributes;
    }
    if (form.AssignmentStatus !== undefined) task.assignmentStatus = form.AssignmentStatus;
    task.revision += 1;
    return json(200, taskJson(task), { ETag: etag(task) });
  }

  return {
    workspaceSid,
    requests,
    addTask({ attributes, assignmentStatus = 'assigned', reservations = [], sid: taskSid = sid('WT') }) {
      tasks.set(taskSid, {
        sid: taskSid,
        attributes: typeof attributes === 'string' ? attributes : JSON.stringify(attributes),
        assignmentStatus,
        revision: 0,
        reservations: reservations.map((reservation) => ({ sid: sid('WR'), ...reservation })),
      });
      return taskSid;
    },
    task: (taskSid) => tasks.get(taskSid),
    attributes(taskSid) {
      const task = tasks.get(taskSid);
      if (task === undefined) throw new Error(`no task ${taskSid}`);
      return JSON.parse(task.attributes) as Record<string, unknown>;
    },
    write(taskSid, change) {
      const task = tasks.get(taskSid);
      if (task === undefined) throw new Error(`no task ${taskSid}`);
      task.attributes = JSON.stringify(change(JSON.parse(task.attributes) as Record<string, unknown>));
      task.revision += 1;
    },
    setStatus(taskSid, assignmentStatus, reservationStatus) {
      const task = tasks.get(taskSid);
      if (task === undefined) throw new Error(`no task ${taskSid}`);
      task.assignmentStatus = assignmentStatus;
      if (reservationStatus !== undefined)
        for (const reservation of task.reservations) reservation.status = reservationStatus;
      task.revision += 1;
    },
    remove: (taskSid) => {
      tasks.delete(taskSid);
    },
    beforeNextUpdate: (hook) => {
      hooks.push(hook);
    },
    fail: (status, count = 1) => {
      failures.push(...Array.from({ length: count }, () => status));
    },
    async handle(request) {
      const url = new URL(request.url);
      const clone = request.clone();
      const response = await answer(request);
      const form =
        request.method === 'POST' ? Object.fromEntries(new URLSearchParams(await clone.text())) : {};
      requests.push({
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        ifMatch: request.headers.get('if-match'),
        form,
        status: response.type === 'error' ? 0 : response.status,
      });
      return response;
    },
    reset() {
      tasks.clear();
      requests.length = 0;
      hooks = [];
      failures = [];
    },
  };
}

function callSidOf(attributes: string): unknown {
  try {
    return (JSON.parse(attributes) as { call_sid?: unknown }).call_sid;
  } catch {
    return undefined;
  }
}

/** The stand-in as msw handlers for `https://taskrouter.twilio.com`. */
export function taskRouterHandlers(standIn: TaskRouterStandIn): HttpHandler[] {
  return [http.all(`${TASKROUTER_ORIGIN}/*`, ({ request }) => standIn.handle(request))];
}

/** The stand-in on 127.0.0.1, for processes that forward TaskRouter's requests to it. */
export async function serveTaskRouter(
  standIn: TaskRouterStandIn,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(name, value);
      const method = req.method ?? 'GET';
      const response = await standIn.handle(
        new Request(`${TASKROUTER_ORIGIN}${req.url ?? '/'}`, {
          method,
          headers,
          ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
        }),
      );
      if (response.type === 'error') {
        res.destroy();
        return;
      }
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
