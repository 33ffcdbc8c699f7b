/**
 * Serves the agent desk on 127.0.0.1: the page (bundled with esbuild, React 17 and the
 * built `@stickycalls/flex-react`), the agent's tasks as the TaskRouter stand-in holds
 * them, the two task moves Flex makes through TaskRouter (the call ends: wrapping; the
 * CompleteTask action's body: completed), and the save Function under the page's own
 * origin (a pass-through to twilio-run, so the deployed Function's CORS setting,
 * https://flex.twilio.com, stays as it is). The page never writes a task's attributes:
 * only the save Function does, server-side.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { TaskRouterStandIn } from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { build } from 'esbuild';
import type { DeskTask } from './flex-desktop.js';
import { HTTP_TIMEOUT_MS } from './scenario.js';

/** A task the desk shows: which one, and what the list calls it. */
export interface DeskEntry {
  readonly taskSid: string;
  readonly title: string;
}

export interface DeskOptions {
  /** Where the tasks live. */
  readonly taskRouter: TaskRouterStandIn;
  /** The desk's tasks, in the list's order; shown while the worker holds a reservation on them. */
  readonly tasks: readonly DeskEntry[];
  /** The desk's agent. */
  readonly workerSid: string;
  readonly token: string;
  readonly functionsUrl: string;
  readonly port?: number;
  /** Told of each request the page makes to the save Function, with its answer. */
  readonly onSave?: (save: SaveSeen) => void;
  /** Told of each task move: `wrapping`, `completed` by the agent, or `completed` by a supervisor. */
  readonly onMove?: (move: TaskMove) => void;
}

export interface SaveSeen {
  /** `store` (before completion) or `save` (after). */
  readonly action: string;
  readonly taskSid: string;
  readonly status: number;
  readonly body: unknown;
}

export interface TaskMove {
  readonly taskSid: string;
  readonly title: string;
  readonly to: 'wrapping' | 'completed';
  readonly by: 'agent' | 'supervisor';
}

export interface Desk {
  readonly url: string;
  /** What the save Function answered to the page, oldest first. */
  readonly saves: readonly SaveSeen[];
  /** The task moves made through the desk, oldest first. */
  readonly moves: readonly TaskMove[];
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sticky Calls: agent desk</title>
<style>
  body { margin: 0; font-family: 'Inter var', -apple-system, 'Segoe UI', Roboto, sans-serif; background: rgb(244, 244, 246); color: rgb(18, 28, 45); }
  .desk { display: grid; grid-template-columns: 260px minmax(0, 1fr); grid-template-rows: auto 1fr; min-height: 100vh; }
  .bar { grid-column: 1 / -1; }
  .note { display: flex; gap: 12px; align-items: center; padding: 8px 16px; color: #fff; font-size: 14px; }
  .note-error { background: rgb(173, 17, 17); } .note-warning { background: rgb(141, 49, 24); } .note-success { background: rgb(14, 124, 58); }
  .note span { flex: 1; }
  .bar-action { background: transparent; color: inherit; border: 1px solid currentColor; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
  .tasks { background: rgb(18, 28, 45); color: #fff; padding: 16px; }
  .tasks h1 { font-size: 16px; margin: 0 0 12px; }
  .tasks ul { list-style: none; margin: 0; padding: 0; }
  .tasks li button { width: 100%; text-align: left; display: flex; flex-direction: column; gap: 2px; padding: 10px 12px; margin-bottom: 6px; border-radius: 6px; border: 1px solid rgb(96, 107, 133); background: transparent; color: #fff; cursor: pointer; font: inherit; }
  .tasks li button[aria-current="true"] { background: rgb(2, 99, 224); border-color: rgb(2, 99, 224); }
  .task-status { font-size: 12px; opacity: .85; }
  .hint { font-size: 12px; line-height: 1.5; color: rgb(202, 205, 216); }
  .hint code { color: #fff; }
  .canvas { padding: 16px 24px; max-width: 560px; }
  .canvas-header { display: flex; align-items: center; gap: 12px; margin-bottom: 12px; }
  .canvas-header h2 { font-size: 18px; margin: 0; flex: 1; }
  .canvas-header button { padding: 6px 14px; border-radius: 4px; border: 0; background: rgb(2, 99, 224); color: #fff; font: inherit; cursor: pointer; }
  .canvas-header button:disabled { opacity: .6; }
  .elsewhere { margin-top: 24px; font-size: 12px; color: rgb(96, 107, 133); }
  .link { background: none; border: 0; padding: 0; color: rgb(2, 99, 224); text-decoration: underline; cursor: pointer; font: inherit; }
</style>
</head>
<body><div id="root"></div><script src="/app.js"></script></body>
</html>`;

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'page.tsx')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2019',
    platform: 'browser',
    minify: true,
    jsx: 'transform',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The desk's port when none is asked for; any free one when it is taken. */
export const DEFAULT_DESK_PORT = 4400;

function listen(server: ReturnType<typeof createServer>, port: number | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (port === undefined && error.code === 'EADDRINUSE') {
        server.listen(0, '127.0.0.1', resolve);
      } else {
        reject(error);
      }
    };
    server.once('error', onError);
    server.listen(port ?? DEFAULT_DESK_PORT, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The task as Flex would show it to this worker, from TaskRouter; `undefined` without a reservation. */
export function deskTask(
  taskRouter: TaskRouterStandIn,
  entry: DeskEntry,
  workerSid: string,
): DeskTask | undefined {
  const task = taskRouter.task(entry.taskSid);
  const reservation = task?.reservations.find((candidate) => candidate.workerSid === workerSid);
  if (task === undefined || reservation === undefined) return undefined;
  return {
    sid: reservation.sid,
    taskSid: task.sid,
    title: entry.title,
    status: reservation.status,
    taskStatus: task.assignmentStatus,
    taskChannelUniqueName: 'voice',
    attributes: taskRouter.attributes(task.sid),
  };
}

export async function startDesk({
  taskRouter,
  tasks,
  workerSid,
  token,
  functionsUrl,
  port,
  onSave,
  onMove,
}: DeskOptions): Promise<Desk> {
  const script = await bundlePage();
  const saves: SaveSeen[] = [];
  const moves: TaskMove[] = [];
  const entries = new Map(tasks.map((entry) => [entry.taskSid, entry]));
  const views = () =>
    tasks.flatMap((entry) => {
      const view = deskTask(taskRouter, entry, workerSid);
      return view === undefined ? [] : [view];
    });
  let origin = '';

  const send = (response: ServerResponse, status: number, type: string, body: string) => {
    response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    response.end(body);
  };
  const json = (response: ServerResponse, status: number, body: unknown) =>
    send(response, status, 'application/json', JSON.stringify(body));

  /** Moves a task of the desk as TaskRouter would, when its reservation allows it. */
  const move = (response: ServerResponse, taskSid: string, to: TaskMove['to'], by: TaskMove['by']) => {
    const entry = entries.get(taskSid);
    const current = entry && deskTask(taskRouter, entry, workerSid);
    if (entry === undefined || current === undefined) return json(response, 404, { error: 'no such task' });
    const from = to === 'wrapping' ? ['accepted'] : ['accepted', 'wrapping'];
    if (!from.includes(current.status)) {
      return json(response, 409, { error: `the task is ${current.status}`, task: current });
    }
    taskRouter.setStatus(taskSid, to, to);
    const taskMove = { taskSid, title: entry.title, to, by };
    moves.push(taskMove);
    onMove?.(taskMove);
    return json(response, 200, deskTask(taskRouter, entry, workerSid));
  };

  const server = createServer(async (request, response) => {
    try {
      // Only this machine's own pages: a site rebinding its name to 127.0.0.1 sends its own Host.
      const host = request.headers.host ?? '';
      if (host !== new URL(origin).host && host !== new URL(origin).host.replace('127.0.0.1', 'localhost')) {
        return send(response, 403, 'text/plain', 'this desk answers http://127.0.0.1 only');
      }
      // Nor another site's page posting here: browsers name the page's origin on every POST.
      const from = request.headers.origin;
      if (
        request.method === 'POST' &&
        from !== undefined &&
        from !== origin &&
        from !== origin.replace('127.0.0.1', 'localhost')
      ) {
        return send(response, 403, 'text/plain', 'this desk takes requests from its own page only');
      }
      const path = new URL(request.url ?? '/', origin).pathname;
      if (request.method === 'GET' && path === '/')
        return send(response, 200, 'text/html; charset=utf-8', PAGE);
      if (request.method === 'GET' && path === '/app.js') {
        return send(response, 200, 'text/javascript; charset=utf-8', script);
      }
      if (request.method === 'GET' && path === '/api/desk') {
        return json(response, 200, { token, saveContextUrl: `${origin}/fn/save-context`, tasks: views() });
      }
      if (request.method === 'GET' && path === '/api/tasks') return json(response, 200, views());
      const moved = /^\/api\/(supervisor\/)?tasks\/(WT[0-9a-f]{32})\/(wrap-up|complete)$/.exec(path);
      if (request.method === 'POST' && moved) {
        const [, supervisor, taskSid = '', what] = moved;
        if (supervisor && what !== 'complete') return json(response, 404, { error: 'not found' });
        return move(
          response,
          taskSid,
          what === 'complete' ? 'completed' : 'wrapping',
          supervisor ? 'supervisor' : 'agent',
        );
      }
      if (request.method === 'POST' && path === '/fn/save-context') {
        const body = await readBody(request);
        const answer = await fetch(`${functionsUrl}/save-context`, {
          method: 'POST',
          headers: { 'Content-Type': request.headers['content-type'] ?? 'application/json' },
          body,
          signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
        });
        const text = await answer.text();
        const asked = parse(body) as { action?: unknown; TaskSid?: unknown } | undefined;
        const seen = {
          action: typeof asked?.action === 'string' ? asked.action : 'save',
          taskSid: typeof asked?.TaskSid === 'string' ? asked.TaskSid : '?',
          status: answer.status,
          body: parse(text) ?? text,
        };
        saves.push(seen);
        onSave?.(seen);
        return send(response, answer.status, answer.headers.get('content-type') ?? 'application/json', text);
      }
      return send(response, 404, 'text/plain', 'not found');
    } catch (error) {
      return send(response, 500, 'text/plain', error instanceof Error ? error.message : 'error');
    }
  });
  await listen(server, port);
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : DEFAULT_DESK_PORT}`;
  return {
    url: origin,
    saves,
    moves,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
