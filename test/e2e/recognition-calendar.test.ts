// The regulator's working calendar in the browser (the seeded 2026 arrangement, add and remove an
// entry), and the per-group CV evidence on the lab's eligibility page and the regulator's queue.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { openBrowser, signIn } from './browser';

const baseUrl = inject('baseUrl');

describe('recognition: working calendar and CV evidence', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the Guangdong regulator sees 2026’s 248 working days, adds a provincial holiday and removes it', async () => {
    const page = await context.newPage();
    await signIn(page, baseUrl, 'regulator.gd@demo.labqc');
    await page.goto(`${baseUrl}/regulator/calendar?year=2026`);
    // 261 weekdays − 19 weekday holidays + 6 make-up days (State Council, 2025-11-04)
    await expect(page.getByTestId('calendar-working-days').textContent()).resolves.toContain('248');
    await expect(page.getByTestId('calendar-2026-10-10-national').textContent()).resolves.toContain('国庆节调休上班');
    await page.fill('#c-day', '2026-12-24');
    await page.selectOption('#c-kind', 'holiday');
    await page.fill('#c-name', 'E2E 地方假日');
    await page.click('#calendar-add button[type=submit]');
    const row = page.getByTestId('calendar-2026-12-24-440000');
    await row.waitFor();
    await expect(page.getByTestId('calendar-working-days').textContent()).resolves.toContain('247');
    await row.getByRole('button').click();
    await row.waitFor({ state: 'detached' });
    await expect(page.getByTestId('calendar-working-days').textContent()).resolves.toContain('248');
    await page.close();
  });

  it('an administrator opens the national calendar', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'admin@demo.labqc');
    await page.goto(`${baseUrl}/admin/calendar?year=2026`);
    await expect(page.getByTestId('calendar-working-days').textContent()).resolves.toContain('248');
    await expect(page.locator('#region').inputValue()).resolves.toBe('');
    await page.close();
  });

  it('a lab manager cannot open the calendar (403)', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    const res = await page.goto(`${baseUrl}/regulator/calendar`);
    expect(res?.status()).toBe(403);
    await page.close();
  });

  it('the lab’s eligibility page lists the CV per instrument × lot × level', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/eligibility`);
    const tables = page.getByTestId('cv-groups');
    expect(await tables.count()).toBeGreaterThan(0);
    const header = (await tables.first().locator('thead').textContent()) ?? '';
    expect(header).toMatch(/Instrument.*Lot.*Level.*n.*CV/);
    await page.close();
  });
});
