import * as paste from '@twilio-paste/design-tokens/dist/tokens.es6.js';
import { describe, expect, it } from 'vitest';
import { tokens } from '../tokens.js';

const pasteTokens: Readonly<Record<string, unknown>> = paste;

describe('tokens', () => {
  it('copies tokens of the Paste default theme', () => {
    expect(Object.keys(tokens).length).toBeGreaterThan(0);
    expect(Object.keys(tokens).filter((name) => !(name in pasteTokens))).toEqual([]);
  });

  it.each(Object.entries(tokens))('%s is the value Paste has', (name, value) => {
    expect(value).toBe(pasteTokens[name]);
  });
});
