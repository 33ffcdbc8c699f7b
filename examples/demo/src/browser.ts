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
 * 3. The caller last heard from 20 days ago: the panel hides what it knows until the agent
 *    clicks "Caller verified", then the wrap-up is saved with who verified the caller.
 * 4. The other tasks render their states.
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
  /** Where to save a picture of the verified caller's panel. */
  readonly verifyScreenshot?: string;
}

const WAIT_MS = 10_000;

export async function checkDeskInBrowser(
  url: string,
  screenshot: string,
  { saved, verifyScreenshot }: BrowserCheckOptions,
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
      // A new caller has no open intents: the box is there at once, no choice to click first.
      await form.getByLabel('In a few words').fill('Delivery date');
      await form.getByRole('radio', { name: 'Resolved' }).check();
      await form.getByLabel('Summary note').fill('Gave the delivery date: Thursday.');
    }
    await page.getByRole('button', { name: 'Complete it as a supervisor' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /wrap-up of the .* was saved/ })
      .waitFor({ timeout: WAIT_MS })
      .catch(() => problems.push('completed elsewhere: no "saved" notification'));
    await saveAnswered('New caller');

    // 2. The returning caller, wrapped up and completed by the agent.
    await selectTask(page, 'Returning caller');
    const text = (await panel.textContent()) ?? '';
    if (!/Known caller|Likely known caller/.test(text))
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

    // 3. The caller last heard from 20 days ago: verified by the agent, then wrapped up.
    if ((await page.getByRole('button', { name: /Verify identity/ }).count()) > 0) {
      await selectTask(page, 'Verify identity');
      const before = (await panel.textContent()) ?? '';
      if (/Grace Hopper/.test(before))
        problems.push('the verify-tier panel shows the name before the agent verified');
      await panel.getByRole('button', { name: 'Caller verified' }).click();
      await panel
        .getByText('Grace Hopper')
        .first()
        .waitFor({ timeout: WAIT_MS })
        .catch(() => problems.push('"Caller verified" did not reveal the stored context'));
      if (verifyScreenshot !== undefined) await panel.screenshot({ path: verifyScreenshot });
      await page.getByRole('button', { name: 'End call and wrap up' }).click();
      const verifyForm = page.getByRole('region', { name: 'Wrap-up' });
      await verifyForm.getByRole('radio', { name: /Delivery address change/ }).check();
      await verifyForm.getByRole('radio', { name: 'Resolved' }).check();
      await verifyForm
        .getByLabel('Summary note')
        .fill('New address confirmed; parcels go there from the 1st.');
      const preview =
        (await verifyForm.locator('[data-sticky-calls="save-preview"]').getAttribute('data-saves')) ?? '';
      if (preview !== 'memory')
        problems.push(`the verified caller's save preview says "${preview}", not memory`);
      await page.getByRole('button', { name: 'Complete task' }).click();
      await page
        .getByRole('button', { name: /Verify identity/ })
        .locator('.task-status', { hasText: 'completed' })
        .waitFor({ timeout: WAIT_MS })
        .catch(() => problems.push('the verified caller’s task did not complete'));
      await saveAnswered('Verify identity');
    }

    // 4. The other tasks render their states.
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
