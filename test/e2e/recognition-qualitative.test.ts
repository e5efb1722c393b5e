// Qualitative items in recognition on the demo data (issue 12): lab1 (GZ-001) reads its HBsAg verdict
// with the coverage of both controls and the CV criterion marked not applicable, and its public
// certificate lists HBsAg and RhD beside the numbers.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { openBrowser, openE2eDb, signIn } from './browser';
import { sqlRows } from '../support/db';

const baseUrl = inject('baseUrl');

describe('recognition of qualitative items in the demo', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => browser?.close());

  it('lab1 sees HBsAg eligible: both controls on the working days, CV not applicable', async () => {
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/eligibility`);
    const hbs = page.getByTestId('eligibility-HBSAG');
    await expect(hbs.locator('summary').textContent()).resolves.toContain('Eligible');
    const cv = hbs.locator('li[data-criterion=cv]');
    await expect(cv.getAttribute('data-applicable')).resolves.toBe('false');
    await expect(cv.textContent()).resolves.toContain('Not applicable');
    await expect(hbs.locator('li[data-criterion=iqcCoverage]').textContent()).resolves.toMatch(/working days with both a negative and a positive control/);
    // a number keeps its levels and its CV
    const k = page.getByTestId('eligibility-K');
    await expect(k.locator('li[data-criterion=iqcCoverage]').textContent()).resolves.toContain('2 or more levels');
    await expect(k.locator('li[data-criterion=cv]').getAttribute('data-applicable')).resolves.toBe('true');
    // when the verdict was computed, in China time as every time the app shows
    const e2e = await openE2eDb();
    try {
      const [{ computedAt }] = await sqlRows<{ computedAt: number }>(e2e.db, `SELECT e.computed_at AS "computedAt" FROM eligibility_results e JOIN laboratories l ON l.id = e.lab_id JOIN analytes a ON a.id = e.analyte_id WHERE l.code = 'GZ-001' AND a.code = 'K'`);
      const china = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Shanghai' }).format(new Date(Number(computedAt)));
      await expect(k.textContent()).resolves.toContain(`Evaluated ${china}`);
    } finally {
      await e2e.close();
    }
    await page.close();
  });

  it('the public certificate of GZ-001 lists HBsAg and RhD with their marks', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/certificates/GZ-001`);
    const text = (await page.getByTestId('certificate').textContent()) ?? '';
    expect(text).toContain('HBSAG');
    expect(text).toContain('RHD');
    expect(text).toContain('广东HR');
    const api = (await (await fetch(`${baseUrl}/api/v1/verify?lab=GZ-001&analyte=HBSAG`)).json()) as { recognized: boolean };
    expect(api.recognized).toBe(true);
    await page.close();
  });
});
