// @vitest-environment jsdom
/**
 * XSS, in jsdom: variable names and values, intent names and the customer ref holding
 * markup, scripts and `javascript:` URLs render as text in the caller-context panel
 * and the wrap-up capture: no element is created from them, no handler attribute, no
 * link. The same check in a real browser (Chromium) is in
 * packages/flex-react/src/__tests__/panel.browser.test.tsx, run by `pnpm test:browser`.
 */
import { ATTRIBUTE_KEY, toTaskAttributes } from '@stickycalls/core';
import { CallerContextPanel, createWrapUpStore, WrapUpCapture } from '@stickycalls/flex-react';
import { cleanup, render } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';

const PAYLOADS = [
  ['an img with onerror', '<img src=x onerror="window.pwned=1">'],
  ['a script', '<script>window.pwned=2</script>'],
  ['a javascript: link', '<a href="javascript:window.pwned=3">open</a>'],
  ['a bare javascript: URL', 'javascript:window.pwned=4'],
  ['an svg with onload', '<svg onload="window.pwned=5"><b>bold</b></svg>'],
  ['an iframe srcdoc', '<iframe srcdoc="<script>parent.pwned=6</script>"></iframe>'],
] as const;

afterEach(() => {
  cleanup();
  delete (window as { pwned?: unknown }).pwned;
});

function hostileTask(payload: string, layout: 'namespaced' | 'flat') {
  const attributes: Record<string, unknown> = toTaskAttributes({
    call_id: 'CA1',
    customer_ref: `ref-${payload}`,
    call_start: '2026-02-07T10:30:00.000Z',
    identity: { confidence: 0.9, level: 'very_high', sources: [payload], recommendation: 'reuse' },
    open_intents: [{ intent: `refund_${payload}`, status: 'open', attempt_count: 2 }],
    variables: {
      name: { value: payload, source: 'agent', ttl_seconds: 60 },
      [`note ${payload}`]: { value: `see ${payload}`, source: null, ttl_seconds: 60 },
      website: {
        value: payload.includes('javascript:') ? payload : `https://example.com/${payload}`,
        source: null,
        ttl_seconds: 60,
      },
    },
  });
  if (layout === 'flat') delete attributes[ATTRIBUTE_KEY];
  return {
    taskSid: `WT${'4'.repeat(32)}`,
    sid: `WR${'4'.repeat(32)}`,
    status: 'wrapping',
    taskChannelUniqueName: 'voice',
    attributes: { call_sid: 'CA1', from: '+14155551234', ...attributes },
  };
}

/** Inert: no element, handler attribute or script URL came from the payload, and it shows as text. */
function expectInert(container: HTMLElement, shown: string): void {
  expect(container.querySelector('img, script, svg, iframe, b, object, embed')).toBeNull();
  expect(
    container.querySelector('a[href^="javascript" i], [src^="javascript" i], [action^="javascript" i]'),
  ).toBeNull();
  for (const element of Array.from(container.querySelectorAll('*'))) {
    const handlers = element.getAttributeNames().filter((name) => name.toLowerCase().startsWith('on'));
    expect(handlers, `${element.tagName} has event handler attributes`).toEqual([]);
  }
  expect(container.textContent?.toLowerCase()).toContain(shown.toLowerCase());
  expect((window as { pwned?: unknown }).pwned).toBeUndefined();
}

describe('the caller-context panel renders hostile values as text', () => {
  it.each(PAYLOADS)('%s, sticky_calls layout', (_name, payload) => {
    const { container } = render(<CallerContextPanel task={hostileTask(payload, 'namespaced')} />);
    expectInert(container, payload);
  });

  it.each(PAYLOADS)('%s, the guide’s flat layout', (_name, payload) => {
    const { container } = render(<CallerContextPanel task={hostileTask(payload, 'flat')} />);
    expectInert(container, payload);
  });
});

describe('the wrap-up capture renders hostile intent names as text', () => {
  it.each(PAYLOADS)('%s', (_name, payload) => {
    const task = hostileTask(payload, 'namespaced');
    const { container } = render(
      <WrapUpCapture task={task} store={createWrapUpStore()} dispositions={[payload]} />,
    );
    // The form shows intent names and dispositions humanized: underscores and dots as spaces.
    const humanized = payload.replace(/[_.]/g, ' ');
    expectInert(container, `refund ${humanized}`);
    expect(container.querySelector('option')?.parentElement?.textContent?.toLowerCase()).toContain(
      humanized.toLowerCase(),
    );
  });
});
