// Administration journeys in the browser: the admin creates a city; another role is refused; a lab
// manager creates an API token that authenticates GET /api/v1/me until it is revoked.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { openBrowser, signIn } from './browser';

const baseUrl = inject('baseUrl');

async function me(token?: string) {
  const res = await fetch(`${baseUrl}/api/v1/me`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('administration', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let context: BrowserContext;
  beforeAll(async () => {
    browser = await openBrowser();
    context = browser.context;
  });
  afterAll(async () => browser?.close());

  it('the admin creates a city region and sees it in the tree', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'admin@demo.labqc');
    await page.goto(`${baseUrl}/admin/regions`);
    const form = page.getByTestId('region-create');
    await form.locator('#f-code').fill('330300');
    await form.locator('#f-name').fill('温州');
    await form.locator('#f-nameEn').fill('Wenzhou');
    await form.locator('#f-level').selectOption('city');
    await form.locator('#f-parentCode').selectOption('330000');
    await form.locator('button[type=submit]').click();
    await form.getByRole('status').waitFor();
    await page.reload();
    await expect(page.getByTestId('region-tree').textContent()).resolves.toContain('Wenzhou');
    await page.close();
  });

  it('a refused deactivation names its field by its label, beside the edit form’s own reason field', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'regulator.gd@demo.labqc');
    await page.goto(`${baseUrl}/regulator/labs/GZ-001/edit`);
    // two forms with a reason each: the ids differ, so each label names its own field
    const ids = await page.locator('input[name="reason"]').evaluateAll((els) => els.map((e) => e.id));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    const form = page.getByTestId('lab-status');
    await form.locator('input[name="reason"]').fill('ab'); // a reason needs 3 characters
    await form.locator('button[type=submit]').click();
    const error = form.getByRole('alert');
    await error.waitFor();
    await expect(error.textContent()).resolves.toContain('Reason');
    await expect(error.locator('.font-mono').count()).resolves.toBe(0); // not the field's name `reason`
    await page.reload();
    await expect(page.getByTestId('lab-status').locator('button[type=submit]').textContent()).resolves.not.toMatch(/reactivate/i);
    await page.close();
  });

  it('regulator.zj cannot open /admin (403)', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'regulator.zj@demo.labqc');
    const res = await page.goto(`${baseUrl}/admin`);
    expect(res?.status()).toBe(403);
    await expect(page.getByTestId('forbidden').isVisible()).resolves.toBe(true);
    await page.close();
  });

  it('a lab manager’s API token answers GET /api/v1/me with its lab, then 401 once revoked', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, baseUrl, 'lab1@demo.labqc');
    await page.goto(`${baseUrl}/lab/tokens`);
    const form = page.getByTestId('token-create');
    await form.locator('#f-name').fill('LIS e2e');
    await form.locator('button[type=submit]').click();
    const token = (await form.getByTestId('secret-value').textContent())!.trim();
    expect(token).toMatch(/^lqc_/);

    const ok = await me(token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ email: 'lab1@demo.labqc', role: 'lab_manager', labCode: 'GZ-001' });

    await page.reload();
    const row = page.locator('[data-testid=token-list] tr', { hasText: 'LIS e2e' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    expect((await me(token)).status).toBe(401);
    await page.close();
  });

  it('the anonymous GET /api/v1/me answers 401', async () => {
    expect((await me()).status).toBe(401);
  });
});
