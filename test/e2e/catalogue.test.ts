// The catalogue in the browser: the administrator finds the blood-group items by filter, adds a
// qualitative item with its categories from the form, and anyone reads it from GET /api/v1/analytes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { openBrowser, signIn } from './browser';

const baseUrl = inject('baseUrl');

describe('catalogue', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => browser?.close());

  it('the admin filters the catalogue to nominal items: ABO forward, ABO reverse, RhD', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'admin@demo.labqc');
    await page.goto(`${baseUrl}/admin/analytes?kind=nominal&sort=code`);
    const codes = await page.locator('[data-testid=analyte-list] tbody tr td:first-child').allTextContents();
    expect(codes.map((c) => c.trim())).toEqual(['ABO_FWD', 'ABO_REV', 'RHD']);
    await expect(page.getByTestId('analyte-list').textContent()).resolves.toContain('A · B · AB · O');
    // a page past the last says so, and "previous" leads to the last page
    await page.goto(`${baseUrl}/admin/analytes?kind=nominal&page=1e400`);
    await expect(page.getByTestId('analyte-list-count').textContent()).resolves.toBe('Past the last page: 3 in 1 pages');
    await expect(page.getByTestId('analyte-list-pager').locator('a[rel=prev]').getAttribute('href')).resolves.toMatch(/[?&]page=1(&|$)/);
    await page.close();
  });

  it('the admin adds a qualitative item with its categories; GET /api/v1/analytes lists it without a session', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'admin@demo.labqc');
    await page.goto(`${baseUrl}/admin/analytes`);
    const form = page.getByTestId('analyte-create');
    await form.locator('#f-code').fill('E2E_HTLV');
    await form.locator('#f-nameZh').fill('人类嗜T细胞病毒抗体');
    await form.locator('#f-nameEn').fill('HTLV-I/II antibody');
    await form.locator('#f-category').selectOption('serology');
    await form.locator('#f-kind').selectOption('qualitative');
    await form.locator('#f-categories').fill('negative | 阴性 | Negative | neg, -\npositive | 阳性 | Positive | pos, +');
    await form.locator('#f-signalUnit').fill('S/CO');
    await form.locator('#f-signalCutoff').fill('1');
    await form.locator('#f-teaSource').fill('NCCL qualitative: agreement with the intended result or >= 80 % consensus');
    await form.locator('button[type=submit]').click();
    await form.getByRole('status').waitFor();

    await page.goto(`${baseUrl}/admin/analytes?q=E2E_HTLV`);
    await expect(page.getByTestId('analyte-list').textContent()).resolves.toContain('negative · positive');
    await page.close();

    const res = await fetch(`${baseUrl}/api/v1/analytes`);
    expect(res.status).toBe(200);
    const items = (await res.json()) as { code: string }[];
    expect(items.find((i) => i.code === 'E2E_HTLV')).toEqual({ code: 'E2E_HTLV', nameZh: '人类嗜T细胞病毒抗体', nameEn: 'HTLV-I/II antibody', kind: 'qualitative', categories: ['negative', 'positive'] });
    expect(items.find((i) => i.code === 'U_SG')).toMatchObject({ kind: 'ordinal', categories: ['1.000', '1.005', '1.010', '1.015', '1.020', '1.025', '1.030'] });
  });
});
