import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { regionsInScope } from '@/lib/services/read/places';
import { REGION_LEVELS } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { ActionForm } from '@/app/_components/action-form';
import { Field, SelectField } from '@/app/_components/fields';
import { createRegionAction } from '../actions';
import { Card } from '@/app/_components/card';

export default async function RegionsPage() {
  const actor = await requirePage('region.manage');
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const regions = await regionsInScope(getDb(), actor);
  const depth = (path: string) => path.split('/').filter(Boolean).length - 1;
  const parents = regions.filter((r) => r.level !== 'city');
  return (
    <div>
      <PageHeader title={t('regions.title')} subtitle={t('regions.subtitle')} />
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="lg:col-span-2" aria-labelledby="tree-title">
          <h2 id="tree-title" className="sr-only">
            {t('regions.tree')}
          </h2>
          {regions.length === 0 ? (
            <EmptyState title={t('regions.empty')} />
          ) : (
            <ul className="card divide-y divide-slate-100 p-0" data-testid="region-tree" role="tree" aria-label={t('regions.tree')}>
              {regions.map((r) => (
                <li key={r.id} role="treeitem" aria-level={depth(r.path) + 1} aria-selected={false} className="flex items-center gap-3 px-4 py-2 text-sm" style={{ paddingLeft: `${1 + depth(r.path) * 1.5}rem` }}>
                  <Link href={`/admin/regions/${r.code}`} className="font-medium text-brand-700 hover:underline">
                    {locale === 'zh' ? r.name : r.nameEn}
                  </Link>
                  <span className="text-slate-500">{locale === 'zh' ? r.nameEn : r.name}</span>
                  <span className="font-mono text-xs text-slate-500">{r.code}</span>
                  <span className="badge-slate">{tc(`regionLevels.${r.level}`)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <Card id="new-region" title={t('regions.createTitle')} className="card h-fit">
          <ActionForm action={createRegionAction} submitLabel={t('form.create')} successMessage={t('form.created')} testId="region-create">
            <Field name="code" label={t('fields.regionCode')} hint={t('regions.codeHint')} required />
            <Field name="name" label={t('fields.nameZh')} required />
            <Field name="nameEn" label={t('fields.nameEn')} required />
            <SelectField
              name="level"
              label={t('fields.level')}
              defaultValue="city"
              options={REGION_LEVELS.filter((l) => l !== 'national').map((l) => ({ value: l, label: tc(`regionLevels.${l}`) }))}
            />
            <SelectField
              name="parentCode"
              label={t('fields.parent')}
              options={parents.map((p) => ({ value: p.code, label: `${locale === 'zh' ? p.name : p.nameEn} (${p.code})` }))}
            />
          </ActionForm>
        </Card>
      </div>
    </div>
  );
}
