import { afterEach, describe, expect, it, vi } from 'vitest';
import { atText, clockText, dayText, startText, whenText } from '../panel-format.js';
import { DEFAULT_STRINGS } from '../strings.js';

const NOW = new Date(2026, 1, 7, 16, 20);
const at = (days: number, year = 2026) => new Date(year, 1, 7 - days, 14, 5);

afterEach(() => vi.restoreAllMocks());

describe('the panel’s times', () => {
  it('read as the browser words them for the agent’s locale', () => {
    const clock = (date: Date) => date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    expect(clockText(at(0))).toBe(clock(at(0)));
    expect(dayText(at(3), NOW)).toBe(at(3).toLocaleDateString(undefined, { day: 'numeric', month: 'short' }));
    expect(dayText(at(3, 2024), NOW)).toBe(
      at(3, 2024).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' }),
    );
    expect(whenText(at(0), DEFAULT_STRINGS, NOW)).toBe(`today, ${clock(at(0))}`);
    expect(whenText(at(1), DEFAULT_STRINGS, NOW)).toBe(`yesterday, ${clock(at(1))}`);
    const dayAndClock = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' } as const;
    expect(whenText(at(9), DEFAULT_STRINGS, NOW)).toBe(at(9).toLocaleString(undefined, dayAndClock));
    expect(atText(at(9, 2025), NOW)).toBe(
      at(9, 2025).toLocaleString(undefined, { ...dayAndClock, year: 'numeric' }),
    );
    expect(startText(at(0), NOW)).toBe(clock(at(0)));
    expect(startText(at(2), NOW)).toBe(
      at(2).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    );
  });

  it('build each format once, not on every render', () => {
    const dates = [at(0), at(1), at(9), at(9, 2025), at(40)];
    const format = () =>
      dates.map((date) => [whenText(date, DEFAULT_STRINGS, NOW), startText(date, NOW), dayText(date, NOW)]);
    const first = format();
    const built = vi.spyOn(Intl, 'DateTimeFormat');
    for (let i = 0; i < 20; i++) expect(format()).toEqual(first);
    expect(built).not.toHaveBeenCalled();
  });
});
