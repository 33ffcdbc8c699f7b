import { describe, expect, it } from 'vitest';
import { checkSaveContextUrl } from '../save-url.js';

describe('checkSaveContextUrl', () => {
  it.each([
    'https://sticky-calls-1234-dev.twil.io/save-context',
    '  https://sticky-calls-1234-dev.twil.io/save-context  ',
    'https://example.com/functions/save?x=1',
    'http://localhost:3000/save-context',
    'http://127.0.0.1:3000/save-context',
    'https://localhost/save-context',
  ])('accepts %s', (url) => {
    expect(checkSaveContextUrl(url)).toBeUndefined();
  });

  it.each<[unknown, RegExp]>([
    [undefined, /^is empty: set it to the https:\/\/ URL of your save-context Function/],
    ['', /^is empty/],
    ['  ', /^is empty/],
    ['sticky-calls-1234-dev.twil.io/save-context', /^is not a URL: give the full https:\/\/ address/],
    ['https://', /^is not a URL/],
    [
      'http://sticky-calls-1234-dev.twil.io/save-context',
      /^uses http:\/\/, but the agent’s Flex token is sent to it: use https:\/\/ \(http:\/\/ is for localhost only\)/,
    ],
    ['http://192.168.1.10/save-context', /^uses http:\/\//],
    ['ftp://sticky-calls-1234-dev.twil.io/save-context', /^uses ftp:, not https:\/\//],
    ['https://sticky-calls-1234-dev.twil.io', /^has no path: add your save-context Function’s path/],
    ['https://sticky-calls-1234-dev.twil.io/', /^has no path/],
    ['https://sticky-calls-1234-dev.twil.io/?a=1', /^has no path/],
    [42, /^is not a string/],
  ])('names the problem of %j and the fix', (url, problem) => {
    expect(checkSaveContextUrl(url)).toMatch(problem);
  });

  it('gives an example of a right URL with each problem', () => {
    for (const url of ['', 'x', 'http://a.twil.io/s', 'https://a.twil.io']) {
      expect(checkSaveContextUrl(url)).toContain('https://sticky-calls-1234-dev.twil.io/save-context');
    }
  });
});
