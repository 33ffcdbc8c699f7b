import { defineConfig, type Options } from 'tsup';

// React is the host's (Flex supplies it); @stickycalls/core is a dependency whose own
// build is ES2019. Everything here compiles to ES2019 too: Flex plugin builds (webpack 4)
// do not transpile dependencies. Classic JSX (React.createElement) so no
// `react/jsx-runtime` import reaches a plugin bundle.
const shared: Options = {
  entry: { index: 'src/index.ts' },
  target: 'es2019',
  platform: 'browser',
  dts: true,
  sourcemap: true,
  clean: false,
  external: ['react', '@stickycalls/core'],
  esbuildOptions(options) {
    options.jsx = 'transform';
    options.jsxFactory = 'React.createElement';
    options.jsxFragment = 'React.Fragment';
  },
};

export default defineConfig([
  { ...shared, format: 'esm', outDir: 'dist' },
  { ...shared, format: 'cjs', outDir: 'dist' },
]);
