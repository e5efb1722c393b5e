// Shared by the EQA browser tests (not a test file): the actor of a demo account, to build fixture
// data through the services against the e2e database, and a fresh page signed in as an account.
import type { Page } from 'playwright-core';
import type { DB } from '@/db/client';
import { findActorRowByEmail } from '@/db/queries/actors';
import { actorForUserId } from '@/lib/auth/resolve';
import { signIn, type openBrowser } from './browser';

/** The actor of the account with this email (throws when the seed has none). */
export async function actorByEmail(db: DB, email: string) {
  const row = await findActorRowByEmail(db, email);
  if (!row) throw new Error(`no user ${email}`);
  return (await actorForUserId(db, row.id))!;
}

/** A new page of the browser, signed in as `email` (the cookies of the previous account cleared). */
export async function pageAs(browser: Awaited<ReturnType<typeof openBrowser>>, baseUrl: string, email: string): Promise<Page> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await signIn(page, baseUrl, email);
  return page;
}
