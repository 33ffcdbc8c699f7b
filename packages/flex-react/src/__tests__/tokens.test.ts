import * as pasteDark from '@twilio-paste/design-tokens/dist/themes/dark/tokens.es6.js';
import * as paste from '@twilio-paste/design-tokens/dist/tokens.es6.js';
import { describe, expect, it } from 'vitest';
import { surface } from '../surface.js';
import { type ColorToken, colorVariable, DARK_COLORS, LIGHT_COLORS, tokens } from '../tokens.js';

const pasteTokens: Readonly<Record<string, unknown>> = paste;
const pasteDarkTokens: Readonly<Record<string, unknown>> = pasteDark;
const colorNames = Object.keys(LIGHT_COLORS) as ColorToken[];

/** WCAG 2 contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r = 0, g = 0, bl = 0] = (color.match(/\d+/g) ?? []).map((part) => {
      const channel = Number(part) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

describe('tokens', () => {
  it('copies tokens of the Paste default theme', () => {
    expect(Object.keys(tokens).length).toBeGreaterThan(colorNames.length);
    expect(Object.keys(tokens).filter((name) => !(name in pasteTokens))).toEqual([]);
  });

  it.each(colorNames)('%s is the light value Paste has', (name) => {
    expect(LIGHT_COLORS[name]).toBe(pasteTokens[name]);
  });

  it.each(colorNames)(
    '%s is the value of Paste’s dark theme (the one Flex builds its dark theme from)',
    (name) => {
      expect(DARK_COLORS[name]).toBe(pasteDarkTokens[name]);
      expect(DARK_COLORS[name]).not.toBe(undefined);
    },
  );

  it('the dark set has exactly the light set’s colours', () => {
    expect(Object.keys(DARK_COLORS).sort()).toEqual([...colorNames].sort());
  });

  it.each(colorNames)('%s reads its theme variable, the light value when no theme sets it', (name) => {
    const variable = colorVariable(name);
    expect(variable).toMatch(/^--sticky-calls-color(-[a-z0-9]+)+$/);
    expect(tokens[name]).toBe(`var(${variable}, ${LIGHT_COLORS[name]})`);
  });

  it('one variable per colour', () => {
    expect(new Set(colorNames.map(colorVariable)).size).toBe(colorNames.length);
  });

  it.each(Object.entries(tokens).filter(([name]) => !(colorNames as string[]).includes(name)))(
    '%s (not a colour) is the value Paste has',
    (name, value) => {
      expect(value).toBe(pasteTokens[name]);
    },
  );

  describe.each([
    ['light', LIGHT_COLORS],
    ['dark', DARK_COLORS],
  ] as const)('text stays readable in the %s theme (WCAG AA, 4.5:1)', (_theme, colors) => {
    const texts = colorNames.filter((name) => name.startsWith('colorText') && name !== 'colorTextInverse');
    const backgrounds = colorNames.filter(
      (name) => name.startsWith('colorBackground') && name !== 'colorBackgroundPrimary',
    );
    const pairs: [ColorToken, ColorToken][] = [
      ...texts.flatMap((text) =>
        backgrounds.map((background) => [text, background] as [ColorToken, ColorToken]),
      ),
      ['colorTextInverse', 'colorBackgroundPrimary'],
    ];
    it.each(pairs)('%s on %s', (text, background) => {
      expect(contrast(colors[text], colors[background])).toBeGreaterThanOrEqual(4.5);
    });
  });
});

describe('surface', () => {
  it('uses no physical left or right property, so it mirrors in a right-to-left Flex', () => {
    expect(Object.keys(surface).filter((property) => /left|right/i.test(property))).toEqual([]);
    expect(Object.values(surface).filter((value) => /\b(left|right)\b/.test(String(value)))).toEqual([]);
  });
});
