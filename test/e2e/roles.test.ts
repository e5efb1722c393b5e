import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { openBrowser, openE2eDb, signIn } from './browser';
import { sqlRows } from '../support/db';

const baseUrl = inject('baseUrl');

/** Audit rows of refused requests by an account (read from the e2e database). */
async function refusalsOf(email: string): Promise<number> {
  const { db, close } = await openE2eDb();
  try {
    return (await sqlRows<{ n: number }>(db, "SELECT count(*) AS n FROM audit_log WHERE action = 'access.refused' AND actor_email = ?", email))[0].n;
  } finally {
    await close();
  }
}

describe('each role signs in and lands on its own page', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => browser?.close());

  it.each([
    ['admin@demo.labqc', '/admin', 'landing-admin'],
    ['regulator.gd@demo.labqc', '/regulator', 'landing-regulator'],
    ['regulator.sz@demo.labqc', '/regulator', 'landing-regulator'],
    ['lab1@demo.labqc', '/lab', 'landing-lab'],
    ['hospital@demo.labqc', '/hospital', 'landing-hospital'],
  ])('%s lands on %s', async (email, path, testId) => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, email);
    expect(new URL(page.url()).pathname).toBe(path);
    await expect(page.getByTestId(testId).isVisible()).resolves.toBe(true);
    await page.close();
  });

  // the query as an attacker writes it in a link (issue 10: `/%5Cevil.example` is `/\evil.example`)
  it.each(['/%5Cevil.example', '//evil.example', 'https://evil.example', '/%5C/evil.example', 'javascript:alert(1)'])(
    'after sign-in with next=%s the user stays on the site, on the role’s page',
    async (next) => {
      await context.clearCookies();
      const page = await context.newPage();
      await page.goto(`${baseUrl}/login?next=${next}`);
      await page.fill('#email', 'regulator.gd@demo.labqc');
      await page.fill('#password', 'labqc-demo');
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#sign-in button[type=submit]')]);
      expect(new URL(page.url()).origin).toBe(new URL(baseUrl).origin);
      expect(new URL(page.url()).pathname).toBe('/regulator');
      await page.close();
    },
  );

  it('a same-site next is honoured after sign-in', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login?next=${encodeURIComponent('/regulator/labs?q=GZ')}`);
    await page.fill('#email', 'regulator.gd@demo.labqc');
    await page.fill('#password', 'labqc-demo');
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#sign-in button[type=submit]')]);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/regulator/labs?q=GZ');
    await page.close();
  });

  it('charts and forms work under the Content-Security-Policy (no violation reported)', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/iqc/chart?analyte=K`);
    await page.locator('.recharts-surface').first().waitFor();
    await page.getByRole('button', { name: '中文' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    expect(violations).toEqual([]);
    await page.close();
  });

  it('a lab manager cannot open a regulator page (403)', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    // lab2 is refused nowhere else in the browser tests, so its first refusal writes a row (refusals
    // are folded per account and minute)
    await signIn(page, baseUrl, 'lab2@demo.labqc');
    const before = await refusalsOf('lab2@demo.labqc');
    const res = await page.goto(`${baseUrl}/regulator`);
    expect(res?.status()).toBe(403);
    await expect(page.getByTestId('forbidden').isVisible()).resolves.toBe(true);
    expect(await refusalsOf('lab2@demo.labqc')).toBe(before + 1);
    await page.close();
  });

  it('an anonymous visitor is sent to sign-in, and back to the page asked for after it', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/regulator/labs?q=GZ`);
    const login = new URL(page.url());
    expect([login.pathname, login.searchParams.get('next')]).toEqual(['/login', '/regulator/labs?q=GZ']);
    await page.fill('#email', 'regulator.gd@demo.labqc');
    await page.fill('#password', 'labqc-demo');
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#sign-in button[type=submit]')]);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/regulator/labs?q=GZ');
    // a client's own header naming the page is not taken (proxy.ts sets it)
    await context.clearCookies();
    const spoofed = await context.newPage();
    await spoofed.setExtraHTTPHeaders({ 'x-labqc-page': '/admin' });
    await spoofed.goto(`${baseUrl}/regulator`);
    expect(new URL(spoofed.url()).searchParams.get('next')).toBe('/regulator');
    await page.close();
    await spoofed.close();
  });

  it('a wrong password is refused with a message', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login`);
    await page.fill('#email', 'lab1@demo.labqc');
    await page.fill('#password', 'wrong-password');
    await page.click('#sign-in button[type=submit]');
    await expect(page.locator('#sign-in [role=alert]').textContent()).resolves.toMatch(/not correct/);
    await page.close();
  });

  it('switches the interface to Chinese and back', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login`);
    await page.getByRole('button', { name: '中文' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await expect(page.locator('h1').textContent()).resolves.toContain('登录');
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await expect(page.locator('h1').textContent()).resolves.toContain('Sign in');
    await page.close();
  });
});
