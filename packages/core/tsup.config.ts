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
export default defineConfig([
  { ...shared, format: 'esm', outDir: 'dist', noExternal: ['ky', 'zod'] },
  { ...shared, format: 'cjs', outDir: 'dist', noExternal: ['ky', 'zod'] },
]);
