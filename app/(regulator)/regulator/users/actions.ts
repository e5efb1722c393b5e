'use server';
// Account actions, shared by the admin's regulator pages and the regulator's lab-account pages: the
// services decide who may act on which account.
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { runAction, formObject, type ActionState } from '@/lib/actions';
import { createCentralAccount, createLabManager, createRegulator, resetPassword, setUserActive, updateUser } from '@/lib/services/users';

export async function createLabManagerAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => ({ secret: (await createLabManager(getDb(), actor, formObject(form))).temporaryPassword }));
  if (r.ok) revalidatePath('/regulator/users');
  return r;
}

export async function createRegulatorAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => ({ secret: (await createRegulator(getDb(), actor, formObject(form))).temporaryPassword }));
  if (r.ok) revalidatePath('/admin/regulators');
  return r;
}

export async function createCentralAccountAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => ({ secret: (await createCentralAccount(getDb(), actor, formObject(form))).temporaryPassword }));
  if (r.ok) revalidatePath('/admin/accounts');
  return r;
}

export async function updateUserAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    await updateUser(getDb(), actor, formObject(form));
    return {};
  });
  if (r.ok) revalidatePath('/', 'layout');
  return r;
}

export async function setUserActiveAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    await setUserActive(getDb(), actor, formObject(form));
    return {};
  });
  if (r.ok) revalidatePath('/', 'layout');
  return r;
}

export async function resetPasswordAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return runAction(async (actor) => ({ secret: (await resetPassword(getDb(), actor, formObject(form))).temporaryPassword }));
}
