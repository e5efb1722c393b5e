// Playwright (playwright-core) driving Debian's Chromium; one fresh profile per test file.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { openDatabase, type DB } from '@/db/client';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function openBrowser(locale = 'en-US'): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    locale,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, baseUrl: string, email: string, password = 'labqc-demo') {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#sign-in button[type=submit]')]);
}

/** The database the e2e server runs on, opened from the test (fixtures, direct checks): the SQLite file
 * of project e2e, or the PostgreSQL database of project e2e-pg (whose TEST_BACKEND=pg gives db/schema
 * the PostgreSQL tables). Raw SQL goes through sqlRows/sqlRun (test/support/db.ts), written for both. */
export async function openE2eDb(): Promise<{ db: DB; close: () => Promise<void> }> {
  const url = inject('databaseUrl');
  if (url) {
    const { openPostgres } = await import('@/db/pg/client');
    const pgdb = openPostgres(url, { max: 2 });
    return { db: pgdb as unknown as DB, close: () => pgdb.$client.end() };
  }
  const db = openDatabase(inject('databasePath'));
  return { db, close: async () => void db.$client.close() };
}
