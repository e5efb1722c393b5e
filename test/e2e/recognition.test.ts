// A regulator approves an eligible pair; an anonymous visitor finds the lab and sees the new mark;
// a verification for a date before the approval says "not recognised".
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import type { DB } from '@/db/client';
import { sqlRows, sqlRun } from '../support/db';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { addDays, dayOf } from '@/lib/calendar';
import { addGoodEvidence, analyteId, labId, setEvidenceClock } from '../integration/recognition-fixtures';
import { openBrowser, openE2eDb, signIn } from './browser';

const baseUrl = inject('baseUrl');

/** An eligible, uncertified pair of a city (labs `GZ-…` or `SZ-…`) from the demo data; when the demo
 * evidence has none, evidence for its lab 005 × potassium is written (laid out relative to today)
 * and evaluated. */
async function eligiblePair(db: DB, city: 'GZ' | 'SZ' = 'GZ'): Promise<{ lab: string; analyte: string }> {
  const find = async () =>
    (
      await sqlRows<{ lab: string; analyte: string }>(
        db,
        `SELECT l.code AS lab, a.code AS analyte FROM eligibility_results e
         JOIN laboratories l ON l.id = e.lab_id JOIN analytes a ON a.id = e.analyte_id
         WHERE e.eligible = true AND l.code LIKE '${city}-%'
           AND NOT EXISTS (SELECT 1 FROM certifications c WHERE c.lab_id = e.lab_id AND c.analyte_id = e.analyte_id)
           AND NOT EXISTS (SELECT 1 FROM certification_events ev WHERE ev.lab_id = e.lab_id AND ev.analyte_id = e.analyte_id)
         ORDER BY l.code, a.code LIMIT 1`,
      )
    )[0];
  const found = await find();
  if (found) return found;
  setEvidenceClock(Date.now());
  await addGoodEvidence(db, await labId(db, `${city}-005`), await analyteId(db, 'K'));
  await computeEligibility(db, { labIds: [await labId(db, `${city}-005`)] });
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
    // nothing ticked: the button waits, and says why in words (not the schema's "pairs: At least 1 items")
    await expect(page.getByTestId('decision-select-first').textContent()).resolves.toBe('Select at least one pair in the lists above.');
    await expect(page.locator('#decision-submit').isDisabled()).resolves.toBe(true);
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

describe('a new policy version in force today: the queue marks the verdicts it predates, and saving it recomputes them', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let db: DB;
  let closeDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ db, close: closeDb } = await openE2eDb());
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await closeDb?.();
  });

  it('Shenzhen gets its own version (a copy of the inherited one); its eligibility is computed again without a click, and a verdict older than the version is marked in the queue', async () => {
    const pair = await eligiblePair(db, 'SZ');
    const page = await browser.context.newPage();
    await signIn(page, baseUrl, 'regulator.gd@demo.labqc');
    await page.goto(`${baseUrl}/regulator/policy?region=440300`);
    await page.fill('#p-reason', 'Shenzhen keeps the provincial list under its own version');
    await page.locator('#policy-form button[type=submit]').click();
    await expect.poll(() => page.locator('#policy-form [role=status]').textContent(), { timeout: 15_000 }).toMatch(/being computed again/);
    const [policy] = await sqlRows<{ createdAt: number; version: number }>(
      db,
      `SELECT p.created_at AS "createdAt", p.version FROM recognition_policies p JOIN regions r ON r.id = p.region_id WHERE r.code = '440300' ORDER BY p.version DESC LIMIT 1`,
    );
    // every Shenzhen verdict is computed again under the new version, by the run the save started
    const older = () =>
      sqlRows<{ n: number }>(db, `SELECT count(*) AS n FROM eligibility_results e JOIN laboratories l ON l.id = e.lab_id WHERE l.code LIKE 'SZ-%' AND e.computed_at < ${Number(policy.createdAt)}`).then((r) => Number(r[0].n));
    await expect.poll(older, { timeout: 60_000, interval: 500 }).toBe(0);
    await page.goto(`${baseUrl}/regulator/recognition?lab=${pair.lab}&analyte=${pair.analyte}`);
    const row = page.getByTestId(`approve-${pair.lab}-${pair.analyte}`);
    await expect(row.count()).resolves.toBe(1);
    await expect(row.getByTestId('verdict-outdated').count()).resolves.toBe(0);
    // a verdict from before the version (as when it was added through the API, or the run failed)
    const pairWhere = `lab_id = (SELECT id FROM laboratories WHERE code = '${pair.lab}') AND analyte_id = (SELECT id FROM analytes WHERE code = '${pair.analyte}')`;
    const [{ computedAt }] = await sqlRows<{ computedAt: number }>(db, `SELECT computed_at AS "computedAt" FROM eligibility_results WHERE ${pairWhere}`);
    await sqlRun(db, `UPDATE eligibility_results SET computed_at = ${Number(policy.createdAt) - 60_000} WHERE ${pairWhere}`);
    try {
      await page.reload();
      await expect(row.getByTestId('verdict-outdated').textContent()).resolves.toContain(`policy version ${policy.version}`);
    } finally {
      await sqlRun(db, `UPDATE eligibility_results SET computed_at = ${Number(computedAt)} WHERE ${pairWhere}`);
    }
    await page.close();
  });
});
