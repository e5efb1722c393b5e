// The regulator's recognition queue at provincial scale: 20,000 eligible pairs (written straight into
// the e2e database through db/ functions) are paged, sorted and filtered on the server; the page never
// renders more than one page of rows.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { DB } from '@/db/client';
import { sqlRun } from '../support/db';
import { findLabByCode, insertLab } from '@/db/queries/labs';
import { listAnalytes } from '@/db/queries/analytes';
import { upsertEligibility } from '@/db/queries/recognition';
import { openBrowser, openE2eDb, signIn } from './browser';
import { withTx } from '@/db/tx';

const baseUrl = inject('baseUrl');

const PAIRS = 20_000;
const PREFIX = 'QPG-';

describe('recognition queue: 20,000 eligible pairs page, sort and filter on the server', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  let page: Page;
  let db: DB;
  let closeDb: (() => Promise<void>) | undefined;
  /** the generated pairs in the queue's default order (one city: lab code, then test code) */
  const pairs: { lab: string; analyte: string }[] = [];
  let labIds: number[] = [];

  beforeAll(async () => {
    ({ db, close: closeDb } = await openE2eDb());
    const regionId = (await findLabByCode(db, 'GZ-001'))!.lab.regionId;
    const tests = (await listAnalytes(db, { activeOnly: true })).slice(0, 10);
    const labCount = Math.ceil(PAIRS / tests.length);
    const now = Date.now();
    await withTx(db, async (tx) => {
      for (let i = 1; i <= labCount; i++) {
        const code = `${PREFIX}${String(i).padStart(5, '0')}`;
        const lab = await insertLab(tx, { code, name: `分页测试实验室 ${i}`, nameEn: `Paging lab ${i}`, level: 'secondary', regionId, address: null }, now);
        labIds.push(lab.id);
        const rows = tests.slice(0, Math.min(tests.length, PAIRS - pairs.length)).map((a) => ({ labId: lab.id, analyteId: a.id, policyId: null, eligible: true, criteria: [], computedAt: now }));
        await upsertEligibility(tx, rows);
        for (const a of tests.slice(0, rows.length)) pairs.push({ lab: code, analyte: a.code });
      }
    });
    pairs.sort((x, y) => (x.lab === y.lab ? (x.analyte < y.analyte ? -1 : 1) : x.lab < y.lab ? -1 : 1));
    browser = await openBrowser();
    context = browser.context;
    page = await context.newPage();
    await signIn(page, baseUrl, 'regulator.gd@demo.labqc');
  });

  afterAll(async () => {
    await browser?.close();
    if (db && labIds.length) {
      const ids = labIds.join(',');
      await sqlRun(db, `DELETE FROM eligibility_results WHERE lab_id IN (${ids})`);
      await sqlRun(db, `DELETE FROM laboratories WHERE id IN (${ids})`);
    }
    await closeDb?.();
  });

  const approveRows = () => page.getByTestId('queue-approve').locator('tbody tr');
  const firstApprove = async () => (await approveRows().first().getAttribute('data-testid'))!;

  it('shows the first page of 50 with the count of all 20,000 matching pairs', async () => {
    await page.goto(`${baseUrl}/regulator/recognition?q=${PREFIX}`);
    await expect.poll(() => approveRows().count()).toBe(50);
    await expect.poll(() => page.getByTestId('queue-approve-count').textContent()).toMatch(/1–50 of 20,000/);
    expect(await firstApprove()).toBe(`approve-${pairs[0].lab}-${pairs[0].analyte}`);
  });

  it('pages: Next shows pairs 51 to 100', async () => {
    await Promise.all([page.waitForURL(/a_page=2/), page.getByTestId('queue-approve-pager').getByRole('link', { name: 'Next' }).click()]);
    await expect.poll(() => page.getByTestId('queue-approve-count').textContent()).toMatch(/51–100 of 20,000/);
    expect(await firstApprove()).toBe(`approve-${pairs[50].lab}-${pairs[50].analyte}`);
    expect(await approveRows().count()).toBe(50);
  });

  it('sorts: by test, then by laboratory descending, each back on page 1', async () => {
    const header = (key: string) => page.getByTestId('queue-approve').locator(`th a[data-sort=${key}]`);
    await Promise.all([page.waitForURL(/a_sort=analyte&a_dir=asc/), header('analyte').click()]);
    expect(page.url()).not.toMatch(/a_page=/);
    const byTest = [...pairs].sort((x, y) => (x.analyte === y.analyte ? (x.lab < y.lab ? -1 : 1) : x.analyte < y.analyte ? -1 : 1));
    expect(await firstApprove()).toBe(`approve-${byTest[0].lab}-${byTest[0].analyte}`);
    await Promise.all([page.waitForURL(/a_sort=lab&a_dir=asc/), header('lab').click()]);
    await Promise.all([page.waitForURL(/a_sort=lab&a_dir=desc/), header('lab').click()]);
    const last = pairs[pairs.length - 1];
    // descending by lab code, then by test code descending within the lab
    expect(await firstApprove()).toBe(`approve-${last.lab}-${last.analyte}`);
    await expect.poll(() => page.getByTestId('queue-approve-count').textContent()).toMatch(/1–50 of 20,000/);
  });

  it('filters: one lab code leaves that lab’s pairs only', async () => {
    const lab = pairs[1234].lab;
    await page.fill('#f-q', lab);
    await Promise.all([page.waitForURL(new RegExp(`q=${lab}`)), page.getByRole('button', { name: 'Apply' }).first().click()]);
    const expected = pairs.filter((p) => p.lab === lab).map((p) => `approve-${p.lab}-${p.analyte}`);
    await expect.poll(() => approveRows().count()).toBe(expected.length);
    const shown = await approveRows().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));
    expect(new Set(shown)).toEqual(new Set(expected));
    await expect.poll(() => page.getByTestId('queue-approve-count').textContent()).toMatch(new RegExp(`1–${expected.length} of ${expected.length}$`));
  });

  it('the policy form (the one ActionForm) refuses a new version without a reason and keeps what was typed', async () => {
    await page.goto(`${baseUrl}/regulator/policy`);
    await page.fill('#p-validity', '18');
    await page.locator('#policy-form button[type=submit]').click();
    await expect.poll(() => page.locator('#policy-form [role=alert]').count()).toBe(1);
    // polled: a click before hydration submits the form natively, and its answer names the field's
    // label once the page has hydrated
    await expect.poll(() => page.locator('#policy-form [role=alert]').textContent()).toMatch(/Reason/);
    await expect(page.inputValue('#p-validity')).resolves.toBe('18');
  });
});
