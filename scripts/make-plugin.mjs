#!/usr/bin/env node
// Copies the Flex plugin example out of this repository into a folder of its own that the
// Twilio CLI builds and deploys (`twilio flex:plugins:deploy` runs `flex-plugin build`
// from `@twilio/flex-plugin-scripts`, installed in the plugin's folder):
//
//   npm run make:plugin -- <out-dir> [--force] [--from-npm] [--no-build]
//
// - builds the packages and packs `@stickycalls/core` and `@stickycalls/flex-react` into
//   <out-dir>/vendor/*.tgz, named `file:vendor/….tgz` in the plugin's dependencies, so
//   `npm install` works before (or without) a release on npm; `--from-npm` keeps the
//   published version ranges instead, and makes no vendor folder;
// - copies examples/flex-plugin without what only this repository's build uses (its
//   webpack 4 build in scripts/, build/, node_modules/, tests) nor the local settings
//   (.env, .<profile>.env, public/appConfig.js);
// - writes the plugin's package.json (`@twilio/flex-plugin-scripts` in its dependencies,
//   as `twilio flex:plugins:create` does), a standalone tsconfig.json and a short README.
//
// A folder that is not empty is refused unless --force: then what the copy makes is
// replaced, and node_modules/, .git/, .env files and public/appConfig.js are kept.
// Needs only Node >= 20 and npm (pnpm is what `npm run` installs for this repository).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import semver from 'semver';

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

const options = parseArgs(process.argv.slice(2));
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

function parseArgs(args) {
  const parsed = { outDir: undefined, force: false, fromNpm: false, build: true };
  for (const arg of args) {
    if (arg === '--force') parsed.force = true;
    else if (arg === '--from-npm') parsed.fromNpm = true;
    else if (arg === '--no-build') parsed.build = false;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}\n\n${USAGE}`, 2);
    else if (parsed.outDir === undefined) parsed.outDir = arg;
    else fail(`one <out-dir> only (got ${parsed.outDir} and ${arg})\n\n${USAGE}`, 2);
  }
  if (parsed.outDir === undefined) fail(`name the plugin's folder\n\n${USAGE}`, 2);
  return parsed;
}

/** Refuses a folder inside the example or holding the repository, and one not empty without --force. */
function checkOutDir(dir, force) {
  const inside = (child, parent) => {
    const path = relative(parent, child);
    return path === '' || (!path.startsWith('..') && !isAbsolute(path));
  };
  if (inside(dir, example) || inside(root, dir)) {
    fail(
      `${dir} is the example itself or holds this repository: choose a folder outside it, e.g. ../plugin-sticky-calls`,
    );
  }
  if (inside(dir, join(root, 'packages')) || inside(dir, join(root, 'examples'))) {
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

function sorted(record) {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function run(command, args, cwd, { quiet = false } = {}) {
  // pnpm is a .cmd on Windows, which only a shell starts.
  const result = spawnSync(command, args, {
    cwd,
    stdio: quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    if (quiet) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    fail(`\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
  }
}

function quote(path) {
  return /[\s"'$`\\]/.test(path) ? JSON.stringify(path) : path;
}

function step(message) {
  console.log(`make-plugin: ${message}`);
}

function fail(message, code = 1) {
  console.error(`make-plugin: ${message}`);
  process.exit(code);
}
