import { notFound } from 'next/navigation';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { labByCode, regionsInScope } from '@/lib/services/read/places';
import { LAB_LEVELS } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { ActionForm } from '@/app/_components/action-form';
import { Field, ReasonField, SelectField } from '@/app/_components/fields';
import { setLabActiveAction, updateLabAction } from './actions';
import { Card } from '@/app/_components/card';

export default async function EditLabPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  const db = getDb();
  const found = await labByCode(db, decodeURIComponent(code));
  const actor = await requirePage('lab.manage', found ? { labId: found.lab.id, regionPath: found.regionPath } : undefined);
  if (!found) notFound();
  const { lab } = found;
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const regions = (await regionsInScope(db, actor)).filter((r) => r.level !== 'national');
  return (
    <div>
      <PageHeader title={t('labs.editTitle', { code: lab.code })} subtitle={lab.name} />
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="card lg:col-span-2">
          <ActionForm action={updateLabAction} submitLabel={t('form.save')} successMessage={t('form.saved')} testId="lab-edit">
            <input type="hidden" name="code" value={lab.code} />
            <Field name="name" label={t('fields.nameZh')} defaultValue={lab.name} required />
            <Field name="nameEn" label={t('fields.nameEn')} defaultValue={lab.nameEn} />
            <SelectField name="level" label={t('fields.level')} defaultValue={lab.level} options={LAB_LEVELS.map((l) => ({ value: l, label: tc(`labLevels.${l}`) }))} />
            <SelectField name="regionCode" label={t('fields.region')} defaultValue={found.regionCode} options={regions.map((r) => ({ value: r.code, label: `${locale === 'zh' ? r.name : r.nameEn} (${r.code})` }))} />
            <Field name="address" label={t('fields.address')} defaultValue={lab.address} />
            <ReasonField label={t('fields.reason')} hint={t('form.reasonHint')} />
          </ActionForm>
        </section>
        <Card id="status" title={t('labs.statusTitle')} hint={lab.active ? t('labs.deactivateHint') : t('labs.reactivateHint')} className="card h-fit">
          <ActionForm action={setLabActiveAction} submitLabel={lab.active ? t('labs.deactivate') : t('labs.reactivate')} variant={lab.active ? 'danger' : 'primary'} successMessage={t('form.saved')} testId="lab-status">
            <input type="hidden" name="code" value={lab.code} />
            <input type="hidden" name="active" value={lab.active ? 'false' : 'true'} />
            <ReasonField id="f-status-reason" label={t('fields.reason')} hint={t('form.reasonHint')} />
          </ActionForm>
        </Card>
      </div>
    </div>
  );
}
