/**
 * Runs a Worker module in workerd, Cloudflare's runtime (from the npm registry), through
 * Miniflare 3 (Miniflare 4 needs Node 22), served over HTTP on loopback. The module is
 * bundled by esbuild as Wrangler would, for a Worker: workspace packages from their
 * sources, and no Node module allowed in.
 */
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

export interface Worker {
  /** The Worker's URL on loopback, e.g. `http://127.0.0.1:PORT/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Bundles `entry` (a module whose default export is `{ fetch(request, env) }`) and starts it in workerd. */
export async function startWorker(options: {
  readonly entry: string;
  readonly bindings: Readonly<Record<string, string>>;
}): Promise<Worker> {
  const bundle = await build({
    entryPoints: [options.entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@stickycalls/source', 'workerd', 'worker', 'browser'],
    metafile: true,
    logLevel: 'silent',
  });
  const nodeModules = Object.keys(bundle.metafile.inputs).filter((input) => input.startsWith('node:'));
  if (nodeModules.length > 0) {
    throw new Error(
      `the Worker bundle imports Node modules, which Workers do not have: ${nodeModules.join(', ')}`,
    );
  }
  const script = bundle.outputFiles[0]?.text ?? '';
  const miniflare = new Miniflare({
    modules: true,
    script,
    // As a Worker's wrangler.toml sets it. Before 2022-11-30 a Worker cannot construct a
    // ReadableStream, which ky (the core client's HTTP layer) does when it loads.
    compatibilityDate: '2025-07-18',
    bindings: { ...options.bindings },
    host: '127.0.0.1',
    port: 0,
  });
  const url = await miniflare.ready;
  return { url: url.toString(), close: () => miniflare.dispose() };
}
