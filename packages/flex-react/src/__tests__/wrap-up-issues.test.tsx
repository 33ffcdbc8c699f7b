/**
 * How the form words the core's limits on details: a value too long (which row, by how
 * much) and too many details (the core's limit). The limit is read from the core's
 * `WRAP_UP_LIMITS` at render; the core is wrapped here so each test sets it.
 */
import { createWrapUpStore, type WrapUpIssue, type WrapUpStore } from '@stickycalls/core';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_STRINGS, type StickyCallsStrings } from '../strings.js';
import { WrapUpCapture } from '../WrapUpCapture.js';
import { returningCaller, TASK_SID, task } from './kit.js';

const limits = vi.hoisted(() => ({ variableCount: 20 }));

vi.mock('@stickycalls/core', async (importOriginal) => {
  const core = await importOriginal<typeof import('@stickycalls/core')>();
  return {
    ...core,
    get WRAP_UP_LIMITS() {
      return { ...core.WRAP_UP_LIMITS, variableCount: limits.variableCount };
    },
  };
});

afterEach(() => {
  cleanup();
  limits.variableCount = 20;
});

const S = DEFAULT_STRINGS;

function refused(issues: WrapUpIssue[], strings: Partial<StickyCallsStrings> = {}): WrapUpStore {
  const store = createWrapUpStore();
  store.edit(TASK_SID, {
    summary: 'Refund approved.',
    variables: [
      { name: 'plan', value: 'Basic' },
      { name: 'notes', value: 'x'.repeat(300) },
    ],
  });
  render(<WrapUpCapture task={task(returningCaller())} store={store} strings={strings} />);
  act(() => store.set(TASK_SID, { issues, phase: 'editing', refusals: 1 }));
  return store;
}

const listed = () =>
  within(screen.getByRole('alert'))
    .getAllByRole('listitem')
    .map((item) => item.textContent);

const valueTooLong = (path: WrapUpIssue['path'], count: number): WrapUpIssue => ({
  code: 'variable_too_long',
  path,
  name: 'notes',
  count,
  message: 'variable notes is too long',
});

describe('WrapUpCapture: a detail value too long', () => {
  it('names the row and by how many characters, at the row and in the alert', () => {
    refused([valueTooLong(['variables', 1], 44)]);
    const message = 'Detail 2 is 44 characters over the limit: shorten its value.';
    expect(listed()).toEqual([message]);
    const link = within(screen.getByRole('alert')).getByRole('link');
    const [, notes] = screen.getAllByRole('textbox', { name: S.StickyCallsWrapUpVariableName });
    expect(document.getElementById(link.getAttribute('href')?.slice(1) ?? '')).toBe(notes);
    expect(notes?.getAttribute('aria-invalid')).toBe('true');
    const described = (notes?.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((ref) => document.getElementById(ref)?.textContent ?? '');
    expect(described).toContain(`! ${message}`);
  });

  it('finds the row of an issue the save Function raises by the variable’s name', () => {
    refused([valueTooLong(['variables', 'notes'], 3)]);
    expect(listed()).toEqual(['Detail 2 is 3 characters over the limit: shorten its value.']);
  });

  it('says the summary note is too long when the value is the note', () => {
    refused([{ ...valueTooLong(['variables', 'summary'], 12), name: 'summary' }]);
    expect(listed()).toEqual(['The summary note is 12 characters over the limit: shorten the note.']);
    const summary = screen.getByRole('textbox', { name: S.StickyCallsWrapUpSummary });
    expect(summary.getAttribute('aria-invalid')).toBe('true');
  });

  it('is worded with the strings prop', () => {
    refused([valueTooLong(['variables', 1], 44)], {
      StickyCallsErrorVariableTooLong: 'Al dato {{index}} le sobran {{count}} caracteres.',
    });
    expect(listed()).toEqual(['Al dato 2 le sobran 44 caracteres.']);
  });
});

describe('WrapUpCapture: too many details', () => {
  const tooMany: WrapUpIssue = {
    code: 'too_many_variables',
    path: ['variables'],
    count: 3,
    message: 'at most 20 variables can be saved, got 23',
  };

  it('says the core’s limit, in the alert and at the details', () => {
    limits.variableCount = 7;
    refused([tooMany]);
    const message = 'Too many details: keep at most 7.';
    expect(listed()).toEqual([message]);
    const details = screen.getByRole('group', { name: S.StickyCallsWrapUpVariables });
    expect(details.textContent).toContain(message);
  });

  it('is worded with the strings prop', () => {
    refused([tooMany], { StickyCallsErrorTooManyVariables: 'Como mucho {{limit}} datos.' });
    expect(listed()).toEqual(['Como mucho 20 datos.']);
  });
});
