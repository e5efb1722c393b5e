import { getFormatter, getTranslations } from 'next-intl/server';
import type { AccountView } from '@/lib/services/read/accounts';
import { ActionForm } from '@/app/_components/action-form';
import { Field, ReasonField, SelectField } from '@/app/_components/fields';
import { VersionHistory } from './version-history';
import { resetPasswordAction, setUserActiveAction, updateUserAction } from '@/app/(regulator)/regulator/users/actions';
import { Card } from '@/app/_components/card';

type Account = AccountView;

/** Edit an account, deactivate or reactivate it, reset its password, and read its history. A lab
 * manager's laboratory or a regulator's region is chosen from the options given. */
export async function AccountEditor({ account, labOptions, regionOptions }: { account: Account; labOptions?: { value: string; label: string }[]; regionOptions?: { value: string; label: string }[] }) {
  const t = await getTranslations('admin');
  const format = await getFormatter();
  const u = account.user;
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card id="edit" title={t('accounts.editTitle')}>
        <ActionForm action={updateUserAction} submitLabel={t('form.save')} successMessage={t('form.saved')} testId="account-edit">
          <input type="hidden" name="id" value={u.id} />
          <Field name="email" label={t('fields.email')} type="email" defaultValue={u.email} required />
          <Field name="name" label={t('fields.name')} defaultValue={u.name} required />
          {labOptions && <SelectField name="labCode" label={t('fields.lab')} options={labOptions} defaultValue={account.labCode} />}
          {regionOptions && <SelectField name="regionCode" label={t('fields.region')} options={regionOptions} defaultValue={account.regionCode} />}
          <ReasonField label={t('fields.reason')} hint={t('form.reasonHint')} />
        </ActionForm>
      </Card>
      <div className="space-y-6">
        <section className="card" aria-labelledby="status-title">
          <h2 id="status-title" className="mb-1 font-semibold">
            {t('accounts.statusTitle')}
          </h2>
          <p className="mb-3 text-sm text-slate-600">
            {u.active ? (
              <span className="badge-green">{t('status.active')}</span>
            ) : (
              <span className="badge-red">
                {t('status.inactiveSince', { date: format.dateTime(new Date(u.deactivatedAt ?? u.updatedAt), { dateStyle: 'medium' }) })}
              </span>
            )}
          </p>
          <ActionForm
            action={setUserActiveAction}
            submitLabel={u.active ? t('accounts.deactivate') : t('accounts.reactivate')}
            variant={u.active ? 'danger' : 'primary'}
            successMessage={t('form.saved')}
            testId="account-status"
          >
            <input type="hidden" name="id" value={u.id} />
            <input type="hidden" name="active" value={u.active ? 'false' : 'true'} />
            <ReasonField id="f-status-reason" label={t('fields.reason')} hint={u.active ? t('accounts.deactivateHint') : t('form.reasonHint')} />
          </ActionForm>
        </section>
        <section className="card" aria-labelledby="reset-title">
          <h2 id="reset-title" className="mb-1 font-semibold">
            {t('accounts.resetTitle')}
          </h2>
          <p className="mb-3 text-sm text-slate-600">{t('accounts.resetHint')}</p>
          <ActionForm action={resetPasswordAction} submitLabel={t('accounts.reset')} variant="secondary" confirm={t('accounts.resetConfirm')}>
            <input type="hidden" name="id" value={u.id} />
          </ActionForm>
        </section>
      </div>
      <div className="lg:col-span-2">
        <VersionHistory entityType="user" entityId={u.id} fields={['email', 'name', 'labId', 'regionId', 'active']} />
      </div>
    </div>
  );
}
