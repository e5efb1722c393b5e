// A regulator approves an eligible pair; an anonymous visitor finds the lab and sees the new mark;
// a verification for a date before the approval says "not recognised".
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import type { DB } from '@/db/client';
import { sqlRows } from '../support/db';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { addDays, dayOf } from '@/lib/calendar';
import { addGoodEvidence, analyteId, labId, setEvidenceClock } from '../integration/recognition-fixtures';
import { openBrowser, openE2eDb, signIn } from './browser';

const baseUrl = inject('baseUrl');

/** An eligible, uncertified Guangzhou pair from the demo data; when the demo evidence has none,
 * evidence for GZ-005 × potassium is written (laid out relative to today) and evaluated. */
async function eligiblePair(db: DB): Promise<{ lab: string; analyte: string }> {
  const find = async () =>
    (
      await sqlRows<{ lab: string; analyte: string }>(
        db,
        `SELECT l.code AS lab, a.code AS analyte FROM eligibility_results e
         JOIN laboratories l ON l.id = e.lab_id JOIN analytes a ON a.id = e.analyte_id
         WHERE e.eligible = true AND l.code LIKE 'GZ-%'
           AND NOT EXISTS (SELECT 1 FROM certifications c WHERE c.lab_id = e.lab_id AND c.analyte_id = e.analyte_id)
           AND NOT EXISTS (SELECT 1 FROM certification_events ev WHERE ev.lab_id = e.lab_id AND ev.analyte_id = e.analyte_id)
         ORDER BY l.code, a.code LIMIT 1`,
      )
    )[0];
  const found = await find();
  if (found) return found;
  setEvidenceClock(Date.now());
  await addGoodEvidence(db, await labId(db, 'GZ-005'), await analyteId(db, 'K'));
  await computeEligibility(db, { labIds: [await labId(db, 'GZ-005')] });
  return (await find())!;
}

describe('recognition: approve, then verify publicly', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  let db: DB;
  let closeDb: (() => Promise<void>) | undefined;
  let pair: { lab: string; analyte: string };
  let certificateNo = '';

  beforeAll(async () => {
    ({ db, close: closeDb } = await openE2eDb());
    pair = await eligiblePair(db);
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await closeDb?.();
  });

  it('the Guangdong regulator approves an eligible pair from the queue and gets a certificate number', async () => {
    const page = await context.newPage();
    await signIn(page, baseUrl, 'regulator.gd@demo.labqc');
    await page.goto(`${baseUrl}/regulator/recognition?lab=${pair.lab}&analyte=${pair.analyte}`);
    const row = page.getByTestId(`approve-${pair.lab}-${pair.analyte}`);
    await row.locator('input[type=checkbox]').check();
    await page.selectOption('#decision-action', 'approve');
    await page.fill('#decision-reason', 'Meets the Guangdong recognition policy');
    await page.click('#decision-submit');
    const done = page.getByTestId('decision-done');
    await done.waitFor();
    const text = (await done.textContent()) ?? '';
    certificateNo = text.match(/HR-440000-\d{4}-\d{6}/)?.[0] ?? '';
    expect(certificateNo).not.toBe('');
    expect(text).toContain('广东HR');
    // the pair left the approval list
    await page.reload();
    await expect(page.getByTestId(`approve-${pair.lab}-${pair.analyte}`).count()).resolves.toBe(0);
    await page.close();
  });

  it('an anonymous visitor finds the lab and sees the new mark on its public page', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/verify`);
    await page.fill('#q', pair.lab);
    await Promise.all([page.waitForURL(/q=/), page.press('#q', 'Enter')]);
    await Promise.all([page.waitForURL(/\/verify\/labs\//), page.getByTestId('lab-results').locator('a').first().click()]);
    const row = page.getByTestId('recognised-tests').locator(`tr[data-analyte="${pair.analyte}"]`);
    await expect(row.textContent()).resolves.toContain('广东HR');
    await expect(row.textContent()).resolves.toContain(certificateNo);
    await page.close();
  });

  it('a verification for a date before the approval says not recognised; today says recognised', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    const yesterday = addDays(dayOf(Date.now()), -1);
    await page.goto(`${baseUrl}/verify/labs/${pair.lab}?analyte=${pair.analyte}&date=${yesterday}`);
    const answer = page.getByTestId('verify-answer');
    await expect(answer.getAttribute('data-recognized')).resolves.toBe('false');
    await page.goto(`${baseUrl}/verify/labs/${pair.lab}?analyte=${pair.analyte}`);
    await expect(page.getByTestId('verify-answer').getAttribute('data-recognized')).resolves.toBe('true');
    // the JSON API agrees
    const api = await (await fetch(`${baseUrl}/api/v1/verify?lab=${pair.lab}&analyte=${pair.analyte}&date=${yesterday}`)).json();
    expect(api).toMatchObject({ recognized: false, reason: 'not_yet_certified' });
    await page.close();
  });

  it('the public pages word a refused check: an unknown laboratory, a malformed date, a reuse day before the result', async () => {
    const page = await context.newPage();
    const refusal = () => page.locator('p.field-error[role=alert]').textContent();
    await page.goto(`${baseUrl}/verify?lab=NOPE-1&analyte=${pair.analyte}`);
    await expect(refusal()).resolves.toMatch(/实验室或检验项目不存在|Unknown laboratory or test/);
    await page.goto(`${baseUrl}/verify/labs/${pair.lab}?analyte=${pair.analyte}&date=2026-13-01`);
    await expect(refusal()).resolves.toMatch(/YYYY-MM-DD/);
    await page.goto(`${baseUrl}/verify/labs/${pair.lab}?analyte=${pair.analyte}&date=2026-11-20&asOf=2026-11-01`);
    await expect(refusal()).resolves.toMatch(/复用日期不能早于结果日期|cannot be before the day of the result/);
    expect(await page.getByTestId('verify-answer').count()).toBe(0);
    await page.close();
  });

  it.each([
    ['an unknown laboratory', '/api/v1/verify?lab=NOPE&analyte=K', 404],
    ['an unknown test', '/api/v1/verify?lab=GZ-001&analyte=NOPE', 404],
    ['a malformed date', '/api/v1/verify?lab=GZ-001&analyte=K&date=2026-13-01', 422],
    ['the lab search', '/api/v1/labs?q=GZ-001', 200],
    ['certifications of an unknown lab', '/api/v1/labs/NOPE/certifications', 404],
  ])('the public API answers %s with %i', async (_t, path, status) => {
    expect((await fetch(`${baseUrl}${path}`)).status).toBe(status);
  });
});
