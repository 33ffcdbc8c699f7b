import { defineConfig } from 'tsup';

// The main entry runs anywhere fetch does (Workers, Deno, Bun, Node): no Node module in
// it. `node` and `lambda` bring their runtime's conversions.
export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', lambda: 'src/lambda.ts' },
  format: ['esm', 'cjs'],
  target: 'es2022',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: false,
  external: ['@stickycalls/core', 'hono', /^hono\//, '@hono/node-server', /^node:/],
});
