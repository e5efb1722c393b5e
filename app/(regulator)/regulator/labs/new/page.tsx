import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { regionsInScope } from '@/lib/services/read/places';
import { LAB_LEVELS } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { ActionForm } from '@/app/_components/action-form';
import { Field, SelectField } from '@/app/_components/fields';
import { createLabAction } from './actions';

export default async function NewLabPage() {
  const actor = await requirePage('lab.manage');
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const regions = (await regionsInScope(getDb(), actor)).filter((r) => r.level !== 'national');
  return (
    <div>
      <PageHeader title={t('labs.createTitle')} />
      <section className="card max-w-2xl">
        <ActionForm action={createLabAction} submitLabel={t('form.create')} testId="lab-create">
          <Field name="code" label={t('fields.code')} hint={t('labs.codeHint')} required />
          <Field name="name" label={t('fields.nameZh')} required />
          <Field name="nameEn" label={t('fields.nameEn')} />
          <SelectField name="level" label={t('fields.level')} options={LAB_LEVELS.map((l) => ({ value: l, label: tc(`labLevels.${l}`) }))} />
          <SelectField name="regionCode" label={t('fields.region')} options={regions.map((r) => ({ value: r.code, label: `${locale === 'zh' ? r.name : r.nameEn} (${r.code})` }))} />
          <Field name="address" label={t('fields.address')} />
        </ActionForm>
      </section>
    </div>
  );
}
