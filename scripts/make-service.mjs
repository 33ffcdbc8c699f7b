#!/usr/bin/env node
// Writes the Sticky Calls Functions out of this repository as a Twilio Serverless service of
// its own, which `twilio-run deploy` (or `twilio serverless:deploy`) deploys as it is:
//
//   npm run make:service -- <out-dir> [--force] [--from-npm] [--no-build]
//
// - builds the packages, then bundles each Function of examples/twilio-serverless/functions
//   with esbuild into one CommonJS file, with @stickycalls/* and everything they use inlined.
//   Only `twilio` and `@twilio/runtime-handler` stay outside: Twilio's runtime gives them. The
//   service's package.json then names Twilio's runtime only, so `npm install` (and Twilio's
//   build of the deploy) work before, or without, a release of the packages on npm;
// - `--from-npm` copies the Functions as they are instead (one line each, requiring the
//   published @stickycalls/twilio-function-adapter), with the example's version ranges;
// - copies .env.example (and .twilioserverlessrc and assets/, if the example has them) and
//   writes package.json, .gitignore and a short README.md.
//
// A folder that is not empty is refused unless --force: then what the command makes is
// replaced, and node_modules/, .git/, .env and .twiliodeployinfo (which names the deployed
// service, so the next deploy updates it) are kept. A folder inside this repository is
// refused: Node looks for modules in every parent folder, so there the Functions would find
// the repository's node_modules and run locally even if a bundle missed a package that the
// deployed service then lacks (and the repository's lint and git would see the service).
// Needs only Node >= 20 and npm (pnpm is what `npm run` installs for this repository).
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCommand, isInside, quote, readJson, sorted } from './out-folder.mjs';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const example = join(root, 'examples', 'twilio-serverless');
const PACKAGES = [
  { name: '@stickycalls/twilio-function-adapter', dir: join(root, 'packages', 'twilio-function-adapter') },
  { name: '@stickycalls/core', dir: join(root, 'packages', 'core') },
];
/** Given by Twilio's runtime to every Function: left to it, never bundled. */
const RUNTIME_PROVIDED = ['twilio', '@twilio/runtime-handler'];
/** Kept in <out-dir> by --force: installed or local files the command never writes. */
const KEPT_BY_FORCE = new Set(['node_modules', '.git', '.env', '.twiliodeployinfo']);

const USAGE = `Usage: npm run make:service -- <out-dir> [--force] [--from-npm] [--no-build]

  <out-dir>    the service's folder, made if missing, outside this repository; a relative
               one is taken from where the command runs, e.g. ../my-sticky-calls
  --force      write into a folder that is not empty: what the command makes is replaced;
               node_modules/, .git/, .env and .twiliodeployinfo are kept
  --from-npm   copy the Functions as they are, requiring the published
               @stickycalls/twilio-function-adapter, instead of bundling this repository's
  --no-build   bundle the packages as they are built now, without pnpm run build:packages first`;

const { step, fail, run, parseArgs } = createCommand('make-service');
const options = parseArgs(process.argv.slice(2), USAGE, "the service's folder");
// Where the command was run (INIT_CWD, set by npm and pnpm): with `npm run make:service`, the
// repository's root, since scripts/run.mjs starts pnpm there.
const callerDir = process.env.INIT_CWD ?? process.cwd();
const out = resolve(callerDir, options.outDir);
checkOutDir(out, options.force);

const source = readJson(join(example, 'package.json'));
const functionFiles = readdirSync(join(example, 'functions')).filter((name) => name.endsWith('.js'));
if (!options.fromNpm && options.build) {
  step('Building the packages (pnpm run build:packages)');
  run('pnpm', ['run', 'build:packages'], root);
}
const versions = options.fromNpm ? [] : PACKAGES.map(builtVersion);
const made = describeCheckout();

prepare(out, options.force);
const written = [];
if (options.fromNpm) {
  step('Copying the Functions as they are (they require the published packages)');
  mkdirSync(join(out, 'functions'));
  for (const file of functionFiles) {
    cpSync(join(example, 'functions', file), join(out, 'functions', file));
    written.push(functionEntry(file));
  }
} else {
  step(`Bundling ${functionFiles.length} Functions with esbuild`);
  written.push(...(await bundle(join(out, 'functions'))));
  checkLoads(written.map(({ path }) => path));
}
for (const name of ['.env.example', '.twilioserverlessrc', 'assets']) {
  if (!existsSync(join(example, name))) continue;
  cpSync(join(example, name), join(out, name), { recursive: true });
  written.push({ path: join(out, name) });
}
writeFileSync(join(out, 'package.json'), `${JSON.stringify(servicePackage(source), null, 2)}\n`);
writeFileSync(join(out, '.gitignore'), gitignore());
writeFileSync(join(out, 'README.md'), readme());
written.push(...['package.json', '.gitignore', 'README.md'].map((name) => ({ path: join(out, name) })));

const fromCaller = relative(callerDir, out) || '.';
const shown = fromCaller.length <= out.length ? fromCaller : out;
console.log(`
Made the service in ${out}
${origin()}

${written
  .map(
    ({ path, bytes }) =>
      `  ${relative(out, path).split('\\').join('/')}${bytes ? `  ${kilobytes(bytes)}` : ''}`,
  )
  .join('\n')}

Next, with your Twilio account's ACCOUNT_SID and AUTH_TOKEN at hand:

  cd ${quote(shown)}
  cp .env.example .env     # on Windows: copy .env.example .env; then fill in every variable
  npm install
  npm run deploy           # prints the service's domain, e.g. sticky-calls-1234-dev.twil.io
`);

// ---------------------------------------------------------------------------

/** Refuses a folder inside this repository or holding it, a file, and a folder not empty without --force. */
function checkOutDir(dir, force) {
  if (isInside(root, dir))
    fail(`${dir} holds this repository: choose a folder outside it, e.g. ../my-sticky-calls`);
  if (isInside(dir, root)) {
    fail(
      `${dir} is inside this repository: choose a folder outside it, e.g. ../my-sticky-calls ` +
        '(inside, the Functions would find the repository’s packages, and a bundle that missed one would still run here)',
    );
  }
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) fail(`${dir} is a file: name a folder`);
  if (readdirSync(dir).length > 0 && !force) {
    fail(
      `${dir} is not empty: choose an empty or new folder, or add --force to replace what the command makes there`,
    );
  }
}

/** Makes the folder; with --force, empties it but for what it keeps. */
function prepare(dir, force) {
  mkdirSync(dir, { recursive: true });
  if (!force) return;
  for (const name of readdirSync(dir)) {
    if (!KEPT_BY_FORCE.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** The version of a built workspace package; fails when it is not built. */
function builtVersion({ name, dir }) {
  if (!existsSync(join(dir, 'dist', 'index.cjs')))
    fail(`${name} is not built: run pnpm run build:packages, or leave out --no-build`);
  return { name, version: readJson(join(dir, 'package.json')).version };
}

/** The checkout's commit, `-dirty` when it has local changes; empty without git. */
function describeCheckout() {
  const git = spawnSync('git', ['describe', '--always', '--dirty', '--abbrev=10'], {
    cwd: root,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  return git.status === 0 ? git.stdout.trim() : '';
}

/**
 * Bundles each Function into `functionsDir`: CommonJS as the runtime requires it, for Node 20
 * and newer (Twilio runs node22; Node 20 is the oldest this repository supports). Fails when a
 * bundle still requires anything but Node's own modules and what the runtime gives.
 */
async function bundle(functionsDir) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: functionFiles.map((file) => join(example, 'functions', file)),
    outdir: functionsDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: RUNTIME_PROVIDED,
    banner: {
      js: `// ${origin()}\n// Edit examples/twilio-serverless/functions in the repository and run the command again.`,
    },
    metafile: true,
    logLevel: 'warning',
  });
  const allowed = new Set([...RUNTIME_PROVIDED, ...builtinModules]);
  const bundles = [];
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    const path = resolve(root, file);
    const left = output.imports
      .filter(({ external }) => external)
      .map(({ path: name }) => name.replace(/^node:/, ''))
      .filter((name) => !allowed.has(name));
    if (left.length > 0)
      fail(`${relative(out, path)} still requires ${left.join(', ')}: it would not load on Twilio`);
    if (/require\(["']@stickycalls\//.test(readFileSync(path, 'utf8')))
      fail(`${relative(out, path)} still requires an @stickycalls package`);
    bundles.push({ path, bytes: output.bytes });
  }
  return bundles.sort((a, b) => a.path.localeCompare(b.path));
}

/** Requires each bundle in a fresh Node, as the runtime does: each must export a handler. */
function checkLoads(paths) {
  const probe = `const f = require(process.argv[1]); if (typeof f.handler !== 'function') { console.error('no exports.handler'); process.exit(1); }`;
  for (const path of paths) {
    const result = spawnSync(process.execPath, ['-e', probe, path], { cwd: out, encoding: 'utf8' });
    if (result.status !== 0) fail(`${relative(out, path)} does not load:\n${result.stderr}`);
  }
}

function functionEntry(file) {
  const path = join(out, 'functions', file);
  return { path, bytes: statSync(path).size };
}

/** The example's package.json without this repository's own scripts and test dependencies. */
function servicePackage(pkg) {
  const dependencies = { '@twilio/runtime-handler': pkg.dependencies['@twilio/runtime-handler'] };
  if (options.fromNpm) Object.assign(dependencies, pkg.dependencies);
  return {
    name: 'sticky-calls',
    version: '1.0.0',
    private: true,
    description: options.fromNpm
      ? 'The Sticky Calls Functions for Twilio Serverless, with the @stickycalls packages from npm.'
      : `The Sticky Calls Functions for Twilio Serverless, bundled from ${versions.map((v) => `${v.name}@${v.version}`).join(' and ')}.`,
    scripts: { start: pkg.scripts.start, deploy: pkg.scripts.deploy },
    dependencies: sorted(dependencies),
    devDependencies: { 'twilio-run': pkg.devDependencies['twilio-run'] },
  };
}

/** Where the service came from: the command, the packages' versions and the checkout's commit. */
function origin(code = (text) => text) {
  const command = code(`npm run make:service${options.fromNpm ? ' --from-npm' : ''}`);
  const parts = versions.map((v) => code(`${v.name}@${v.version}`));
  if (made) {
    const dirty = made.endsWith('-dirty');
    parts.push(`commit ${code(made.replace(/-dirty$/, ''))}${dirty ? ' with local changes' : ''}`);
  }
  return `Made by ${command} from the Sticky Calls repository${parts.length > 0 ? ` (${parts.join(', ')})` : ''}.`;
}

function readme() {
  const functions = options.fromNpm
    ? 'Each Function in `functions/` is one line requiring `@stickycalls/twilio-function-adapter`\nfrom npm: `npm install` needs the package published.'
    : 'Each Function in `functions/` is one CommonJS file with the Sticky Calls packages bundled in:\n`npm install` installs only Twilio’s own runtime (`@twilio/runtime-handler`, which Twilio\ninstalls for the deployed service too) and `twilio-run`, which deploys.';
  return `# Sticky Calls Functions

${origin((text) => `\`${text}\``)}

${functions}

| Function | called by |
|---|---|
| \`/caller-context\` (protected) | Studio's Run Function widget, at call start |
| \`/save-context\` (public) | the Flex plugin, at wrap-up; it checks the agent's Flex token |
| \`/wrapup-event\` (protected) | TaskRouter events: the optional safety net |

## Deploy

\`\`\`sh
cp .env.example .env   # on Windows: copy .env.example .env; fill in every variable
npm install
npm run deploy         # ${source.scripts.deploy}
\`\`\`

\`.env\` needs your Sticky Calls API key, your Flex TaskRouter workspace (\`WS…\`) and your
account's \`ACCOUNT_SID\` and \`AUTH_TOKEN\` (its comments say where each comes from). The deploy
prints the service's domain, e.g. \`sticky-calls-1234-dev.twil.io\`: the Studio flow calls
\`https://sticky-calls-1234-dev.twil.io/caller-context\` and the plugin posts to
\`https://sticky-calls-1234-dev.twil.io/save-context\`. \`npm start\` runs the service locally
(\`twilio-run start\`, on \`http://localhost:3000\`).

To change a Function or take a newer SDK, edit the repository and run the same command with
\`--force\`: it keeps \`.env\`, \`.twiliodeployinfo\` (so the next \`npm run deploy\` updates the same
service) and \`node_modules/\`. What each Function does, its settings and the safety net's set-up
are in the repository's \`examples/twilio-serverless/README.md\`.
`;
}

function gitignore() {
  return `${readFileSync(join(example, '.gitignore'), 'utf8').trimEnd()}\nnode_modules/\n`;
}

function kilobytes(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
