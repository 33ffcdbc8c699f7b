// Checks every TypeScript and JavaScript block of every tracked README as a user would
// paste it: each block is a module of its own, compiled (strict, React's classic JSX)
// against the workspace's packages as their package.json exports them, in one program.
// A block that is an excerpt (parts of several files) says so on the line before its
// fence with `<!-- snippet: excerpt -->` and is not compiled; a block that uses what its
// surroundings provide names it there, `<!-- snippet: given flex, manager -->`, and is
// compiled with those declared (`GIVEN` below).
//   node scripts/readme-snippets.mjs            prints each block's problems; exit 1 on any
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const EXCERPT = '<!-- snippet: excerpt -->';
const LANGUAGES = { ts: 'ts', typescript: 'ts', tsx: 'tsx', js: 'cjs', jsx: 'tsx' };
/** What a `given` marker declares: Flex's own objects, and a desktop of the user's own. */
const GIVEN = {
  flex: "declare const flex: typeof import('@twilio/flex-ui');",
  manager: "declare const manager: import('@twilio/flex-ui').Manager;",
  task: "declare const task: import('@twilio/flex-ui').ITask;",
  desktop: `declare const desktop: {
  token: string;
  banner(kind: string, taskSid: string): void;
  onCompleteClicked(run: (task: { sid: string; attributes: unknown }) => Promise<void>): void;
  completeTask(task: { sid: string }): Promise<void>;
  onTaskGone(run: (task: { sid: string }) => void): void;
};`,
};

/** Every fenced TypeScript/JavaScript block of the tracked READMEs. */
export function readmeBlocks() {
  const files = execFileSync('git', ['ls-files', '*README.md'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && !file.includes('node_modules'));
  const blocks = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    for (let index = 0; index < lines.length; index++) {
      const open = /^```(\w+)\s*$/.exec(lines[index]);
      if (!open) continue;
      const end = lines.indexOf('```', index + 1);
      if (end < 0) break;
      const language = LANGUAGES[open[1]];
      if (language) {
        blocks.push({
          file,
          line: index + 1,
          language,
          excerpt: lines[index - 1]?.trim() === EXCERPT,
          given: (/^<!-- snippet: given ([\w, ]+) -->$/.exec(lines[index - 1]?.trim() ?? '')?.[1] ?? '')
            .split(',')
            .map((name) => name.trim())
            .filter(Boolean),
          code: lines.slice(index + 1, end).join('\n'),
        });
      }
      index = end;
    }
  }
  return blocks;
}

/**
 * Compiles the blocks in one TypeScript program.
 * @returns {Map<string, string[]>} problems by `file:line`
 */
export function checkBlocks(blocks) {
  const scratch = mkdtempSync(join(tmpdir(), 'stickycalls-readme-'));
  try {
    linkModules(join(scratch, 'node_modules'));
    const names = blocks.map((block, index) => {
      const name = `block${index}.${block.language}`;
      const unknown = block.given.filter((given) => !GIVEN[given]);
      if (unknown.length > 0)
        throw new Error(`${block.file}:${block.line}: nothing known as given ${unknown}`);
      const preamble = block.given.map((given) => GIVEN[given]).join('\n');
      const body = block.excerpt ? '' : block.code;
      // A preamble on the block's last line keeps the block's line numbers.
      const module = block.language === 'cjs' ? '' : '\nexport {};';
      writeFileSync(join(scratch, name), `${body}\n${preamble}${module}\n`);
      return name;
    });
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          lib: ['es2022', 'dom', 'dom.iterable'],
          module: 'esnext',
          moduleResolution: 'bundler',
          customConditions: [],
          jsx: 'react',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          esModuleInterop: true,
          allowJs: true,
          checkJs: true,
          types: ['node'],
        },
        files: names,
      }),
    );
    const tsc = join(
      dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
      'bin',
      'tsc',
    );
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', scratch, '--pretty', 'false'], {
        cwd: scratch,
        encoding: 'utf8',
      });
    } catch (error) {
      output = String(error.stdout ?? error);
    }
    const problems = new Map(blocks.map((block) => [`${block.file}:${block.line}`, []]));
    for (const line of output.split('\n')) {
      const match = /^block(\d+)\.(?:tsx?|cjs)\((\d+),\d+\): (.*)$/.exec(line);
      if (!match) continue;
      const block = blocks[Number(match[1])];
      problems.get(`${block.file}:${block.line}`).push(`line ${block.line + Number(match[2])}: ${match[3]}`);
    }
    return problems;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A node_modules of links: the root's and flex-react's dependencies, and the packages. */
function linkModules(target) {
  mkdirSync(target);
  const sources = [
    join(root, 'packages/flex-react/node_modules'),
    join(root, 'packages/twilio-function-adapter/node_modules'),
    join(root, 'packages/fetch-adapter/node_modules'),
    join(root, 'examples/flex-plugin/node_modules'),
    join(root, 'node_modules'),
  ];
  const linked = new Set();
  const link = (from, name) => {
    if (linked.has(name)) return;
    linked.add(name);
    mkdirSync(dirname(join(target, name)), { recursive: true });
    symlinkSync(from, join(target, name), 'junction');
  };
  for (const dir of ['core', 'twilio-function-adapter', 'fetch-adapter', 'flex-react']) {
    link(join(root, 'packages', dir), `@stickycalls/${dir}`);
  }
  for (const source of sources) {
    for (const entry of readdirSync(source)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(source, entry)))
          link(join(source, entry, scoped), `${entry}/${scoped}`);
      } else link(join(source, entry), entry);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const blocks = readmeBlocks();
  const problems = checkBlocks(blocks);
  let failed = 0;
  for (const [where, list] of problems) {
    if (list.length === 0) continue;
    failed++;
    console.log(`${where}\n  ${list.join('\n  ')}`);
  }
  console.log(
    `${blocks.length} blocks, ${blocks.filter((b) => b.excerpt).length} excerpts, ${failed} with problems`,
  );
  process.exit(failed === 0 ? 0 : 1);
}
