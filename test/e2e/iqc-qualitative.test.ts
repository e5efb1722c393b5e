// Qualitative IQC in the browser (issue 12): a lab manager enters a serology run through the entry
// grid, choosing each control's result from a category select (with the positive control's S/CO);
// the reactive negative control rejects the run, and the chart page lists the run's readings
// (expected vs read) with the S/CO Levey-Jennings chart of the positive control.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { openBrowser, openE2eDb, signIn } from './browser';
import { analytes, controlLots, qcTargets, users } from '@/db/schema';
import { first } from '@/db/dialect';

const baseUrl = inject('baseUrl');
const CODE = 'E2E_HBSAG';

describe('qualitative IQC in the browser', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  beforeAll(async () => {
    // a serology item and its two controls at lab1's lab: the negative expects negative, the weak
    // positive expects positive with a signal target of 3.0 ± 0.3 S/CO
    const { db, close: closeDb } = await openE2eDb();
    const now = Date.now();
    const labId = first(await db.select({ labId: users.labId }).from(users).where(eq(users.email, 'lab1@demo.labqc')).limit(1))!.labId!;
    const categories = [
      { code: 'negative', nameEn: 'Negative', nameZh: '阴性' },
      { code: 'positive', nameEn: 'Positive', nameZh: '阳性' },
    ];
    const { id: analyteId } = (await db
      .insert(analytes)
      .values({ code: CODE, nameEn: 'HBsAg (e2e)', nameZh: '乙肝表面抗原（e2e）', unit: '', category: 'serology', kind: 'qualitative', categories, signalUnit: 'S/CO', signalCutoff: 1, teaSource: 'e2e fixture', createdAt: now, updatedAt: now })
      .returning())[0];
    const from = now - 24 * 3_600_000;
    await db.insert(controlLots).values({ labId, analyteId, level: 'NEG', lotNumber: 'E2E-NEG', instrument: '', expectedCategory: 'negative', expectedFrom: from, createdAt: from });
    const pos = (await db.insert(controlLots).values({ labId, analyteId, level: 'POS', lotNumber: 'E2E-POS', instrument: '', expectedCategory: 'positive', expectedFrom: from, createdAt: from }).returning())[0];
    await db.insert(qcTargets).values({ labId: pos.labId, controlLotId: pos.id, version: 1, mean: 3, sd: 0.3, source: 'manufacturer', effectiveFrom: from, createdAt: from });
    await closeDb();
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => browser?.close());

  it('a reactive negative control rejects the run; the chart page shows expected vs read per run and the S/CO chart', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/enter`);
    const neg = page.locator(`tr[data-analyte="${CODE}"][data-level="NEG"]`);
    await expect(neg.getByTestId('expected').textContent()).resolves.toContain('expects Negative');
    await page.getByLabel(`Value of ${CODE} level NEG`).selectOption('positive');
    await page.getByLabel(`Value of ${CODE} level POS`).selectOption('positive');
    await page.getByLabel(`Signal (S/CO) of ${CODE} level POS`).fill('3.1');
    await page.getByTestId('entry-save').click();
    const verdict = page.getByTestId(`verdict-${CODE}`);
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-status')).resolves.toBe('rejected');
    await expect(verdict.textContent()).resolves.toContain('qual-mismatch');

    await page.goto(`${baseUrl}/lab/iqc/chart?analyte=${CODE}`);
    const run = page.getByTestId('category-runs').locator('tbody tr').first();
    await expect(run.getAttribute('data-status')).resolves.toBe('rejected');
    await expect(run.locator('li[data-level="NEG"]').getAttribute('data-mismatch')).resolves.toBe('true');
    await expect(run.locator('li[data-level="NEG"]').textContent()).resolves.toContain('NEG: expected Negative, read Positive');
    await expect(run.locator('li[data-level="POS"]').textContent()).resolves.toContain('3.1 S/CO');
    // the S/CO chart holds the positive control's point only (the negative control sent no signal)
    await page.getByTestId('signal-chart').waitFor();
    await expect(page.locator('[data-testid=signal-chart] [data-testid=lj-point]').count()).resolves.toBe(1);
  });
});
