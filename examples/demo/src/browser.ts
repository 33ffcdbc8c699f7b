/**
 * `--once`: the agent desk in headless Chromium (Debian's, as the tests use). An agent
 * wraps up the returning caller's task, resolving the open intent; the save must go
 * through the save Function. Then a screenshot of the desk.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../scripts/chromium.mjs';

export interface BrowserCheck {
  readonly problems: readonly string[];
  readonly screenshot: string;
}

export async function checkDeskInBrowser(url: string, screenshot: string): Promise<BrowserCheck> {
  const problems: string[] = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(url);
    const panel = page.getByRole('region', { name: 'Caller context' });
    await panel.waitFor({ timeout: 10_000 });
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
      .locator('.task-status', { hasText: 'completed' })
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(() => problems.push('the task did not complete'));

    // The other tasks render their states.
    for (const [title, expected] of [
      ['Withheld number', /Caller context unavailable/],
      ['New caller', /New caller/],
    ] as const) {
      await page.getByRole('button', { name: new RegExp(title) }).click();
      const shown = (await page.getByRole('region', { name: 'Caller context' }).textContent()) ?? '';
      if (!expected.test(shown)) problems.push(`"${title}" shows: ${shown.slice(0, 200)}`);
    }
  } finally {
    await browser.close();
  }
  return { problems, screenshot };
}
