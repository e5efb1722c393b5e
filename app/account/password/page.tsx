import { getTranslations } from 'next-intl/server';
import { redirect } from 'next/navigation';
import { currentActor, PASSWORD_PAGE } from '@/lib/auth';
import { safeNextPath } from '@/lib/auth/redirect';
import { ActionForm } from '@/app/_components/action-form';
import { Field } from '@/app/_components/fields';
import { changePasswordAction } from './actions';
import { firstValues } from '@/app/_components/search-params';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('common.auth');
  return { title: t('changePasswordTitle') };
}

/** Self-service password change for every signed-in person; the forced stop after a temporary password. */
export default async function ChangePasswordPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const actor = await currentActor();
  if (!actor) redirect(`/login?next=${encodeURIComponent(PASSWORD_PAGE)}`);
  const t = await getTranslations('common.auth');
  const next = safeNextPath(firstValues(await searchParams).next) ?? '/';
  return (
    <div className="mx-auto mt-10 max-w-md">
      <h1 className="mb-1 text-2xl font-semibold">{t('changePasswordTitle')}</h1>
      <p className="mb-6 text-sm text-slate-600" data-testid={actor.mustChangePassword ? 'must-change-password' : undefined}>
        {actor.mustChangePassword ? t('mustChangeHint') : t('changePasswordHint')}
      </p>
      <div className="card">
        <ActionForm action={changePasswordAction} submitLabel={t('changePasswordSubmit')} testId="change-password">
          <input type="hidden" name="next" value={next} />
          <Field name="currentPassword" type="password" label={t('currentPassword')} autoComplete="current-password" required />
          <Field name="newPassword" type="password" label={t('newPassword')} autoComplete="new-password" hint={t('passwordRules')} required />
          <Field name="confirmPassword" type="password" label={t('confirmPassword')} autoComplete="new-password" required />
        </ActionForm>
      </div>
    </div>
  );
}
