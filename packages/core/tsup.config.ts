import { defineConfig, type Options } from 'tsup';

const entry = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/msw': 'src/testing/msw.ts',
};

const shared: Options = {
  entry,
  // Flex plugin builds (webpack 4) parse dependencies without transpiling them.
  target: 'es2019',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: false,
  external: ['msw', /^node:/],
};

export default defineConfig([
  { ...shared, format: 'esm', outDir: 'dist', external: [...(shared.external ?? []), 'ky', 'zod'] },
  // ky is ESM-only, so the CommonJS build bundles it; zod/mini is bundled too, tree-shaken,
  // which keeps a Twilio Function's cold load short.
  { ...shared, format: 'cjs', outDir: 'dist', noExternal: ['ky', 'zod'] },
]);
