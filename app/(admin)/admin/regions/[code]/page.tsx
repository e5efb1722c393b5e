import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { regionInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { ActionForm } from '@/app/_components/action-form';
import { Field, ReasonField } from '@/app/_components/fields';
import { VersionHistory } from '../../_components/version-history';
import { updateRegionAction } from '../../actions';

export default async function RegionPage({ params }: { params: Promise<{ code: string }> }) {
  const actor = await requirePage('region.manage');
  const { code } = await params;
  const region = await regionInScope(getDb(), actor, code);
  if (!region) notFound();
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  return (
    <div>
      <PageHeader title={`${region.name} · ${region.nameEn}`} subtitle={`${region.code} · ${tc(`regionLevels.${region.level}`)}`} />
      <section className="card max-w-xl" aria-labelledby="edit-title">
        <h2 id="edit-title" className="mb-3 font-semibold">
          {t('regions.editTitle')}
        </h2>
        <ActionForm action={updateRegionAction} submitLabel={t('form.save')} successMessage={t('form.saved')} testId="region-edit">
          <input type="hidden" name="code" value={region.code} />
          <Field name="name" label={t('fields.nameZh')} defaultValue={region.name} required />
          <Field name="nameEn" label={t('fields.nameEn')} defaultValue={region.nameEn} required />
          <ReasonField label={t('fields.reason')} hint={t('form.reasonHint')} />
        </ActionForm>
      </section>
      <VersionHistory entityType="region" entityId={region.id} fields={['name', 'nameEn']} />
    </div>
  );
}
