import { cleanup, render } from '@testing-library/react';
import * as React from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallerContextPanel } from '../CallerContextPanel.js';
import { StickyCallsTheme } from '../theme.js';
import { confirmMatch, returningCaller, startResponse, task, withFlexKeys } from './kit.js';

const SHEET = 'style[data-sticky-calls-styles]';

/** The panel's stylesheets in `root` (a document or a shadow root). */
const sheets = (root: ParentNode = document) => root.querySelectorAll(SHEET);

function panel(attributes: unknown = returningCaller()): React.ReactElement {
  return <CallerContextPanel task={task(attributes)} />;
}

beforeEach(() => {
  // Each test starts from a page the panel has not been on yet.
  for (const sheet of sheets()) sheet.remove();
});

afterEach(() => cleanup());

describe('the panel stylesheet', () => {
  it('is added once, on the first mount, and styles the panel through class names alone', () => {
    expect(sheets()).toHaveLength(0);
    const { container } = render(panel());
    expect(sheets()).toHaveLength(1);
    expect(sheets()[0]?.parentNode).toBe(document.head);
    const root = container.querySelector<HTMLElement>('[data-sticky-calls="panel"]');
    expect(root?.classList.contains('sticky-calls-panel')).toBe(true);
    expect(container.querySelectorAll('[style]')).toHaveLength(0);
    const style = getComputedStyle(root as HTMLElement);
    expect(style.borderRadius).toBe('8px');
    expect(style.boxSizing).toBe('border-box');
  });

  it('stays one stylesheet for a second panel, a second React root, and after all unmount', () => {
    const first = render(
      <>
        {panel()}
        {panel(confirmMatch())}
      </>,
    );
    const second = render(panel());
    expect(second.container).not.toBe(first.container);
    expect(document.querySelectorAll('[data-sticky-calls="panel"]')).toHaveLength(3);
    expect(sheets()).toHaveLength(1);
    first.unmount();
    second.unmount();
    expect(sheets()).toHaveLength(1);
    render(panel());
    expect(sheets()).toHaveLength(1);
  });

  it('keeps the class the host passes, beside its own', () => {
    const { container } = render(<CallerContextPanel task={task(returningCaller())} className="my-slot" />);
    const root = container.querySelector('[data-sticky-calls="panel"]');
    expect(root?.className).toBe('sticky-calls-panel my-slot');
  });

  it('goes into the document the panel renders in: an iframe’s, not the page’s', () => {
    const frame = document.createElement('iframe');
    document.body.appendChild(frame);
    const inner = frame.contentDocument as Document;
    const host = inner.createElement('div');
    inner.body.appendChild(host);
    try {
      render(panel(), { container: host });
      expect(sheets(inner)).toHaveLength(1);
      expect(sheets(inner)[0]?.parentNode).toBe(inner.head);
      expect(sheets()).toHaveLength(0);
    } finally {
      cleanup();
      frame.remove();
    }
  });

  it('goes into the shadow root the panel renders in, where the page’s styles do not reach', () => {
    const outer = document.createElement('div');
    document.body.appendChild(outer);
    const shadow = outer.attachShadow({ mode: 'open' });
    const host = document.createElement('div');
    shadow.appendChild(host);
    try {
      render(
        <>
          {panel()}
          {panel()}
        </>,
        { container: host },
      );
      expect(sheets(shadow)).toHaveLength(1);
      expect(sheets()).toHaveLength(0);
    } finally {
      cleanup();
      outer.remove();
    }
  });

  it('is a constant: no caller text and no theme value ever goes into it', () => {
    const hostile = '</style><script>alert(1)</script>} * { display: none }';
    const first = render(panel()).container;
    const text = sheets()[0]?.textContent;
    cleanup();
    for (const sheet of sheets()) sheet.remove();
    const attributes = withFlexKeys(
      startResponse({
        customer_ref: hostile,
        variables: { name: { value: hostile, source: 'agent', ttl_seconds: null } },
      }),
    );
    const { container } = render(
      <StickyCallsTheme theme={{ tokens: { textColors: { colorText: 'red;} body{display:none' } } }}>
        {panel(attributes)}
      </StickyCallsTheme>,
    );
    expect(first).not.toBe(container);
    expect(sheets()).toHaveLength(1);
    expect(sheets()[0]?.textContent).toBe(text);
    expect(text).not.toMatch(/script|alert|display:\s*none|red/);
    // The caller's words are text in the panel, never markup.
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('style')).toBeNull();
  });

  it('is not touched by a server render, which needs no document', () => {
    const html = renderToString(panel());
    expect(html).toContain('class="sticky-calls-panel"');
    expect(html).not.toContain('style=');
    expect(sheets()).toHaveLength(0);
  });
});
