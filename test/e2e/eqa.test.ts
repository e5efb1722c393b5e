// EQA in the browser: a lab manager submits a round by CSV, the regulator closes, evaluates and
// publishes it, and the lab reads its report with the histogram. The round is created (and other
// labs' results entered) through the services against the e2e database while the server runs.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DB } from '@/db/client';
import { createRound, openRound } from '@/lib/services/eqa/rounds';
import { createScheme } from '@/lib/services/eqa/schemes';
import { sqlRows } from '@/test/support/db';
import { rowsFromJson, submitResults } from '@/lib/services/eqa/submissions';
import { openBrowser, openE2eDb } from './browser';
import { actorByEmail, pageAs } from './eqa-support';

const baseUrl = inject('baseUrl');
const ROUND = 'E2E-1';
const SMALL = 'E2E-SMALL';
const SAMPLES = ['E1', 'E2', 'E3'];
const TRUTH: Record<string, number[]> = { K: [3.8, 4.6, 5.9], GLU: [5.2, 7.4, 11.8] };

describe('EQA round from CSV submission to the published report', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let db: DB;
  let closeDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ db, close: closeDb } = await openE2eDb());
    const gd = await actorByEmail(db, 'regulator.gd@demo.labqc');
    const now = Date.now();
    await createRound(db, gd, { schemeCode: 'GD-CHEM', code: ROUND, opensAt: now - 3_600_000, closesAt: now + 86_400_000, samples: SAMPLES }, { now });
    await openRound(db, gd, { roundCode: ROUND }, { now });
    // ten other Guangzhou/Shenzhen labs report K and GLU with small differences
    const others = ['GZ-002', 'GZ-003', 'GZ-004', 'GZ-005', 'GZ-006', 'SZ-001', 'SZ-002', 'SZ-004', 'SZ-005', 'SZ-006'];
    for (const [i, lab] of others.entries()) {
      const rows = Object.entries(TRUTH).flatMap(([analyte, values]) =>
        values.map((v, s) => ({ sample: SAMPLES[s], analyte, value: Number((v * (1 + (i - 4.5) * 0.004)).toFixed(3)), method: analyte === 'K' ? 'ISE indirect' : 'Hexokinase' })),
      );
      await submitResults(db, await actorByEmail(db, `manager.${lab.toLowerCase()}@demo.labqc`), { roundCode: ROUND, rows: rowsFromJson(rows), source: 'api' });
    }
    // a round in which only two labs reported K (4.0 and 5.0) and nobody has a reference value: too
    // small a group to grade (issue 9: today both would get z = ±3.70 and fail)
    const past = now - 2 * 86_400_000;
    await createRound(db, gd, { schemeCode: 'GD-CHEM', code: SMALL, opensAt: past, closesAt: past + 3_600_000, samples: ['N1'] }, { now: past - 60_000 });
    await openRound(db, gd, { roundCode: SMALL }, { now: past - 60_000 });
    for (const [lab, value] of [['GZ-002', 4.0], ['GZ-003', 5.0]]) { await submitResults(db, await actorByEmail(db, `manager.${String(lab).toLowerCase()}@demo.labqc`), { roundCode: SMALL, rows: rowsFromJson([{ sample: 'N1', analyte: 'K', value, method: 'ISE indirect' }]), source: 'api' }, { now: past + 60_000 }); }
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await closeDb?.();
  });

  const as = (email: string) => pageAs(browser, baseUrl, email);

  it('anonymous callers get 401 from the EQA API', async () => {
    const res = await fetch(`${baseUrl}/api/v1/eqa/rounds`);
    expect(res.status).toBe(401);
    const post = await fetch(`${baseUrl}/api/v1/eqa/rounds/${ROUND}/evaluate`, { method: 'POST' });
    expect(post.status).toBe(401);
  });

  it('the lab manager uploads a CSV; every row is saved', async () => {
    const page = await as('lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/eqa/${ROUND}`);
    // the scheme is named in the reader's language (the seed's English name), as on the regulator's page
    await expect(page.locator('h1 + p').textContent()).resolves.toMatch(/^Routine chemistry · /);
    // the form refuses a cell that is no number by its analyte and sample (it has no lines), saving nothing
    const form = page.getByTestId('eqa-submit-form');
    await form.getByLabel(`GLU ${SAMPLES[1]}`, { exact: true }).fill('x');
    await form.getByRole('button', { name: /Save results|保存结果/ }).click();
    const refusal = form.getByRole('alert');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain(`GLU × ${SAMPLES[1]} · value`);
    await expect(refusal.textContent()).resolves.not.toMatch(/Line \d/);
    await page.reload();
    const csv = ['sample,analyte,value,method,instrument', ...Object.entries(TRUTH).flatMap(([a, values]) => values.map((v, s) => `${SAMPLES[s]},${a},${a === 'GLU' && s === 2 ? 13.5 : v},${a === 'K' ? 'ISE indirect' : 'Hexokinase'},Cobas c701`))].join('\n');
    await page.setInputFiles('#eqa-csv-file', { name: 'eqa.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('eqa-csv-form').getByRole('button', { name: /Upload|上传/ }).click();
    const saved = page.getByTestId('eqa-saved');
    const confirm = page.getByTestId('eqa-confirm');
    await Promise.race([saved.waitFor(), confirm.waitFor()]);
    if (await confirm.isVisible()) await confirm.click();
    await expect(saved.textContent()).resolves.toMatch(/6/);
    // the API answers the lab the rounds it takes part in
    const rounds = (await (await page.request.get(`${baseUrl}/api/v1/eqa/rounds`)).json()) as { code: string; status: string; samples: string[] }[];
    expect(rounds.find((r) => r.code === ROUND)).toMatchObject({ status: 'open', samples: SAMPLES });
    // the JSON API validates every row first: one bad row → 422 listing it, nothing written
    // cookie-authenticated writes must come from this origin (CSRF defence in lib/http.ts)
    const bad = await page.request.post(`${baseUrl}/api/v1/eqa/rounds/${ROUND}/submissions`, {
      headers: { origin: baseUrl },
      data: { results: [{ sample: 'E1', analyte: 'K', value: 9.9 }, { sample: 'NOPE', analyte: 'K', value: 4 }] },
    });
    expect(bad.status()).toBe(422);
    expect(((await bad.json()) as { errors: { row: number; field: string }[] }).errors).toEqual([expect.objectContaining({ row: 2, field: 'sample' })]);
    // results are not readable before publication
    expect((await page.request.get(`${baseUrl}/api/v1/eqa/rounds/${ROUND}/results`)).status()).toBe(409);
    await page.close();
  });

  it('the regulator closes, evaluates and publishes the round', async () => {
    const page = await as('regulator.gd@demo.labqc');
    await page.goto(`${baseUrl}/regulator/eqa/rounds/${ROUND}`);
    await page.getByTestId('eqa-op-close').getByRole('button').click();
    await page.getByTestId('eqa-op-evaluate').waitFor();
    await page.getByTestId('eqa-op-evaluate').getByRole('button').click();
    await page.getByTestId('eqa-op-publish').waitFor();
    await expect(page.getByTestId('eqa-participation').textContent()).resolves.toContain('GLU');
    await page.getByTestId('eqa-op-publish').getByRole('button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=round-status]')?.textContent?.match(/Published|已发布/));
    // the unsatisfactory list is paged on the server (the enrolled labs that sent nothing fill it):
    // 5 a page, the second page, then filtered to one analyte and sorted by score
    await page.goto(`${baseUrl}/regulator/eqa/rounds/${ROUND}?f_size=5&f_page=2`);
    const total = Number((await page.getByTestId('eqa-failed-count').textContent())?.match(/^6–10 of (\d+)$/)?.[1]);
    expect(total).toBeGreaterThan(10);
    expect(await page.getByTestId('eqa-failed').locator('tbody tr').count()).toBe(5);
    await page.getByLabel('Lab or analyte').fill('glu');
    await page.getByTestId('eqa-failed-table').getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/f_q=glu/);
    const analytes = await page.getByTestId('eqa-failed').locator('tbody tr td:nth-child(2)').allTextContents();
    expect(analytes.length).toBeGreaterThan(0);
    expect(new Set(analytes)).toEqual(new Set(['GLU']));
    expect(Number((await page.getByTestId('eqa-failed-count').textContent())?.match(/of (\d+)$/)?.[1])).toBeLessThan(total);
    const csv = await page.request.get(`${baseUrl}/api/v1/eqa/rounds/${ROUND}/export`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
    // UTF-8 with a byte-order mark (spreadsheet programs then read the Chinese names right)
    expect([...(await csv.body()).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(await csv.text()).toContain('GZ-001');
    await page.close();
  });

  it('the lab reads its report: results table, verdicts, and the histogram of all participants', async () => {
    const page = await as('lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/eqa/${ROUND}?analyte=GLU&sample=E3&sampleB=E2`);
    await page.getByTestId('eqa-lab-report').waitFor();
    const table = (await page.getByTestId('eqa-results-table').textContent()) ?? '';
    expect(table).toContain('13.5');
    await expect(page.getByTestId('verdict-K').textContent()).resolves.toMatch(/Satisfactory/);
    await expect(page.getByTestId('verdict-GLU').textContent()).resolves.toMatch(/Unsatisfactory/);
    await expect(page.getByTestId('verdict-NA').textContent()).resolves.toMatch(/Not submitted/);
    await page.locator('[data-testid=eqa-histogram] svg').first().waitFor();
    await page.locator('[data-testid=eqa-youden] svg').first().waitFor();
    const api = (await (await page.request.get(`${baseUrl}/api/v1/eqa/rounds/${ROUND}/results`)).json()) as { results: { analyte: string; sample: string; acceptable: boolean }[] };
    expect(api.results).toHaveLength(6);
    expect(api.results.find((r) => r.analyte === 'GLU' && r.sample === 'E3')?.acceptable).toBe(false);
    // after the closing time the submission API answers 409
    const late = await page.request.post(`${baseUrl}/api/v1/eqa/rounds/${ROUND}/submissions`, { headers: { origin: baseUrl }, data: { results: [{ sample: 'E1', analyte: 'K', value: 4 }] } });
    expect(late.status()).toBe(409);
    // another lab's results stay closed to this manager
    expect((await page.request.get(`${baseUrl}/api/v1/eqa/rounds/${ROUND}/results?lab=GZ-002`)).status()).toBe(403);
    await page.close();
  });

  it('the regulator evaluates a round with two participants and sees its sample marked not evaluated, with the reason', async () => {
    const page = await as('regulator.gd@demo.labqc');
    await page.goto(`${baseUrl}/regulator/eqa/rounds/${SMALL}`);
    await page.getByTestId('eqa-op-evaluate').getByRole('button').click();
    const row = page.getByTestId('not-evaluated-K-N1');
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toMatch(/Not evaluated|未评价/);
    expect(text).toMatch(/Only 2 results from all methods, fewer than the minimum of 8, and no reference value|全部方法仅 2 个结果/);
    // the API gives the same verdict and reason for both labs
    const api = (await (await page.request.get(`${baseUrl}/api/v1/eqa/rounds/${SMALL}/results`)).json()) as { results: { lab: string; verdict: string; acceptable: boolean | null; reason: string }[]; analytes: unknown[] };
    expect(api.results.map((r) => [r.lab, r.verdict, r.acceptable])).toEqual([
      ['GZ-002', 'not_evaluated', null],
      ['GZ-003', 'not_evaluated', null],
    ]);
    expect(api.results[0].reason).toMatch(/2 result\(s\)/);
    expect(api.analytes.filter((a) => (a as { analyte: string }).analyte === 'K')).toEqual([]);
    await page.close();
  });
  it('the regulator enrols laboratories in a scheme and withdraws one with a reason, from the EQA page', async () => {
    const gd = await actorByEmail(db, 'regulator.gd@demo.labqc');
    await createScheme(db, gd, { code: 'E2E-ENROL', name: '加入退出', regionCode: '440000', analytes: [{ analyte: 'K' }] });
    const periods = async () => await sqlRows<{ lab: string; open: number }>(db, `SELECT l.code AS lab, CASE WHEN e.withdrawn_at IS NULL THEN 1 ELSE 0 END AS open FROM eqa_enrollments e
      JOIN eqa_schemes s ON s.id = e.scheme_id JOIN laboratories l ON l.id = e.lab_id WHERE s.code = 'E2E-ENROL' ORDER BY l.code, e.enrolled_at`);
    const page = await as('regulator.gd@demo.labqc');
    await page.goto(`${baseUrl}/regulator/eqa`);
    const form = page.getByTestId('eqa-enrolment');
    const apply = async (operation: string, labs: string, reason = '') => {
      await form.locator('#f-operation').selectOption(operation);
      await form.locator('#f-participantScheme').selectOption('E2E-ENROL');
      await form.locator('#f-labCodes').fill(labs);
      await form.locator('#f-withdraw-reason').fill(reason);
      await form.locator('button[type=submit]').click();
    };
    await apply('enrol', 'GZ-007, GZ-008');
    await form.getByRole('status').waitFor();
    expect((await periods()).map((p) => [p.lab, Number(p.open)])).toEqual([['GZ-007', 1], ['GZ-008', 1]]);
    // a withdrawal without a reason is refused, nothing changes
    await apply('withdraw', 'GZ-008');
    await form.getByRole('alert').waitFor();
    expect((await periods()).every((p) => Number(p.open) === 1)).toBe(true);
    await apply('withdraw', 'GZ-008', 'left the scheme');
    await form.getByRole('status').waitFor();
    expect((await periods()).map((p) => [p.lab, Number(p.open)])).toEqual([['GZ-007', 1], ['GZ-008', 0]]);
    await page.close();
  });
});
