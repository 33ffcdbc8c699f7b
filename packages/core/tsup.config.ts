import { defineConfig, type Options } from 'tsup';

const entry = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/msw': 'src/testing/msw.ts',
};

const shared: Options = {
  entry,
  target: 'es2019',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: false,
  external: ['msw', /^node:/],
};

// ky and zod/mini are bundled into both builds, tree-shaken and compiled to ES2019:
// Flex plugin builds (webpack 4) do not transpile dependencies, and both ship newer
// syntax (ky: private fields; zod: `??`, `?.`, `export * as`). ky is ESM-only, so the
// CommonJS build could not require it anyway; the bundled zod/mini also keeps a Twilio
// Function's cold load short.
// The ESM build also names each module behind the index as an entry of its own (not
// exported; nothing imports them), so the index is only re-exports of shared chunks and a
// bundler can drop whole chunks the importer does not use (`sideEffects: false`): a Flex
// plugin that reads task attributes does not ship the HTTP client and ky.
const esmSplit = {
  ...entry,
  'internal/client': 'src/client.ts',
  'internal/attributes': 'src/attributes/reader.ts',
  'internal/writer': 'src/attributes/writer.ts',
  'internal/wrap-up': 'src/wrap-up/index.ts',
  'internal/caller-number': 'src/caller-number.ts',
  'internal/identity': 'src/identity.ts',
  'internal/taskrouter-events': 'src/taskrouter-events.ts',
  'internal/call-start': 'src/call-start.ts',
  'internal/redact': 'src/redact.ts',
  'internal/server': 'src/server/index.ts',
};

// Node gets a build of its own (the `node` export condition: Functions, servers, tests),
// compiled for Node 20 rather than ES2019: ky's private fields stay native there, where
// the ES2019 build turns every one into a WeakMap look-up on each request (about a fifth
// of the client's own time per call). Browsers and Flex plugin builds never ask for
// `node`, and keep the ES2019 build. Same sources, same types.
const node: Options = { ...shared, target: 'node20', platform: 'node', dts: false };

export default defineConfig([
  { ...shared, entry: esmSplit, format: 'esm', outDir: 'dist', noExternal: ['ky', 'zod'], dts: { entry } },
  { ...shared, format: 'cjs', outDir: 'dist', noExternal: ['ky', 'zod'] },
  { ...node, format: 'esm', outDir: 'dist/node', noExternal: ['ky', 'zod'] },
  { ...node, format: 'cjs', outDir: 'dist/node', noExternal: ['ky', 'zod'] },
]);
