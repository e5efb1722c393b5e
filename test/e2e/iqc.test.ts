// A lab manager's IQC journey in the browser: enter a run that violates 1-3s, see it red on the
// Levey-Jennings chart, record the corrective action, and watch the dashboard follow. A regulator
// of another province is refused the lab's IQC pages; one of the region reads them.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { openBrowser, openE2eDb, signIn } from './browser';
import { apiTokens, controlLots, users } from '@/db/schema';
import { generateApiToken } from '@/lib/auth/tokens';
import { first } from '@/db/dialect';
import { actorForUserId } from '@/lib/auth/resolve';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { setLotExpiry } from '@/lib/services/iqc/lot-expiry';
import { addDays, dayOf } from '@/lib/calendar';

const baseUrl = inject('baseUrl');

async function openCount(page: Page): Promise<number> {
  await page.goto(`${baseUrl}/lab`);
  return Number(await page.getByTestId('count-open').textContent());
}

describe('internal QC in the browser', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => browser?.close());

  it('a lab manager enters a run violating 1-3s, sees it red on the chart, records the corrective action, and the dashboard updates', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    const before = await openCount(page);
    // the seeded demo has charts and a recent open corrective action for this lab
    await expect(page.getByTestId('iqc-lights').locator('tr[data-analyte]').count()).resolves.toBeGreaterThan(10);
    expect(before).toBeGreaterThan(0);

    // the entry grid: K level 1 far beyond 3 SD, level 2 at its target mean
    await page.goto(`${baseUrl}/lab/iqc/enter`);
    const l2 = page.locator('tr[data-analyte="K"][data-level="2"]');
    const target = (await l2.locator('td').nth(4).textContent()) ?? '';
    const mean = target.match(/^([\d.]+)/)?.[1];
    expect(mean).toBeTruthy();
    await page.getByLabel('Value of K level 1').fill('9.9');
    await page.getByLabel('Value of K level 1').press('Enter');
    // Enter moved the focus to the next cell: level 2
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe('Value of K level 2');
    await page.keyboard.type(mean!);
    await page.keyboard.press('Control+Enter');
    const verdict = page.getByTestId('verdict-K');
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-status')).resolves.toBe('rejected');
    await expect(verdict.textContent()).resolves.toContain('1-3s');

    // the dashboard shows K red with one more open corrective action
    expect(await openCount(page)).toBe(before + 1);
    await expect(page.locator('tr[data-analyte="K"] [data-status]').first().getAttribute('data-status')).resolves.toBe('rejected');

    // the chart: the new point is red and carries the rule name
    await page.goto(`${baseUrl}/lab/iqc/chart?analyte=K`);
    const red = page.locator('[data-testid=lj-panel-1] [data-testid=lj-point][data-status=rejected][data-rules~="1-3s"]');
    await red.first().waitFor();
    await expect(red.count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('[data-testid=lj-panel-1] [data-testid=lj-action]').count()).resolves.toBeGreaterThan(0);

    // the newest flagged run is ours: record its corrective action
    await page.getByTestId('flagged-runs').locator('tbody tr').first().getByRole('link', { name: 'Record the corrective action' }).click();
    await page.waitForURL(/\/lab\/iqc\/corrective-actions\/\d+$/);
    await page.fill('#cause', 'Sample probe partly blocked');
    await page.fill('#action', 'Cleaned the probe, recalibrated, reran both controls');
    await page.fill('#outcome', 'Rerun in control; patient results since last good run reviewed');
    await page.getByRole('button', { name: 'Record and close' }).click();
    // the page now shows the record instead of the form
    await page.getByTestId('resolved-record').waitFor();
    await expect(page.getByTestId('resolved-record').textContent()).resolves.toContain('Sample probe partly blocked');

    // the dashboard follows
    expect(await openCount(page)).toBe(before);
    await page.goto(`${baseUrl}/lab/iqc/corrective-actions`);
    await expect(page.getByTestId('corrective-actions').textContent()).resolves.toContain('Sample probe partly blocked');
    await page.close();
  });

  it('a range or month the pages cannot show is said on the form, with what was typed, not answered as a missing page; a cleared time is refused at the grid', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    const chart = await page.goto(`${baseUrl}/lab/iqc/chart?analyte=K&from=2025-01-01&to=2026-11-30`);
    expect(chart?.status()).toBe(200);
    await expect(page.getByTestId('chart-range-error').textContent()).resolves.toContain('At most 367 days at a time');
    await expect(page.locator('#from').inputValue()).resolves.toBe('2025-01-01');
    await expect(page.locator('#analyte').inputValue()).resolves.toBe('K');
    // corrected on the same form: the chart
    await page.fill('#from', '2026-06-01');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('[data-testid=lj-panel-1]').waitFor();
    const summary = await page.goto(`${baseUrl}/lab/iqc/summary?month=2026-13`);
    expect(summary?.status()).toBe(200);
    await expect(page.getByTestId('summary-month-error').textContent()).resolves.toContain('2026-13');
    // the entry grid with its time cleared: a message, no uncaught error, nothing sent
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseUrl}/lab/iqc/enter`);
    await page.fill('#measuredAt', '');
    await page.getByLabel('Value of K level 1').fill('4.1');
    await page.getByRole('button', { name: 'Save and judge' }).click();
    await expect(page.getByTestId('entry-error').textContent()).resolves.toBe('Give the time the controls were measured.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a regulator of the region reads the lab\'s IQC; another province gets 403', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'regulator.gd@demo.labqc');
    const ok = await page.goto(`${baseUrl}/regulator/labs/GZ-001/iqc`);
    expect(ok?.status()).toBe(200);
    await expect(page.getByTestId('iqc-lights').isVisible()).resolves.toBe(true);
    await page.goto(`${baseUrl}/regulator/labs/GZ-001/iqc/summary`);
    await expect(page.getByTestId('iqc-summary').isVisible()).resolves.toBe(true);
    await context.clearCookies();
    await signIn(page, baseUrl, 'regulator.zj@demo.labqc');
    const refused = await page.goto(`${baseUrl}/regulator/labs/GZ-001/iqc`);
    expect(refused?.status()).toBe(403);
    await page.close();
  });

  it('the LIS API takes a CSV body with a lab token (201), refuses bad rows (422) and anonymous callers (401)', async () => {
    // a token for lab1, as the tokens page would create it
    const { db, close: closeDb } = await openE2eDb();
    const user = first(await db.select().from(users).where(eq(users.email, 'lab1@demo.labqc')).limit(1))!;
    const g = generateApiToken();
    await db.insert(apiTokens).values({ labId: user.labId!, userId: user.id, name: 'e2e LIS', prefix: g.prefix, tokenHash: g.hash, createdAt: Date.now() });
    await closeDb();
    const at = new Date(Date.now() - 60_000).toISOString();
    const csv = `measured_at,analyte_code,level,lot,value,instrument\n${at},NA,1,NA-E2E-1,140.1,E2E\n${at},NA,2,NA-E2E-2,120.2,E2E\n`;
    const post = (body: string, headers: Record<string, string>) => fetch(`${baseUrl}/api/v1/iqc/results`, { method: 'POST', headers, body });
    const ok = await post(csv, { 'content-type': 'text/csv', authorization: `Bearer ${g.token}` });
    expect(ok.status).toBe(201);
    await expect(ok.json()).resolves.toMatchObject({ inserted: 2, runs: [{ analyte: 'NA', status: 'no_target', violations: [] }] });
    const again = await post(csv, { 'content-type': 'text/csv', authorization: `Bearer ${g.token}` });
    await expect(again.json()).resolves.toMatchObject({ inserted: 0, skipped: 2 });
    const bad = await post(csv.replace('140.1', 'abc'), { 'content-type': 'text/csv', authorization: `Bearer ${g.token}` });
    expect(bad.status).toBe(422);
    await expect(bad.json()).resolves.toMatchObject({ errors: [{ row: 2, field: 'value' }] });
    const other = await post(JSON.stringify({ lab: 'HZ-001', results: [] }), { 'content-type': 'application/json', authorization: `Bearer ${g.token}` });
    expect(other.status).toBe(403);
    expect((await post(csv, { 'content-type': 'text/csv' })).status).toBe(401);
    const lots = await fetch(`${baseUrl}/api/v1/iqc/lots`, { headers: { authorization: `Bearer ${g.token}` } });
    expect(lots.status).toBe(200);
    await expect(lots.json()).resolves.toContainEqual(expect.objectContaining({ analyte: 'NA', lot: 'NA-E2E-1', instrument: 'E2E', mean: null }));
    const results = await fetch(`${baseUrl}/api/v1/iqc/results?analyte=NA`, { headers: { authorization: `Bearer ${g.token}` } });
    await expect(results.json()).resolves.toContainEqual(expect.objectContaining({ analyte: 'NA', lot: 'NA-E2E-1', value: 140.1, status: 'no_target' }));
  });

  it('the import page reads a CSV saved in GBK (Excel on a Chinese Windows) with its Chinese intact, and says when a file is in no encoding it reads', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/import`);
    const at = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const file = (instrument: Buffer) => Buffer.concat([Buffer.from(`measured_at,analyte_code,level,lot,value,instrument\r\n${at},CL,1,CL-GBK-1,101.5,`), instrument, Buffer.from('\r\n')]);
    await page.setInputFiles('#csv', { name: 'bad.csv', mimeType: 'text/csv', buffer: file(Buffer.from([0x41, 0xff])) });
    await expect(page.getByTestId('import-errors').textContent()).resolves.toContain('CSV UTF-8');
    // '贝克曼 AU5800' as GBK bytes
    await page.setInputFiles('#csv', { name: 'gbk.csv', mimeType: 'text/csv', buffer: file(Buffer.from('b1b4bfcbc2fc20415535383030', 'hex')) });
    await page.getByTestId('import-preview').waitFor();
    await page.getByRole('button', { name: 'Import now' }).click();
    await page.getByTestId('import-done').waitFor();
    const { db, close: closeDb } = await openE2eDb();
    const lots = await db.select({ instrument: controlLots.instrument }).from(controlLots).where(eq(controlLots.lotNumber, 'CL-GBK-1'));
    await closeDb();
    expect(lots).toEqual([{ instrument: '贝克曼 AU5800' }]);
    await page.close();
  });

  it('a lab with two instruments sees one Levey-Jennings chart per instrument, and can narrow to one', async () => {
    // magnesium on two analysers of lab1, sent by its LIS (a token as the tokens page creates it)
    const { db, close: closeDb } = await openE2eDb();
    const user = first(await db.select().from(users).where(eq(users.email, 'lab1@demo.labqc')).limit(1))!;
    const g = generateApiToken();
    await db.insert(apiTokens).values({ labId: user.labId!, userId: user.id, name: 'e2e two analysers', prefix: g.prefix, tokenHash: g.hash, createdAt: Date.now() });
    await closeDb();
    const results = [];
    for (let d = 5; d >= 1; d--) {
      const at = Date.now() - d * 86_400_000;
      results.push({ analyte: 'MG', level: '1', lot: 'MG-A1', instrument: 'E2E-A', value: 0.85 + d / 100, measuredAt: new Date(at).toISOString() });
      results.push({ analyte: 'MG', level: '1', lot: 'MG-B1', instrument: 'E2E-B', value: 0.95 + d / 100, measuredAt: new Date(at + 3_600_000).toISOString() });
    }
    const post = await fetch(`${baseUrl}/api/v1/iqc/results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${g.token}` },
      body: JSON.stringify({ results }),
    });
    expect(post.status).toBe(201);

    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/chart?analyte=MG`);
    const charts = page.getByTestId('lj-instrument');
    await charts.first().waitFor();
    await expect(charts.evaluateAll((els) => els.map((e) => e.getAttribute('data-instrument')))).resolves.toEqual(['E2E-A', 'E2E-B']);
    // each chart holds its own instrument's five points
    for (const instrument of ['E2E-A', 'E2E-B']) {
      await expect(page.locator(`[data-testid=lj-instrument][data-instrument="${instrument}"] [data-testid=lj-panel-1] [data-testid=lj-point]`).count()).resolves.toBe(5);
    }
    // the selector narrows the page to one instrument
    await page.getByTestId('instrument-select').selectOption('E2E-B');
    await Promise.all([page.waitForURL(/instrument=E2E-B/), page.getByRole('button', { name: 'Show' }).click()]);
    await expect(page.getByTestId('lj-instrument').evaluateAll((els) => els.map((e) => e.getAttribute('data-instrument')))).resolves.toEqual(['E2E-B']);

    // beside each result of the chart: exclude it with a reason; it stays listed, marked excluded
    const section = page.locator('[data-testid=lj-instrument][data-instrument="E2E-B"]');
    await section.locator('details summary').click();
    const row = section.getByTestId('chart-results').locator('tbody tr').first();
    const resultId = await row.getAttribute('data-result');
    await row.getByLabel('Reason for excluding').fill('bubble in the cuvette');
    await row.getByRole('button', { name: 'Exclude from rules and statistics' }).click();
    await row.getByRole('status').waitFor();
    await page.reload();
    await section.locator('details summary').click();
    await expect(section.locator(`tr[data-result="${resultId}"]`).textContent()).resolves.toContain('bubble in the cuvette');

    // the rules page says how each analyte's rule set was chosen
    await page.goto(`${baseUrl}/lab/iqc/targets`);
    // "in force from" typed as a day without its time: the browser would send it empty ("now");
    // the form refuses it by field and sends nothing
    const targetForm = page.locator('form').filter({ has: page.locator('#t-effectiveFrom') });
    await page.locator('#t-effectiveFrom').click();
    await page.keyboard.type('11012026');
    expect(await page.locator('#t-effectiveFrom').evaluate((el: HTMLInputElement) => el.validity.badInput)).toBe(true);
    await targetForm.getByRole('button', { name: 'Save target' }).click();
    await expect(targetForm.getByRole('alert').textContent()).resolves.toContain('In force from: Not a date or a date and time');
    await expect(page.locator('#t-effectiveFrom').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByTestId('rule-choices').locator('[data-testid=rule-choice]').count()).resolves.toBeGreaterThan(0);
    // each lot shows its in-control results and days; the baseline is offered where both reach 20
    const lotRows = page.getByTestId('lots').locator('tbody tr');
    let offered = 0;
    for (const lotRow of await lotRows.all()) {
      const cell = (await lotRow.locator('td').nth(10).textContent()) ?? ''; // the 'In control (days)' column
      const [, results, days] = /^(\d+) \((\d+)\)/.exec(cell) ?? [];
      expect(results, cell).toBeDefined();
      const ready = Number(results) >= 20 && Number(days) >= 20;
      await expect(lotRow.getByRole('button', { name: 'Set from baseline' }).count()).resolves.toBe(ready ? 1 : 0);
      if (ready) offered++;
    }
    expect(offered).toBeGreaterThan(0);
    // the list is paged on the server and filtered by item, instrument, level or lot
    const firstLot = (await lotRows.first().getAttribute('data-lot'))!;
    const lotsFilter = page.getByTestId('lots-table').getByRole('search');
    await lotsFilter.getByRole('searchbox').fill(firstLot);
    await lotsFilter.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/lots_q=/);
    expect((await lotRows.count()) > 0).toBe(true);
    for (const lotRow of await lotRows.all()) expect(await lotRow.getAttribute('data-lot')).toContain(firstLot);
    await page.close();
  });

  it("a lot's target versions unfold beside its current one, with when each took effect, why and by whom", async () => {
    const { db, close: closeDb } = await openE2eDb();
    const user = first(await db.select().from(users).where(eq(users.email, 'lab1@demo.labqc')).limit(1))!;
    const manager = (await actorForUserId(db, user.id))!;
    const day = 86_400_000;
    const lot = { analyte: 'MG', level: '1', lot: 'MG-HIST', instrument: 'E2E-H' };
    await setManufacturerTarget(db, manager, { ...lot, mean: 0.9, sd: 0.03, effectiveFrom: new Date(Date.now() - 3 * day).toISOString() });
    await setManufacturerTarget(db, manager, { ...lot, mean: 0.92, sd: 0.03, effectiveFrom: new Date(Date.now() - day).toISOString(), reason: 'corrected insert sheet' });
    await closeDb();
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/targets?lots_q=MG-HIST`);
    const history = page.locator('[data-lot="MG-HIST"]').getByTestId('target-history');
    await expect(history.locator('summary').textContent()).resolves.toMatch(/v2/);
    await history.locator('summary').click();
    const rows = history.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.first().textContent()).resolves.toMatch(/0\.92.*corrected insert sheet.*lab1@demo\.labqc/);
    await page.close();
  });

  it("a lot's expiry day is set on the targets page, shown with the days left, and changed only with a reason", async () => {
    const { db, close: closeDb } = await openE2eDb();
    const user = first(await db.select().from(users).where(eq(users.email, 'lab1@demo.labqc')).limit(1))!;
    const manager = (await actorForUserId(db, user.id))!;
    await setManufacturerTarget(db, manager, { analyte: 'MG', level: '1', lot: 'MG-EXP', instrument: 'E2E-X', mean: 0.9, sd: 0.03 });
    await closeDb();
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/targets?lots_q=MG-EXP`);
    const row = page.locator('[data-lot="MG-EXP"]');
    await expect(row.textContent()).resolves.toContain('not given');
    const day = addDays(dayOf(Date.now()), 10);
    const expiry = row.locator('[data-testid^=expiry-]');
    await expiry.locator('summary').click();
    await expiry.getByLabel('Expiry date of lot MG-EXP').fill(day);
    await expiry.getByRole('button', { name: 'Save expiry' }).click();
    await expect(row.getByTestId('lot-expiry').textContent()).resolves.toBe(`${day}10 days left`);
    // a set expiry changes with a reason only: the form says so by its field, and the day stays
    if (!(await expiry.evaluate((d) => (d as HTMLDetailsElement).open))) await expiry.locator('summary').click();
    await expiry.getByLabel('Expiry date of lot MG-EXP').fill(addDays(day, 30));
    await expiry.getByRole('button', { name: 'Save expiry' }).click();
    await expect(expiry.getByRole('alert').textContent()).resolves.toContain('Say why the expiry date changes');
    await page.reload();
    await expect(row.getByTestId('lot-expiry').textContent()).resolves.toContain(day);
    // the lab's overview lists it among the lots expiring soon
    await page.goto(`${baseUrl}/lab`);
    await expect(page.getByTestId('iqc-expiring-lots').locator('[data-lot="MG-EXP"]').textContent()).resolves.toContain(`${day} 10 days left`);
    // expired yesterday, with no other lot of the level: the entry grid says so on its row
    const reopened = await openE2eDb();
    const lotId = first(await reopened.db.select({ id: controlLots.id }).from(controlLots).where(eq(controlLots.lotNumber, 'MG-EXP')).limit(1))!.id;
    const yesterday = addDays(dayOf(Date.now()), -1);
    await setLotExpiry(reopened.db, (await actorForUserId(reopened.db, user.id))!, { controlLotId: lotId, expiresOn: yesterday, reason: 'the box ran out' });
    await reopened.close();
    await page.goto(`${baseUrl}/lab/iqc/enter`);
    const gridRow = page.locator('tr[data-analyte="MG"][data-level="1"]').filter({ hasText: 'E2E-X' });
    await expect(gridRow.getByTestId('lot-expired').textContent()).resolves.toBe(`expired on ${yesterday}`);
    await page.close();
  });

  it('targets from a CSV file: a refused row is named by its line and column, a valid file is previewed, then saved with its lots', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/targets`);
    const header = 'analyte_code,level,lot,mean,sd,instrument,effective_from,expires_on,reason';
    await page.setInputFiles('#csv-targets', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${header}\nCA,1,CA-CSV-1,2.1,0,E2E-T,,,\n`) });
    const errors = page.getByTestId('import-errors');
    await expect(errors.locator('tbody tr').first().textContent()).resolves.toMatch(/^2sd/);
    await page.setInputFiles('#csv-targets', { name: 'box.csv', mimeType: 'text/csv', buffer: Buffer.from(`${header}\nCA,1,CA-CSV-1,2.1,0.05,E2E-T,,2027-03-31,new box\nCA,2,CA-CSV-2,3.2,0.08,E2E-T,,2027-03-31,new box\n`) });
    await expect(page.getByTestId('import-preview').textContent()).resolves.toContain('2 targets of 2 lots, all valid');
    await page.getByRole('button', { name: 'Import now' }).click();
    await expect(page.getByTestId('import-done').textContent()).resolves.toContain('Saved 2 targets of 2 lots');
    await page.goto(`${baseUrl}/lab/iqc/targets?lots_q=CA-CSV`);
    const rows = page.getByTestId('lots').locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(page.locator('[data-lot="CA-CSV-2"]').getByTestId('lot-expiry').textContent()).resolves.toContain('2027-03-31');
    await page.close();
  });

  it("the rule sets are set one item at a time: another item is picked without losing the lots table's filter, and a saved set shows as a new version", async () => {
    await context.clearCookies();
    const page = await context.newPage();
    // another lab than the other tests': its rule sets apply to runs after the change only, but stay apart anyway
    await signIn(page, baseUrl, 'manager.gz-002@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/targets?lots_q=L`);
    const sets = page.getByTestId('rule-sets');
    // one item's form, whatever the number of items
    await expect(sets.locator('form[data-testid^=rules-form-]').count()).resolves.toBe(1);
    const picker = sets.getByLabel('Item');
    const codes = await picker.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(codes.length).toBeGreaterThan(5);
    await expect(sets.getByTestId('rule-set').getAttribute('data-analyte')).resolves.toBe(codes[0]);
    const code = codes[codes.length - 1];
    await picker.selectOption(code);
    await Promise.all([page.waitForURL(new RegExp(`rules=${code}`)), sets.getByRole('button', { name: 'Show' }).click()]);
    expect(new URL(page.url()).searchParams.get('lots_q')).toBe('L');
    await expect(sets.getByTestId('rule-set').getAttribute('data-analyte')).resolves.toBe(code);
    await expect(picker.inputValue()).resolves.toBe(code);

    const form = sets.getByTestId(`rules-form-${code}`);
    for (const rule of ['1-3s', '2-2s', 'R-4s']) await form.getByLabel(rule, { exact: true }).check();
    await form.getByLabel('Reason (optional)').fill('new analyser, tighter rules');
    await form.getByRole('button', { name: 'Save rules' }).click();
    await form.getByRole('status').waitFor();
    await page.reload();
    const versions = page.getByTestId(`rule-versions-${code}`);
    await expect(versions.textContent()).resolves.toMatch(/v\d+ in force from .+: 1-3s, 2-2s, R-4s · new analyser, tighter rules/);
    for (const rule of ['1-3s', '2-2s', 'R-4s']) await expect(sets.getByTestId(`rules-form-${code}`).getByLabel(rule, { exact: true }).isChecked()).resolves.toBe(true);
    await expect(sets.getByTestId(`rules-form-${code}`).getByLabel('1-2s', { exact: true }).isChecked()).resolves.toBe(false);
    // an item the lab has no lot of (or any text) shows the first item
    await page.goto(`${baseUrl}/lab/iqc/targets?rules=NOPE`);
    await expect(page.getByTestId('rule-set').getAttribute('data-analyte')).resolves.toBe(codes[0]);
    await page.close();
  });

  it('the rule set in force is paged and filtered on the server, keeping the other tables\' parameters', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'manager.gz-002@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/targets?choices_size=5&lots_q=L`);
    const choices = page.getByTestId('rule-choices').locator('tbody tr');
    await expect(choices.count()).resolves.toBe(5);
    const shown = (await page.getByTestId('rule-choices-count').textContent())!;
    const total = Number(/of ([\d,]+)/.exec(shown)?.[1].replace(/,/g, ''));
    expect(total, shown).toBeGreaterThan(5);
    const firstPage = await choices.evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-analyte')}|${r.getAttribute('data-instrument')}`));
    const pager = page.getByTestId('rule-choices-pager');
    await Promise.all([page.waitForURL(/choices_page=2/), pager.getByRole('link', { name: 'Next' }).click()]);
    const secondPage = await choices.evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-analyte')}|${r.getAttribute('data-instrument')}`));
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage.some((k) => firstPage.includes(k))).toBe(false);
    expect(new URL(page.url()).searchParams.get('lots_q')).toBe('L');
    // filtered by an instrument: its rows only, from the first page, the lots table's filter kept
    const instrument = secondPage[0].split('|')[1];
    const filter = page.getByTestId('rule-choices-table').getByRole('search');
    await filter.getByRole('searchbox').fill(instrument);
    await Promise.all([page.waitForURL(/choices_q=/), filter.getByRole('button', { name: 'Apply' }).click()]);
    const url = new URL(page.url());
    expect([url.searchParams.get('lots_q'), url.searchParams.get('choices_page')]).toEqual(['L', null]);
    const instruments = await choices.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instrument')));
    expect(instruments.length).toBeGreaterThan(0);
    expect(instruments.every((i) => i === instrument)).toBe(true);
    await page.close();
  });
});
