// Issue 10, passwords in the browser: a first sign-in with a temporary password stops at the change
// form (every other page sends back to it), and after the change lands on the role's page; the old
// temporary password no longer works. Pages run under the nonce-based Content-Security-Policy
// without a violation.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openBrowser, openE2eDb, signIn } from './browser';
import { findActorRowByEmail } from '@/db/queries/actors';
import { actorForUserId } from '@/lib/auth/resolve';
import { createLabManager } from '@/lib/services/users';

const baseUrl = inject('baseUrl');

/** CSP violations reported in the page (securitypolicyviolation events and console errors). */
function watchCsp(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

describe('a temporary password must be changed at first sign-in', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  let temporaryPassword: string;
  const email = 'first.sign-in@e2e.labqc';
  beforeAll(async () => {
    browser = await openBrowser();
    context = browser.context;
    // as a regulator's "new lab manager" form does: a generated password shown once
    const { db, close: closeDb } = await openE2eDb();
    const regulator = (await actorForUserId(db, (await findActorRowByEmail(db, 'regulator.gd@demo.labqc'))!.id))!;
    temporaryPassword = (await createLabManager(db, regulator, { email, name: 'E2E 新负责人', labCode: 'GZ-002' })).temporaryPassword;
    await closeDb();
  });
  afterAll(async () => browser?.close());

  it('forces the change, then lands on the lab page; the temporary password stops working', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    const violations = watchCsp(page);
    await signIn(page, baseUrl, email, temporaryPassword);
    expect(new URL(page.url()).pathname).toBe('/account/password');
    await page.getByTestId('must-change-password').waitFor();

    // any other page sends back to the form until the password is changed
    await page.goto(`${baseUrl}/lab/iqc`);
    expect(new URL(page.url()).pathname).toBe('/account/password');

    const form = page.getByTestId('change-password');
    await form.locator('#f-currentPassword').fill(temporaryPassword);
    await form.locator('#f-newPassword').fill('short');
    await form.locator('#f-confirmPassword').fill('short');
    await form.locator('button[type=submit]').click();
    await expect(form.getByRole('alert').textContent()).resolves.toMatch(/At least 12 characters/);
    expect(new URL(page.url()).pathname).toBe('/account/password');

    await form.locator('#f-currentPassword').fill(temporaryPassword);
    await form.locator('#f-newPassword').fill('my own long passphrase');
    await form.locator('#f-confirmPassword').fill('my own long passphrase');
    await Promise.all([page.waitForURL((u) => u.pathname === '/lab'), form.locator('button[type=submit]').click()]);
    await page.getByTestId('landing-lab').waitFor();
    // still signed in (this browser's session was re-issued), and free to use the lab's pages
    await page.goto(`${baseUrl}/lab/iqc`);
    expect(new URL(page.url()).pathname).toBe('/lab/iqc');
    expect(violations).toEqual([]);
    await page.close();

    await context.clearCookies();
    const again = await context.newPage();
    await again.goto(`${baseUrl}/login`);
    await again.fill('#email', email);
    await again.fill('#password', temporaryPassword);
    await again.click('#sign-in button[type=submit]');
    await expect(again.locator('#sign-in [role=alert]').textContent()).resolves.toMatch(/not correct/);
    await signIn(again, baseUrl, email, 'my own long passphrase');
    expect(new URL(again.url()).pathname).toBe('/lab');
    await again.close();
  });
});
