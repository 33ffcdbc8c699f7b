/**
 * Serves the agent desk on 127.0.0.1: the page (bundled with esbuild, React 17 and the
 * built `@stickycalls/flex-react`), the scenario's tasks, and the save Function under
 * the page's own origin (a pass-through to twilio-run, so the deployed Function's CORS
 * setting, https://flex.twilio.com, stays as it is).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type DemoTask, HTTP_TIMEOUT_MS } from './scenario.js';

export interface DeskOptions {
  readonly tasks: readonly DemoTask[];
  readonly token: string;
  readonly functionsUrl: string;
  readonly port?: number;
  /** Told of each save the page makes, with the save Function's answer. */
  readonly onSave?: (save: SaveSeen) => void;
}

export interface SaveSeen {
  readonly status: number;
  readonly body: unknown;
}

export interface Desk {
  readonly url: string;
  /** The tasks as the page last wrote them (`setAttributes`). */
  readonly tasks: readonly DemoTask[];
  /** What the save Function answered to the page, oldest first. */
  readonly saves: readonly SaveSeen[];
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

export async function startDesk({ tasks, token, functionsUrl, port, onSave }: DeskOptions): Promise<Desk> {
  const script = await bundlePage();
  const saves: SaveSeen[] = [];
  const byId = new Map(tasks.map((task) => [task.sid, task]));
  let origin = '';

  const send = (response: ServerResponse, status: number, type: string, body: string) => {
    response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    response.end(body);
  };

  const server = createServer(async (request, response) => {
    try {
      // Only this machine's own pages: a site rebinding its name to 127.0.0.1 sends its own Host.
      const host = request.headers.host ?? '';
      if (host !== new URL(origin).host && host !== new URL(origin).host.replace('127.0.0.1', 'localhost')) {
        return send(response, 403, 'text/plain', 'this desk answers http://127.0.0.1 only');
      }
      const path = new URL(request.url ?? '/', origin).pathname;
      if (request.method === 'GET' && path === '/')
        return send(response, 200, 'text/html; charset=utf-8', PAGE);
      if (request.method === 'GET' && path === '/app.js') {
        return send(response, 200, 'text/javascript; charset=utf-8', script);
      }
      if (request.method === 'GET' && path === '/api/desk') {
        const desk = { token, saveContextUrl: `${origin}/fn/save-context`, tasks: [...byId.values()] };
        return send(response, 200, 'application/json', JSON.stringify(desk));
      }
      const attributes = /^\/api\/tasks\/(WR[0-9a-f]{32})\/attributes$/.exec(path);
      if (request.method === 'POST' && attributes) {
        const task = byId.get(attributes[1] ?? '');
        if (task === undefined) return send(response, 404, 'application/json', '{"error":"no such task"}');
        task.attributes = JSON.parse(await readBody(request)) as Record<string, unknown>;
        return send(response, 204, 'text/plain', '');
      }
      if (request.method === 'POST' && path === '/fn/save-context') {
        const answer = await fetch(`${functionsUrl}/save-context`, {
          method: 'POST',
          headers: { 'Content-Type': request.headers['content-type'] ?? 'application/json' },
          body: await readBody(request),
          signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
        });
        const text = await answer.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        saves.push({ status: answer.status, body });
        onSave?.({ status: answer.status, body });
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
    tasks: [...byId.values()],
    saves,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
