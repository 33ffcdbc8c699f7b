#!/usr/bin/env node
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import semver from 'semver';
import { createCommand, isInside, quote, readJson, sorted } from './out-folder.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const example = join(root, 'examples', 'flex-plugin');
const PACKED = [
  { name: '@stickycalls/core', dir: join(root, 'packages', 'core') },
  { name: '@stickycalls/flex-react', dir: join(root, 'packages', 'flex-react') },
];
/** What `twilio flex:plugins:create --flexui2` puts in a new plugin's dependencies (7.1.2 is the current CLI's). */
const FLEX_PLUGIN_SCRIPTS = '7.1.2';
/**
 * Needed only by examples/flex-plugin/scripts/build.mjs, the repository's own build. `webpack`
 * (4.47.0) stays: without it npm puts webpack 5 at the top of node_modules (a peer of
 * babel-loader, which flex-plugin-scripts 7.1.2 uses), and the CLI's build then fails with
 * "Cannot find module 'webpack/lib/LoaderTargetPlugin'" from its html-webpack-plugin 4.
 */
const REPOSITORY_BUILD_ONLY = [
  '@babel/core',
  'babel-loader',
  'babel-preset-react-app',
  'terser-webpack-plugin',
];
/** Kept in <out-dir> by --force: installed or local files the copy never writes. */
const KEPT_BY_FORCE = (name) =>
  name === 'node_modules' || name === '.git' || name === '.env' || /^\..+\.env$/.test(name);

/** The example's tsconfig extends this repository's base: this one stands alone. */
const TSCONFIG = {
  compilerOptions: {
    target: 'es2019',
    lib: ['dom', 'dom.iterable', 'esnext'],
    module: 'esnext',
    moduleResolution: 'node',
    jsx: 'react',
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    isolatedModules: true,
    resolveJsonModule: true,
    noEmit: true,
  },
  include: ['src'],
};

const USAGE = `Usage: npm run make:plugin -- <out-dir> [--force] [--from-npm] [--no-build]

  <out-dir>    the plugin's folder, made if missing; a relative one is taken from the
               repository's root, e.g. ../plugin-sticky-calls beside it
  --force      write into a folder that is not empty: what the copy makes is replaced;
               node_modules/, .git/, .env files and public/appConfig.js are kept
  --from-npm   depend on the published @stickycalls packages instead of packing this
               repository's into vendor/
  --no-build   pack the packages as they are built now, without pnpm run build:packages first`;

const { step, fail, run, parseArgs } = createCommand('make-plugin');
const options = parseArgs(process.argv.slice(2), USAGE, "the plugin's folder");
// Where the command was run (INIT_CWD, set by npm and pnpm): with `npm run make:plugin`, the
// repository's root, since scripts/run.mjs starts pnpm there.
const callerDir = process.env.INIT_CWD ?? process.cwd();
const out = resolve(callerDir, options.outDir);
checkOutDir(out, options.force);

const pkg = readJson(join(example, 'package.json'));
let vendored = [];
if (!options.fromNpm && options.build) {
  step('Building the packages (pnpm run build:packages)');
  run('pnpm', ['run', 'build:packages'], root);
}

prepare(out, options.force);
if (!options.fromNpm) {
  step('Packing @stickycalls/core and @stickycalls/flex-react into vendor/');
  vendored = pack(join(out, 'vendor'));
}
step(`Copying examples/flex-plugin to ${out}`);
copyExample(out);
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pluginPackage(pkg, vendored), null, 2)}\n`);
writeFileSync(join(out, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
writeFileSync(join(out, 'README.md'), readme(vendored));
writeFileSync(join(out, '.gitignore'), gitignore());

const fromCaller = relative(callerDir, out) || '.';
const shown = fromCaller.length <= out.length ? fromCaller : out;
console.log(`
Made the plugin ${pkg.name} in ${out}${
  vendored.length > 0
    ? `\nwith ${vendored.map((v) => `${v.name}@${v.version}`).join(' and ')} packed from this repository into vendor/.`
    : '\nwith the @stickycalls packages from npm.'
}

Next, with the Twilio CLI and its Flex plugin (twilio plugins:install @twilio-labs/plugin-flex),
logged in to your Flex account (twilio profiles:use <your-flex-profile>):

  cd ${quote(shown)}
  npm install
  cp .env.example .env     # on Windows: copy .env.example .env
  # set FLEX_APP_SAVE_CONTEXT_URL in .env, e.g. https://sticky-calls-1234-dev.twil.io/save-context
  twilio flex:plugins:deploy --major --changelog "Sticky Calls caller context and wrap-up" --description "Caller context panel, wrap-up form and save"
  twilio flex:plugins:release --plugin ${pkg.name}@1.0.0 --name "Sticky Calls" --description "Caller context and wrap-up"
`);

// ---------------------------------------------------------------------------

/** Refuses a folder inside the example or holding the repository, and one not empty without --force. */
function checkOutDir(dir, force) {
  if (isInside(dir, example) || isInside(root, dir)) {
    fail(
      `${dir} is the example itself or holds this repository: choose a folder outside it, e.g. ../plugin-sticky-calls`,
    );
  }
  if (isInside(dir, join(root, 'packages')) || isInside(dir, join(root, 'examples'))) {
    fail(`${dir} is inside this repository's packages or examples: choose a folder outside them`);
  }
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  if (entries.length > 0 && !force) {
    fail(
      `${dir} is not empty: choose an empty or new folder, or add --force to replace what the copy makes there`,
    );
  }
}

/** Makes the folder; with --force, empties it but for what it keeps. */
function prepare(dir, force) {
  mkdirSync(dir, { recursive: true });
  if (!force) return;
  for (const name of readdirSync(dir)) {
    if (KEPT_BY_FORCE(name)) continue;
    if (name === 'public') {
      for (const file of readdirSync(join(dir, 'public'))) {
        if (file !== 'appConfig.js') rmSync(join(dir, 'public', file), { recursive: true, force: true });
      }
      continue;
    }
    rmSync(join(dir, name), { recursive: true, force: true });
  }
  // The packed packages keep their version while their code changes: npm would reuse what it
  // installed from the last copy.
  rmSync(join(dir, 'node_modules', '@stickycalls'), { recursive: true, force: true });
  rmSync(join(dir, 'node_modules', '.package-lock.json'), { force: true });
}

/** `pnpm pack` of core and flex-react into `vendorDir`; checks that flex-react's range on core takes the packed core. */
function pack(vendorDir) {
  mkdirSync(vendorDir, { recursive: true });
  const packed = PACKED.map(({ name, dir }) => {
    if (!existsSync(join(dir, 'dist')))
      fail(`${name} is not built: run pnpm run build:packages, or leave out --no-build`);
    const before = new Set(readdirSync(vendorDir));
    run('pnpm', ['pack', '--pack-destination', vendorDir], dir, { quiet: true });
    const file = readdirSync(vendorDir).find((entry) => !before.has(entry) && entry.endsWith('.tgz'));
    if (file === undefined) fail(`pnpm pack made no tarball for ${name}`);
    const manifest = packedManifest(join(vendorDir, file));
    if (manifest.name !== name) fail(`vendor/${file} holds ${manifest.name}, not ${name}`);
    return { name, version: manifest.version, file, manifest };
  });
  const [core, flexReact] = packed;
  const range = flexReact.manifest.dependencies?.[core.name];
  if (typeof range !== 'string' || !semver.satisfies(core.version, range, { includePrerelease: true })) {
    fail(
      `${flexReact.name}@${flexReact.version} asks for ${core.name}@${range}, which does not accept the packed ${core.version}: ` +
        `npm would look for it on the registry. Build the packages from one checkout and try again.`,
    );
  }
  return packed.map(({ name, version, file }) => ({ name, version, file }));
}

/** The package.json inside a packed tarball (`package/package.json`), read with node:zlib. */
function packedManifest(tarball) {
  const tar = gunzipSync(readFileSync(tarball));
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    const text = (start, length) => header.toString('utf8', start, start + length).replace(/\0[\s\S]*$/, '');
    const name = text(0, 100);
    if (name === '') break;
    const size = Number.parseInt(text(124, 12).trim() || '0', 8);
    const prefix = text(345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    offset += 512;
    if (path === 'package/package.json') return JSON.parse(tar.toString('utf8', offset, offset + size));
    offset += Math.ceil(size / 512) * 512;
  }
  fail(`${basename(tarball)} has no package/package.json`);
}

/** Copies the example but for the repository's own build, its tests and local settings. */
function copyExample(dir) {
  const skipped = (path) => {
    const rel = relative(example, path);
    if (rel === '') return false;
    const parts = rel.split(sep);
    const name = parts[parts.length - 1];
    if (parts.length === 1 && ['node_modules', 'build', 'scripts', 'test', 'README.md'].includes(name))
      return true;
    if (name === '__tests__' || /\.test\.[cm]?[jt]sx?$/.test(name) || /^vitest\..*config\./.test(name))
      return true;
    // Local settings: the admin's own (copy .env.example; public/appConfig.example.js).
    if (name === '.env' || /^\..+\.env$/.test(name)) return true;
    return rel === join('public', 'appConfig.js');
  };
  cpSync(example, dir, { recursive: true, filter: (source) => !skipped(source) });
}

function pluginPackage(source, packed) {
  const dependencies = { ...source.dependencies };
  for (const { name, file } of packed) dependencies[name] = `file:vendor/${file}`;
  dependencies['@twilio/flex-plugin-scripts'] = FLEX_PLUGIN_SCRIPTS;
  const devDependencies = { ...source.devDependencies };
  for (const name of REPOSITORY_BUILD_ONLY) delete devDependencies[name];
  return {
    name: source.name,
    version: source.version,
    private: true,
    description: source.description,
    // Not the template's `postinstall: flex-plugin pre-script-check`: it fails where the
    // Twilio CLI is not installed yet, and the CLI runs those checks before it builds.
    scripts: { typecheck: source.scripts.typecheck },
    dependencies: sorted(dependencies),
    devDependencies: sorted(devDependencies),
  };
}

function readme(packed) {
  const from =
    packed.length > 0
      ? `\`${packed.map((p) => `${p.name}@${p.version}`).join('` and `')}\` are in \`vendor/\`, packed from the\nrepository (\`file:vendor/…\` in package.json): keep that folder with the plugin.`
      : 'The `@stickycalls` packages come from npm.';
  return `# ${pkg.name}

The Sticky Calls Flex plugin, made by \`npm run make:plugin\` from the Sticky Calls repository's
\`examples/flex-plugin\` (its README explains the plugin and each step below). ${from}

\`\`\`sh
npm install
cp .env.example .env     # then set FLEX_APP_SAVE_CONTEXT_URL
twilio flex:plugins:deploy --major --changelog "Sticky Calls caller context and wrap-up" --description "Caller context panel, wrap-up form and save"
twilio flex:plugins:release --plugin ${pkg.name}@1.0.0 --name "Sticky Calls" --description "Caller context and wrap-up"
\`\`\`

The build refuses a \`FLEX_APP_SAVE_CONTEXT_URL\` that is not the \`https://\` URL of a Function
(\`http://\` only for localhost). \`npm run typecheck\` checks the source against Flex UI's types.
`;
}

function gitignore() {
  const own = readFileSync(join(example, '.gitignore'), 'utf8').replace(
    /^# Build output.*$/m,
    '# Build output (twilio flex:plugins:build, flex-plugin build)',
  );
  return `${own.trimEnd()}\n# Installed by npm install\nnode_modules/\n`;
}
