import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { PageHeader } from '@/app/_components/page-header';
import { ImportForm } from '@/app/_components/iqc/import-form';
import { importCsvAction, previewCsvAction } from '../actions';

export default async function ImportPage() {
  await requirePage('iqc.write');
  const t = await getTranslations('iqc.import');
  return (
    <div>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <ImportForm preview={previewCsvAction} commit={importCsvAction} templateHref="/api/v1/iqc/template" />
    </div>
  );
}
