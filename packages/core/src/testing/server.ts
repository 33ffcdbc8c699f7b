import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator, type Emulator, type EmulatorOptions } from './emulator.js';

/** Options of {@link startEmulatorServer}. */
export interface EmulatorServerOptions extends EmulatorOptions {
  /** An emulator to serve; a new one (with the other options) when absent. */
  emulator?: Emulator;
  /** Port to listen on. @default 0 (any free port) */
  port?: number;
  /** Address to listen on. Only loopback addresses are sensible. @default '127.0.0.1' */
  host?: string;
}

/** A running emulator server. */
export interface EmulatorServer {
  /** Base URL to give the client as `baseUrl`, e.g. `http://127.0.0.1:51234`. */
  readonly url: string;
  readonly emulator: Emulator;
  /** Stops listening and drops open connections (hanging requests included). */
  close(): Promise<void>;
}

/**
 * Serves an emulator over real HTTP on 127.0.0.1.
 *
 * @example
 * const server = await startEmulatorServer();
 * const sticky = createStickyCallsClient({ apiKey: 'sk_test_emulator', baseUrl: server.url });
 * // …
 * await server.close();
 */
export async function startEmulatorServer(options: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  const { emulator = createEmulator(options), port = 0, host = '127.0.0.1' } = options;
  const server = createServer((req, res) => {
    serve(emulator, req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    emulator,
    close: () =>
      new Promise<void>((resolve) => {
        emulator.clearFaults();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const abort = new AbortController();
  res.on('close', () => abort.abort());

  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const method = req.method ?? 'GET';
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method,
    headers,
    signal: abort.signal,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });

  const response = await emulator.handle(request);
  if (response.type === 'error') {
    res.destroy();
    return;
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (res.destroyed) {
      await reader.cancel();
      return;
    }
    res.write(next.value);
  }
  res.end();
}
