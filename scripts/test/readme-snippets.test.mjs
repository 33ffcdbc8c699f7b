// Every TypeScript and JavaScript block of every README compiles as a user would paste it
// (after the build: the packages' declarations are what users get).
import { describe, expect, it } from 'vitest';
import { checkBlocks, readmeBlocks } from '../readme-snippets.mjs';

const blocks = readmeBlocks();
const problems = checkBlocks(blocks);

describe('README code blocks', () => {
  it('finds the blocks of the packages and examples READMEs', () => {
    const files = new Set(blocks.map((block) => block.file));
    expect(files).toContain('packages/core/README.md');
    expect(files).toContain('packages/twilio-function-adapter/README.md');
    expect(files).toContain('packages/flex-react/README.md');
    // Excerpts are the exception: most blocks compile as they are.
    expect(blocks.filter((block) => block.excerpt).length).toBeLessThanOrEqual(blocks.length / 4);
  });

  for (const block of blocks.filter((candidate) => !candidate.excerpt)) {
    it(`${block.file}:${block.line} compiles`, () => {
      expect(problems.get(`${block.file}:${block.line}`)).toEqual([]);
    });
  }

  it('reports a block that uses what it does not import, at its README line', () => {
    const broken = {
      file: 'README.md',
      line: 10,
      language: 'ts',
      excerpt: false,
      given: [],
      code: "import { invoke } from '@stickycalls/twilio-function-adapter/testing';\n\nawait invoke(createCallerContextHandler());",
    };
    const found = checkBlocks([broken]).get('README.md:10');
    expect(found).toEqual([
      expect.stringMatching(/^line 13: error TS2304: Cannot find name 'createCallerContextHandler'/),
    ]);
  });
});
