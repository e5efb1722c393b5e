import { getLocale, getTranslations } from 'next-intl/server';
import { getDb } from '@/db/client';
import { ownRegion } from '@/lib/services/read/places';
import { requirePage } from '@/lib/auth';
import { PageHeader } from '@/app/_components/page-header';
import { REGISTRY_COLUMNS, REGISTRY_OPTIONAL_COLUMNS } from '@/lib/validation/admin';
import { RegistryImport } from './import-form';
import { commitRegistryAction, previewRegistryAction } from './actions';

export default async function ImportPage() {
  const actor = await requirePage('registry.import');
  const t = await getTranslations('admin.import');
  const region = await ownRegion(getDb(), actor);
  const regionLabel = region ? `${(await getLocale()) === 'zh' ? region.name : region.nameEn} (${region.code})` : (actor.regionCode ?? '');
  return (
    <div>
      <PageHeader
        title={t('title')}
        subtitle={t('subtitle', { region: regionLabel })}
        actions={
          <a href="/regulator/import/template" className="btn-secondary" download>
            {t('template')}
          </a>
        }
      />
      <div className="card mb-6 text-sm text-slate-700">
        <p>
          {t('columns')} <code className="font-mono">{REGISTRY_COLUMNS.join(',')}</code> {t('optionalColumns')}{' '}
          <code className="font-mono">{REGISTRY_OPTIONAL_COLUMNS.join(',')}</code>
        </p>
        <ul className="mt-2 list-disc pl-5">
          <li>{t('ruleAllOrNothing')}</li>
          <li>{t('ruleUpdate')}</li>
          <li>{t('ruleManagers')}</li>
        </ul>
      </div>
      <RegistryImport preview={previewRegistryAction} commit={commitRegistryAction} />
    </div>
  );
}
