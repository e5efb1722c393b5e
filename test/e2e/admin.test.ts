// Administration journeys in the browser: the admin creates a city and opens a hospital account; a
// regulator deactivates a lab (its certificates suspended from today); another role is refused; a lab manager creates an API token that authenticates GET /api/v1/me
// until it is revoked.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { openBrowser, signIn } from './browser';
import { addDays, dayOf } from '@/lib/calendar';

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

  it("an item's edit history shows the earlier LOINC code, category and categories (by their codes)", async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'admin@demo.labqc');
    await page.goto(`${baseUrl}/admin/analytes/HBEAG`);
    const form = page.getByTestId('analyte-edit');
    await form.locator('#f-notes').fill('checked against the 2026 insert');
    await form.locator('#f-reason').fill('annual review');
    await form.locator('button[type=submit]').click();
    await form.getByRole('status').waitFor();
    await page.reload();
    const previous = await page.getByTestId('history').locator('tbody tr').first().textContent();
    expect(previous).toContain('annual review');
    expect(previous).toContain('loinc: 13954-3');
    expect(previous).toContain('category: serology');
    expect(previous).toContain('categories: negative, positive');
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

  it('a regulator deactivates a lab: its public page says so, today it is suspended, the day before still recognised', async () => {
    const api = async (path: string) => (await (await fetch(`${baseUrl}/api/v1${path}`)).json()) as Record<string, unknown>;
    const today = dayOf(Date.now());
    const yesterday = addDays(today, -1);
    const current = (await api('/labs/GZ-011/certifications')) as unknown as { analyteCode: string; validFrom: string; status: string }[];
    const cert = current.find((c) => c.status === 'active' && c.validFrom <= yesterday)!;
    expect(cert).toBeTruthy();
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'regulator.gd@demo.labqc');
    await page.goto(`${baseUrl}/regulator/labs/GZ-011/edit`);
    await expect(page.locator('section[aria-labelledby="status-title"]').textContent()).resolves.toMatch(/certifications are suspended from today/);
    const form = page.getByTestId('lab-status');
    await form.locator('input[name="reason"]').fill('merged into GZ-001');
    await form.locator('button[type=submit]').click();
    await form.getByRole('status').waitFor();
    await page.close();

    const verify = (date: string) => api(`/verify?lab=GZ-011&analyte=${encodeURIComponent(cert.analyteCode)}&date=${date}`);
    await expect(verify(today)).resolves.toMatchObject({ recognized: false, reason: 'suspended' });
    await expect(verify(yesterday)).resolves.toMatchObject({ recognized: true });
    await context.clearCookies();
    const visitor = await context.newPage();
    await visitor.goto(`${baseUrl}/verify/labs/GZ-011`);
    await expect(visitor.getByTestId('lab-inactive').textContent()).resolves.toMatch(/no longer active/);
    await visitor.close();
  });

  it('the admin opens a hospital account; its holder signs in, changes the temporary password and lands on the hospital workspace; deactivated, it signs in no more', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, baseUrl, 'admin@demo.labqc');
    await page.goto(`${baseUrl}/admin`);
    await page.getByRole('link', { name: 'Hospitals and administrators' }).first().click();
    await page.waitForURL((u) => u.pathname === '/admin/accounts');
    const form = page.getByTestId('account-create');
    await expect(form.locator('#f-role').inputValue()).resolves.toBe('hospital');
    await form.locator('#f-email').fill('his@e2e-hospital.labqc');
    await form.locator('#f-name').fill('E2E 医院检验科');
    await form.locator('button[type=submit]').click();
    const temporaryPassword = (await form.getByTestId('secret-value').textContent())!.trim();
    expect(temporaryPassword).toHaveLength(14);
    await page.reload();
    const link = page.getByTestId('account-list').getByRole('link', { name: 'E2E 医院检验科' });
    await link.click();
    await page.waitForURL((u) => /^\/admin\/accounts\/\d+$/.test(u.pathname));
    const accountUrl = page.url();
    await expect(page.getByTestId('hospital-setup').textContent()).resolves.toContain('Live API tokens');

    await context.clearCookies();
    const holder = await context.newPage();
    await signIn(holder, baseUrl, 'his@e2e-hospital.labqc', temporaryPassword);
    expect(new URL(holder.url()).pathname).toBe('/account/password');
    const change = holder.getByTestId('change-password');
    await change.locator('#f-currentPassword').fill(temporaryPassword);
    await change.locator('#f-newPassword').fill('hospital own passphrase');
    await change.locator('#f-confirmPassword').fill('hospital own passphrase');
    await Promise.all([holder.waitForURL((u) => u.pathname === '/hospital'), change.locator('button[type=submit]').click()]);
    await holder.getByTestId('landing-hospital').waitFor();
    await holder.close();

    await context.clearCookies();
    await signIn(page, baseUrl, 'admin@demo.labqc');
    await page.goto(accountUrl);
    const status = page.getByTestId('account-status');
    await status.locator('input[name="reason"]').fill('the hospital left the platform');
    await status.locator('button[type=submit]').click();
    await status.getByRole('status').waitFor();
    await page.reload();
    await expect(page.getByTestId('account-status').locator('button[type=submit]').textContent()).resolves.toMatch(/Reactivate/);
    await page.close();

    await context.clearCookies();
    const again = await context.newPage();
    await again.goto(`${baseUrl}/login`);
    await again.fill('#email', 'his@e2e-hospital.labqc');
    await again.fill('#password', 'hospital own passphrase');
    await again.click('#sign-in button[type=submit]');
    await again.locator('#sign-in [role=alert]').waitFor();
    expect(new URL(again.url()).pathname).toBe('/login');
    await again.close();
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
    // no scope ticked: the refusal names the group of boxes by its legend, not its first box
    await form.locator('#f-name').fill('LIS e2e');
    for (const box of await form.locator('input[name="scopes"]').all()) await box.uncheck();
    await form.locator('button[type=submit]').click();
    const refusal = (await form.getByRole('alert').textContent()) ?? '';
    expect(refusal, refusal).toMatch(/Scopes: /);
    expect(refusal).not.toMatch(/Send IQC results/);
    await page.reload();
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
