import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { openBrowser, signIn } from './browser';

const baseUrl = inject('baseUrl');

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

  it('a lab manager cannot open a regulator page (403)', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    const res = await page.goto(`${baseUrl}/regulator`);
    expect(res?.status()).toBe(403);
    await expect(page.getByTestId('forbidden').isVisible()).resolves.toBe(true);
    await page.close();
  });

  it('an anonymous visitor is sent to sign-in', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/regulator`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
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
