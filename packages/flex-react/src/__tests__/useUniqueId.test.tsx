/**
 * useUniqueId under the React it runs with: React 17 (no useId) gives
 * `name-<random>-<n>`, React 18 takes React.useId. This file runs in both projects.
 */
import { cleanup, render, screen } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { useUniqueId } from '../useUniqueId.js';

afterEach(cleanup);

const react17 = React.version.startsWith('17.');

function Probe({ name, label }: { name: string; label: string }) {
  const id = useUniqueId(name);
  return <span data-testid={label}>{id}</span>;
}

/** React's own useId (React 18), or nothing (React 17). */
const reactsUseId = (React as { useId?: () => string }).useId ?? (() => '');

/** Our id, then React's own next to it, to compare with. */
function WithReactId({ label }: { label: string }) {
  const ours = useUniqueId('probe');
  const reacts = reactsUseId();
  return (
    <span data-testid={label} data-react-id={reacts}>
      {ours}
    </span>
  );
}

const idOf = (label: string) => screen.getByTestId(label).textContent ?? '';

describe(`useUniqueId (React ${React.version})`, () => {
  it('keeps an id across re-renders', () => {
    const view = render(<Probe name="sticky-calls-x" label="a" />);
    const first = idOf('a');
    view.rerender(<Probe name="sticky-calls-x" label="a" />);
    expect(idOf('a')).toBe(first);
  });

  it('gives each mounted component its own id, also across renders of separate roots', () => {
    render(
      <>
        <Probe name="sticky-calls-x" label="a" />
        <Probe name="sticky-calls-x" label="b" />
      </>,
    );
    render(<Probe name="sticky-calls-x" label="c" />);
    const ids = ['a', 'b', 'c'].map(idOf);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id.startsWith('sticky-calls-x-')).toBe(true);
  });

  it('makes ids that are valid in an HTML id and a CSS #selector (no colons)', () => {
    render(<Probe name="sticky-calls-x" label="a" />);
    const id = idOf('a');
    expect(id).not.toMatch(/[:\s]/);
    const element = document.createElement('div');
    element.id = id;
    document.body.append(element);
    expect(document.querySelector(`#${id}`)).toBe(element);
    element.remove();
  });

  // Both Reacts run this file (the React 17 and React 18 projects): each checks its own case.
  it(`makes ${react17 ? 'name-<random>-<n> (React 17, no useId)' : "React.useId's id, colons removed (React 18)"}`, () => {
    if (react17) {
      expect((React as { useId?: unknown }).useId).toBeUndefined();
      render(
        <>
          <Probe name="sticky-calls-x" label="a" />
          <Probe name="sticky-calls-x" label="b" />
        </>,
      );
      const pattern = /^sticky-calls-x-([0-9a-z]{1,6})-(\d+)$/;
      const [a, b] = [idOf('a').match(pattern), idOf('b').match(pattern)];
      expect(a).not.toBeNull();
      expect(b).not.toBeNull();
      // One random part for the page (one copy of the package), a counter per component.
      expect(a?.[1]).toBe(b?.[1]);
      expect(Number(b?.[2])).toBe(Number(a?.[2]) + 1);
    } else {
      expect(typeof (React as { useId?: unknown }).useId).toBe('function');
      render(<WithReactId label="a" />);
      const element = screen.getByTestId('a');
      const reacts = element.getAttribute('data-react-id') ?? '';
      expect(reacts).toMatch(/^:r[0-9a-z]+:$/);
      // Ours came from the useId call just before React's own: the id before it in React's sequence.
      const ours = element.textContent ?? '';
      expect(ours).toMatch(/^probe-r[0-9a-z]+$/);
      const number = (id: string) => Number.parseInt(id.replace(/^probe-|:/g, '').slice(1), 32);
      expect(number(reacts)).toBe(number(ours) + 1);
    }
  });
});
