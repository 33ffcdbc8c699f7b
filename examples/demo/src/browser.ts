/**
 * `--once`: the agent desk in headless Chromium (Debian's, as the tests use).
 *
 * 1. The new caller's task: the agent ends the call and fills in the wrap-up, then a
 *    supervisor completes the task elsewhere (in TaskRouter, not through the desk): the
 *    page sees the task leave the agent's list and saves the draft ("saved" notification).
 * 2. The returning caller's task: the panel shows the known caller and the open intent;
 *    the agent wraps up, resolving it, and completes the task: the wrap-up is stored on
 *    the task through the save Function, the task completes in TaskRouter, and the page
 *    saves it. A screenshot of the filled-in form.
 * 3. The other tasks render their states.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../scripts/chromium.mjs';

export interface BrowserCheck {
  readonly problems: readonly string[];
  readonly screenshot: string;
}

export interface BrowserCheckOptions {
  /** Whether the save Function has answered the page's save of the task with this title. */
  readonly saved: (title: string) => boolean;
}

const WAIT_MS = 10_000;

export async function checkDeskInBrowser(
  url: string,
  screenshot: string,
  { saved }: BrowserCheckOptions,
): Promise<BrowserCheck> {
  const problems: string[] = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  /** Waits (in Node) until the page's save of a task was answered: closing the browser earlier would cut it off. */
  const saveAnswered = async (title: string) => {
    const until = Date.now() + WAIT_MS;
    while (!saved(title) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if (!saved(title))
      problems.push(`"${title}": the page's save was not answered within ${WAIT_MS / 1000} s`);
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(url);
    const panel = page.getByRole('region', { name: 'Caller context' });
    await panel.waitFor({ timeout: WAIT_MS });

    // 1. Completed elsewhere while the agent was wrapping up.
    await selectTask(page, 'New caller');
    const first = (await panel.textContent()) ?? '';
    if (!/New caller/.test(first)) problems.push(`"New caller" shows: ${first.slice(0, 200)}`);
    await page.getByRole('button', { name: 'End call and wrap up' }).click();
    {
      const form = page.getByRole('region', { name: 'Wrap-up' });
      await form.getByRole('radio', { name: 'Something else' }).check();
      await form.getByLabel(/^Intent/).fill('delivery_date');
      await form.getByRole('radio', { name: 'Resolved' }).check();
      await form.getByLabel('Summary note').fill('Gave the delivery date: Thursday.');
    }
    await page.getByRole('button', { name: 'Complete it as a supervisor' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'The wrap-up was saved.' })
      .waitFor({ timeout: WAIT_MS })
      .catch(() => problems.push('completed elsewhere: no "saved" notification'));
    await saveAnswered('New caller');

    // 2. The returning caller, wrapped up and completed by the agent.
    await selectTask(page, 'Returning caller');
    const text = (await panel.textContent()) ?? '';
    if (!/Known caller|Verify identity/.test(text))
      problems.push(`the returning caller's panel shows: ${text.slice(0, 200)}`);
    if (!/Refund request/.test(text)) problems.push('the open intent is not on the panel');
    await page.getByRole('button', { name: 'End call and wrap up' }).click();
    const form = page.getByRole('region', { name: 'Wrap-up' });
    await form.getByRole('radio', { name: /Refund request/ }).check();
    await form.getByRole('radio', { name: 'Resolved' }).check();
    await form.getByLabel('Summary note').fill('Refund issued today; the customer is happy.');
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.getByRole('button', { name: 'Complete task' }).click();
    await page
      .getByRole('button', { name: /Returning caller/ })
      .locator('.task-status', { hasText: 'completed' })
      .waitFor({ timeout: WAIT_MS })
      .catch(() => problems.push('the returning caller’s task did not complete'));
    await saveAnswered('Returning caller');

    // 3. The other tasks render their states.
    for (const [title, expected] of [
      ['Withheld number', /Caller context unavailable/],
      ['During an API outage', /Caller context unavailable/],
    ] as const) {
      // With the real API there is no outage to stage.
      if ((await page.getByRole('button', { name: new RegExp(title) }).count()) === 0) continue;
      await selectTask(page, title);
      const shown = (await panel.textContent()) ?? '';
      if (!expected.test(shown)) problems.push(`"${title}" shows: ${shown.slice(0, 200)}`);
    }
  } catch (error) {
    problems.push(`the desk could not be driven: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await browser.close();
  }
  return { problems, screenshot };
}

async function selectTask(page: Page, title: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(title) }).click();
}
