// Issue 13's browser proof: a hospital user uploads a list of 50 checks and downloads the answers,
// watches a lab; the Guangdong regulator suspends one of that lab's items; the hospital sees it.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import type { DB } from '@/db/client';
import { sqlRows, sqlRun } from '../support/db';
import { dayOf, addDays } from '@/lib/calendar';
import { openBrowser, openE2eDb, signIn } from './browser';

const baseUrl = inject('baseUrl');

describe('hospital workspace: batch check, watch list, a suspension seen', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  let db: DB;
  let closeDb: (() => Promise<void>) | undefined;
  let pair: { id: number; lab: string; analyte: string };
  let checks: string[];

  beforeAll(async () => {
    ({ db, close: closeDb } = await openE2eDb());
    const today = dayOf(Date.now());
    // a Guangzhou pair of a common chemistry item certified today (in the regulator's review queue), and 49 other lines of the demo labs
    pair = (
      await sqlRows<{ id: number; lab: string; analyte: string }>(
        db,
        `SELECT c.id, l.code AS lab, a.code AS analyte FROM certifications c JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id
         WHERE c.status = 'active' AND l.code LIKE 'GZ-%' AND c.valid_from <= ? AND c.valid_to >= ? AND a.code IN ('K', 'NA', 'CL', 'GLU', 'ALT', 'AST', 'TP', 'ALB')
         ORDER BY l.code, a.code LIMIT 1`,
        today,
        today,
      )
    )[0];
    // flagged, as an unsuccessful EQA round flags it (lib/services/recognition/hooks.ts): the regulator's review list shows it
    await sqlRun(db, `UPDATE certifications SET flagged = true, flag_reason = 'EQA: unsuccessful' WHERE id = ?`, pair.id);
    const others = await sqlRows<{ lab: string; analyte: string }>(db, `SELECT l.code AS lab, a.code AS analyte FROM certifications c JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id ORDER BY c.id LIMIT 49`);
    checks = [`${pair.lab},${pair.analyte},${today},${today}`];
    for (let i = 0; checks.length < 50; i++) {
      const o = others[i % Math.max(1, others.length)] ?? { lab: 'GZ-001', analyte: 'K' };
      checks.push(`${o.lab},${o.analyte},${addDays(today, -(i % 40))}`);
    }
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await closeDb?.();
  });

  it('uploads a list of 50 checks, sees the answers with marks and windows, and downloads them as CSV', async () => {
    expect(pair).toBeTruthy();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'hospital@demo.labqc');
    await page.goto(`${baseUrl}/hospital`);
    await page.setInputFiles('#f-file', { name: 'checks.csv', mimeType: 'text/csv', buffer: Buffer.from(['lab,analyte,date,asOf', ...checks].join('\n')) });
    await page.getByTestId('batch-check').locator('button[type=submit]').click();
    const table = page.getByTestId('batch-table');
    await table.waitFor();
    await expect(table.locator('tbody tr').count()).resolves.toBe(50);
    // the first line is a pair certified today, asked about today: recognised
    await expect(page.getByTestId('batch-row-2').locator('td').nth(5).textContent()).resolves.toMatch(/Yes/);
    // reasons in words, as the public /verify answer gives them, never their codes (not_certified, suspended)
    const reasons = await table.locator('tbody tr td:nth-child(9)').allTextContents();
    expect(reasons[0]).toBe('Recognised on that day');
    expect(reasons.filter((r) => /^[a-z_]+$/.test(r))).toEqual([]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('batch-download').click()]);
    const file = await download.path();
    const lines = fs.readFileSync(file!, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe('line,lab,analyte,date,as_of,recognized,within_window,window_days,usable,mark,certificate_no,status,reason,error');
    expect(lines[1].startsWith(`2,${pair.lab},${pair.analyte},`)).toBe(true);
    expect(lines[1].split(',')[5]).toBe('true');
    await page.close();
  });

  it('watches the lab; the regulator suspends one of its items; the hospital sees the change', async () => {
    const page = await context.newPage(); // still signed in from the first test
    await page.goto(`${baseUrl}/hospital`);
    await page.getByTestId('watch-add').locator('#f-lab').fill(pair.lab);
    await page.getByTestId('watch-add').locator('button[type=submit]').click();
    await page.getByTestId(`watch-${pair.lab}`).waitFor();
    // on a phone the watch list and the changes scroll inside their boxes; the page never scrolls sideways
    const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(sideways()).resolves.toBe(0);
    // and the mappings, once there is one: their rows' hidden labels stay inside the scroll box
    await page.goto(`${baseUrl}/hospital/mapping`);
    await page.fill('#m-text', 'local_code,analyte\nXK01,K');
    await page.getByTestId('mapping-upload').locator('button[type=submit]').click();
    await page.getByTestId('mapping-save').click();
    await page.getByTestId('mapping-saved').waitFor();
    await page.reload();
    await page.getByTestId('mapping-XK01').waitFor();
    await expect(sideways()).resolves.toBe(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${baseUrl}/hospital`);

    const regulator = await openBrowser();
    const rp = await regulator.context.newPage();
    try {
      await signIn(rp, baseUrl, 'regulator.gd@demo.labqc');
      await rp.goto(`${baseUrl}/regulator/recognition?lab=${pair.lab}&analyte=${pair.analyte}`);
      await rp.getByTestId(`review-${pair.lab}-${pair.analyte}`).locator('input[type=checkbox]').check();
      await rp.selectOption('#decision-action', 'suspend');
      await rp.fill('#decision-reason', 'Two unsuccessful EQA rounds');
      await rp.click('#decision-submit');
      await rp.getByTestId('decision-done').waitFor();
      // the regulator's own platform: its local codes and verification tokens, reached from the nav
      await rp.locator('a[href="/regulator/platform/mapping"]').first().click();
      await rp.waitForURL('**/regulator/platform/mapping');
      await rp.getByTestId('mappings-table').waitFor();
      await rp.getByTestId('tab-tokens').click();
      await rp.waitForURL('**/regulator/platform/tokens');
      await rp.getByTestId('token-create').locator('input[name=name]').fill('Platform');
      await rp.getByTestId('token-create').locator('button[type=submit]').click();
      await expect(rp.getByTestId('secret-value').textContent()).resolves.toMatch(/^lqc_/);
    } finally {
      await regulator.close();
    }

    await page.reload();
    const change = page.getByTestId(`change-${pair.lab}-${pair.analyte}`);
    await change.waitFor();
    await expect(change.locator('[data-action]').getAttribute('data-action')).resolves.toBe('suspend');
    await expect(change.textContent()).resolves.toContain('Two unsuccessful EQA rounds');
    // the outbox holds nothing for it: this hospital has no endpoint (webhooks are tested in integration)
    await page.close();
  });
});
