// EQA of an ordinal item in the browser (issue 12): a lab manager answers a urine protein dipstick
// round by picking categories in the form (a number in the CSV is refused with its reason), the
// regulator closes, evaluates and publishes it and reads the concordance per item, and the lab sees
// the bar chart of every participant's answer with its own answer and the target (the mode) marked.
// The scheme, its enrolments, the round and the other nine labs' answers are made here through the
// services against the e2e database, so the test does not depend on the demo's EQA data.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DB } from '@/db/client';
import { createScheme, enrollLabs } from '@/lib/services/eqa/schemes';
import { createRound, openRound } from '@/lib/services/eqa/rounds';
import { rowsFromJson, submitResults } from '@/lib/services/eqa/submissions';
import { openBrowser, openE2eDb } from './browser';
import { actorByEmail, pageAs } from './eqa-support';

const baseUrl = inject('baseUrl');
const SCHEME = 'E2E-URINE';
const ROUND = 'E2E-URINE-1';
const SAMPLES = ['U1', 'U2', 'U3'];
const OTHERS = ['GZ-002', 'GZ-003', 'GZ-004', 'GZ-005', 'GZ-006', 'GZ-007', 'GZ-008', 'GZ-009', 'GZ-010'];
// the other labs' answers, per sample (index = lab in OTHERS)
const ANSWERS: Record<string, string[]> = {
  U1: ['2+', '2+', '2+', '2+', '2+', '2+', '1+', '1+', '3+'],
  U2: Array(9).fill('negative'),
  U3: ['3+', '3+', '3+', '3+', '3+', '3+', '3+', '3+', '1+'],
};
// GZ-001 (lab1@demo.labqc) answers through the form: U1 1+ (mode 2+, one grade below: acceptable)
const OWN: Record<string, string> = { U1: '1+', U2: 'negative', U3: '3+' };

describe('EQA of a dipstick item: form, evaluation, category chart', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let db: DB;
  let closeDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ db, close: closeDb } = await openE2eDb());
    const gd = await actorByEmail(db, 'regulator.gd@demo.labqc');
    const now = Date.now();
    await createScheme(db, gd, { code: SCHEME, name: '尿液干化学 E2E', nameEn: 'Urine dipstick E2E', regionCode: '440000', analytes: [{ analyte: 'U_PRO' }] }, { now: now - 7_200_000 });
    await enrollLabs(db, gd, { schemeCode: SCHEME, labCodes: ['GZ-001', ...OTHERS] }, { now: now - 7_200_000 });
    await createRound(db, gd, { schemeCode: SCHEME, code: ROUND, opensAt: now - 3_600_000, closesAt: now + 86_400_000, samples: SAMPLES }, { now: now - 7_000_000 });
    await openRound(db, gd, { roundCode: ROUND }, { now: now - 7_000_000 });
    for (const [i, lab] of OTHERS.entries()) {
      const rows = SAMPLES.map((sample) => ({ sample, analyte: 'U_PRO', value: ANSWERS[sample][i], method: 'Dry chemistry', instrument: 'AX-4030' }));
      await submitResults(db, await actorByEmail(db, `manager.${lab.toLowerCase()}@demo.labqc`), { roundCode: ROUND, rows: rowsFromJson(rows), source: 'api' });
    }
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await closeDb?.();
  });

  const as = (email: string) => pageAs(browser, baseUrl, email);

  it('the lab manager picks a category per sample; a number in the CSV is refused with its reason', async () => {
    const page = await as('lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/eqa/${ROUND}`);
    // the CSV takes category codes: a bare number is refused with the reason's sentence, nothing saved
    await page.setInputFiles('#eqa-csv-file', { name: 'u.csv', mimeType: 'text/csv', buffer: Buffer.from('sample,analyte,value\nU1,U_PRO,5\n') });
    const csvForm = page.getByTestId('eqa-csv-form');
    await csvForm.getByRole('button', { name: /Upload|上传/ }).click();
    const alert = csvForm.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/U_PRO takes a category code \(negative, trace, 1\+, 2\+, 3\+, 4\+\), not a number/);

    // the form offers the item's categories in the catalogue's order, named in the reader's language
    const form = page.getByTestId('eqa-submit-form');
    const u1 = form.getByLabel('U_PRO U1', { exact: true });
    expect(await u1.evaluate((el) => el.tagName)).toBe('SELECT');
    expect(await u1.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['', 'negative', 'trace', '1+', '2+', '3+', '4+']);
    expect(await u1.locator('option[value=trace]').textContent()).toBe('Trace (±)');
    expect(await u1.locator('option[value=""]').textContent()).toBe('— choose —');
    for (const s of SAMPLES) await form.getByLabel(`U_PRO ${s}`, { exact: true }).selectOption(OWN[s]);
    await form.getByLabel('U_PRO Method', { exact: true }).fill('Dry chemistry');
    await form.getByRole('button', { name: /Save results|保存结果/ }).click();
    const saved = page.getByTestId('eqa-saved');
    await saved.waitFor();
    expect(await saved.textContent()).toMatch(/3 new/);
    // after a reload the form shows the saved answers, the history their codes
    await page.reload();
    expect(await page.getByTestId('eqa-submit-form').getByLabel('U_PRO U1', { exact: true }).inputValue()).toBe('1+');
    expect(await page.getByTestId('eqa-submission-history').textContent()).toContain('negative');
    // a cell changed alone is sent alone: the others, left as they showed, are not sent again
    const again = page.getByTestId('eqa-submit-form');
    await again.getByLabel('U_PRO U1', { exact: true }).selectOption('2+');
    await again.getByRole('button', { name: /Save results|保存结果/ }).click();
    await page.getByTestId('eqa-saved').waitFor();
    expect(await page.getByTestId('eqa-saved').textContent()).toMatch(/0 new, 1 corrected, 0 unchanged/);
    // and back, for the evaluation below
    await page.reload();
    await page.getByTestId('eqa-submit-form').getByLabel('U_PRO U1', { exact: true }).selectOption(OWN.U1);
    await page.getByTestId('eqa-submit-form').getByRole('button', { name: /Save results|保存结果/ }).click();
    await page.getByTestId('eqa-saved').waitFor();
    expect(await page.getByTestId('eqa-saved').textContent()).toMatch(/0 new, 1 corrected, 0 unchanged/);
    await page.close();
  });

  it('the regulator closes, evaluates and publishes; the summary gives the concordance of the item', async () => {
    const page = await as('regulator.gd@demo.labqc');
    // the scheme form offers the categorical settings with their defaults
    await page.goto(`${baseUrl}/regulator/eqa`);
    expect(await page.locator('[name=consensusPercent]').inputValue()).toBe('80');
    expect(await page.locator('[name=passPercentNominal]').inputValue()).toBe('100');
    expect(await page.locator('select[name=negativeMustBeNegative]').inputValue()).toBe('true');
    await page.goto(`${baseUrl}/regulator/eqa/rounds/${ROUND}`);
    await page.getByTestId('eqa-op-close').getByRole('button').click();
    await page.getByTestId('eqa-op-evaluate').waitFor();
    await page.getByTestId('eqa-op-evaluate').getByRole('button').click();
    await page.getByTestId('eqa-op-publish').waitFor();
    // U1: 10 of 10 within ±1 grade of 2+; U2: 10 negatives; U3: mode 3+, GZ-010's 1+ is 2 grades off → 29 / 30
    const row = page.getByTestId('concordance-U_PRO');
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('Ordinal');
    expect(text).toContain('30 / 30');
    expect(text).toContain('96.7%');
    expect(text).toMatch(/none/);
    // a round of categorical items only: no z distribution, no assigned values
    expect(await page.getByTestId('eqa-z-distribution').count()).toBe(0);
    expect(await page.getByTestId('eqa-assigned').count()).toBe(0);
    await page.getByTestId('eqa-op-publish').getByRole('button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=round-status]')?.textContent?.match(/Published|已发布/));
    await page.close();
  });

  it('the lab sees the bar chart of all answers with its own answer and the target marked', async () => {
    const page = await as('lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/eqa/${ROUND}?analyte=U_PRO&sample=U1&sampleB=U2`);
    await page.getByTestId('eqa-lab-report').waitFor();
    // the results table: answer, target (mode 6 of 10), accepted categories, one grade off
    const u1 = (await page.getByTestId('eqa-row-U_PRO-U1').textContent()) ?? '';
    expect(u1).toContain('1+');
    expect(u1).toContain('mode, 6 of 10');
    expect(u1).toContain('1+, 2+, 3+');
    expect(u1).toContain('1 grade below the target');
    expect(u1).toContain('Acceptable');
    await expect(page.getByTestId('verdict-U_PRO').textContent()).resolves.toMatch(/Satisfactory/);
    // the chart is drawn (recharts SVG), no histogram for a categorical item
    await page.locator('[data-testid=eqa-category-chart] svg').first().waitFor();
    expect(await page.getByTestId('eqa-histogram').count()).toBe(0);
    // counts per category in catalogue order; the lab's answer and the target marked
    const counts = await page.getByTestId('eqa-category-counts').locator('li').allTextContents();
    expect(counts.map((c) => c.replace(/\s*\(.*\)$/, ''))).toEqual(['Negative: 0', 'Trace (±): 0', '1+: 3', '2+: 6', '3+: 1', '4+: 0']);
    expect(await page.getByTestId('eqa-category-1+').getAttribute('data-yours')).toBe('true');
    expect(await page.getByTestId('eqa-category-2+').getAttribute('data-target')).toBe('true');
    expect(await page.getByTestId('eqa-category-2+').getAttribute('data-yours')).toBeNull();
    expect(await page.getByTestId('eqa-category-yours').textContent()).toBe('1+');
    expect(await page.getByTestId('eqa-category-target').textContent()).toMatch(/2\+.*mode, 6 of 10/);
    // the chart's marks are in the SVG too
    const svg = (await page.locator('[data-testid=eqa-category-chart] svg').first().textContent()) ?? '';
    expect(svg).toContain('You');
    expect(svg).toContain('Target');
    expect(await page.getByTestId('eqa-category-verdict').textContent()).toMatch(/Acceptable/);
    // no z column for a round of categorical items only
    expect(await page.getByTestId('eqa-results-table').locator('th').allTextContents()).not.toContain('z');

    // the same report in Chinese: category names, basis and distance in Chinese
    await browser.context.addCookies([{ name: 'labqc-locale', value: 'zh', url: baseUrl }]);
    await page.goto(`${baseUrl}/lab/eqa/${ROUND}?analyte=U_PRO&sample=U2&sampleB=U1`);
    await page.locator('[data-testid=eqa-category-chart] svg').first().waitFor();
    expect(await page.getByTestId('eqa-row-U_PRO-U1').textContent()).toMatch(/比靶值低 1 级.*众数，10 个结果中 6 个/);
    expect(await page.getByTestId('eqa-category-yours').textContent()).toBe('阴性');
    expect(await page.getByTestId('eqa-category-negative').getAttribute('data-target')).toBe('true');
    expect(await page.getByTestId('eqa-category-counts').textContent()).toContain('阴性: 10');
    await page.close();
  });
});
