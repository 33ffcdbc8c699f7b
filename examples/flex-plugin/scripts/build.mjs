// Production build of the plugin with webpack 4, configured as `flex-plugin build`
// (@twilio/flex-plugin-scripts 7.1.2, @twilio/flex-plugin-webpack's webpack.config) does
// where it matters: webpack 4's own parser reads every dependency untranspiled (so ES2020+
// syntax shipped by a dependency fails the build, as it does for plugin authors), Babel
// (babel-preset-react-app) compiles `src/` only, React, ReactDOM, Redux and Flex come
// from the page, and the output is build/plugin-sticky-calls.js. Why not `flex-plugin build`
// itself: see README.md ("Why the build is plain webpack 4 here").
//
// Usage: node scripts/build.mjs   (reads .env, like flex-plugin-scripts)

import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const webpack = require('webpack');
const TerserPlugin = require('terser-webpack-plugin');

// The plugin's name in Flex (flex-plugin-scripts takes it from package.json; this package's
// name is the monorepo's, so it is set here).
const PLUGIN_NAME = 'plugin-sticky-calls';
const MAX_BUILD_SIZE_MB = 10;

// babel-preset-react-app reads these; flex-plugin-scripts sets both for `build`.
process.env.NODE_ENV = 'production';
process.env.BABEL_ENV = 'production';

const paths = {
  src: join(root, 'src'),
  build: join(root, 'build'),
  bundle: join(root, 'build', `${PLUGIN_NAME}.js`),
};

const versionOf = (name) =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/**
 * The client variables, as flex-plugin-scripts' clientVariables.ts: the environment, then
 * `.env`, then `.<TWILIO_PROFILE>.env` (later ones win), keeping only FLEX_APP_* and
 * REACT_APP_*; each becomes a string literal in the bundle.
 */
function clientVariables() {
  const valid = (key) => /^FLEX_APP_/i.test(key) || /^REACT_APP_/i.test(key);
  let variables = { ...process.env };
  const files = ['.env'];
  if (process.env.TWILIO_PROFILE) files.push(`.${process.env.TWILIO_PROFILE}.env`);
  for (const file of files) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    const parsed = parseEnv(readFileSync(path, 'utf8'));
    for (const key of Object.keys(parsed).filter((key) => !valid(key))) {
      console.warn(`${file}: ${key} is ignored: only FLEX_APP_* (and REACT_APP_*) reach the plugin`);
    }
    variables = { ...variables, ...parsed };
  }
  const env = {};
  for (const key of Object.keys(variables).filter(valid)) env[key] = JSON.stringify(variables[key]);
  return env;
}

const env = clientVariables();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** @type {import('webpack').Configuration} */
let config = {
  mode: 'production',
  bail: true,
  entry: [join(paths.src, 'index')],
  output: {
    path: paths.build,
    pathinfo: false,
    futureEmitAssets: true,
    filename: `${PLUGIN_NAME}.js`,
    globalObject: 'this',
  },
  devtool: 'hidden-source-map',
  resolve: {
    modules: ['node_modules'],
    extensions: ['.js', '.mjs', '.jsx', '.ts', '.tsx'],
    // webpack 4's default for the web, stated: it knows nothing of `exports`, so
    // @stickycalls/* resolve through `module` to their built dist/.
    mainFields: ['browser', 'module', 'main'],
    alias: {
      '@twilio/flex-ui': join(root, 'scripts', 'flex-shim.cjs'),
      'scheduler/tracing': 'scheduler/tracing-profiling',
    },
  },
  externals: {
    react: 'React',
    'react-dom': 'ReactDOM',
    redux: 'Redux',
    'react-redux': 'ReactRedux',
  },
  module: {
    strictExportPresence: true,
    rules: [
      { parser: { requireEnsure: false } },
      {
        oneOf: [
          {
            test: /\.(js|mjs|jsx|ts|tsx)$/,
            // The plugin's own source only: dependencies are bundled as they are published.
            include: paths.src,
            loader: require.resolve('babel-loader'),
            options: {
              customize: require.resolve('babel-preset-react-app/webpack-overrides'),
              babelrc: false,
              configFile: false,
              presets: [require.resolve('babel-preset-react-app')],
              compact: true,
            },
          },
        ],
      },
      { test: /\.mjs$/, include: /node_modules/, type: 'javascript/auto' },
    ],
  },
  plugins: [
    new webpack.DefinePlugin({
      __FPB_PLUGIN_UNIQUE_NAME: `'${PLUGIN_NAME}'`,
      __FPB_PLUGIN_VERSION: `'${pkg.version}'`,
      // No flex-plugin-scripts in this build (see README.md).
      __FPB_FLEX_PLUGIN_SCRIPTS_VERSION: `'N/A'`,
      __FPB_FLEX_PLUGIN_VERSION: `'${versionOf('@twilio/flex-plugin')}'`,
      __FPB_FLEX_UI_VERSION: `'${versionOf('@twilio/flex-ui')}'`,
      __FPB_REACT_VERSION: `'${versionOf('react')}'`,
      __FPB_REACT_DOM_VERSION: `'${versionOf('react-dom')}'`,
      __FPB_CRACO_CONFIG_FLEX_PLUGIN_VERSION: `'N/A'`,
      'process.env': env,
    }),
    new webpack.SourceMapDevToolPlugin({ append: '\n//# sourceMappingURL=bundle.js.map' }),
  ],
  optimization: {
    splitChunks: false,
    runtimeChunk: false,
    minimize: true,
    minimizer: [
      new TerserPlugin({
        terserOptions: {
          parse: { ecma: 8 },
          compress: { ecma: 5, warnings: false, comparisons: false, inline: 2 },
          mangle: { safari10: true },
          keep_classnames: true,
          keep_fnames: true,
          output: { ecma: 5, comments: false, ascii_only: true },
        },
        sourceMap: true,
      }),
    ],
  },
  node: {
    module: 'empty',
    dgram: 'empty',
    dns: 'mock',
    fs: 'empty',
    http2: 'empty',
    net: 'empty',
    tls: 'empty',
    child_process: 'empty',
  },
};

// The plugin's webpack.config.js hook, called as flex-plugin-scripts calls it. It checks
// FLEX_APP_SAVE_CONTEXT_URL (a warning when unset, an error when unusable), for both builds.
const hook = join(root, 'webpack.config.js');
if (existsSync(hook)) {
  try {
    config = require(hook)(config, { isProd: true, isDev: false, isTest: false });
  } catch (error) {
    console.error(`Failed to compile ${PLUGIN_NAME}: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}

rmSync(paths.build, { recursive: true, force: true });
const started = Date.now();
webpack(config).run((error, stats) => {
  if (error) {
    console.error(error.stack || error);
    process.exit(1);
  }
  const info = stats.toJson({ all: false, assets: true, errors: true, warnings: true });
  if (stats.hasErrors()) {
    console.error(`Failed to compile ${PLUGIN_NAME}:\n`);
    for (const message of info.errors) console.error(`${message}\n`);
    process.exit(1);
  }
  for (const message of info.warnings) console.warn(`warning: ${message}\n`);
  console.log(`Compiled ${PLUGIN_NAME} with webpack ${webpack.version} in ${Date.now() - started} ms:`);
  for (const asset of info.assets) {
    console.log(
      `  ${(asset.size / 1024).toFixed(1).padStart(8)} KB  ${relative(root, join(paths.build, asset.name))}`,
    );
  }
  const megabytes = statSync(paths.bundle).size / 1024 / 1024;
  if (megabytes >= MAX_BUILD_SIZE_MB) {
    console.error(
      `The bundle is ${megabytes.toFixed(1)} MB; flex-plugin-scripts refuses ${MAX_BUILD_SIZE_MB} MB or more.`,
    );
    process.exit(1);
  }
});
