import { getFormatter, getTranslations } from 'next-intl/server';
import { getDb } from '@/db/client';
import { currentActor } from '@/lib/auth';
import { entityHistory } from '@/lib/services/read/accounts';
import { DataTable, type Column } from '@/app/_components/data-table';
import { historyValue } from './history-value';

/** The previous states of an entity (newest first): when, by whom, why, and the values then. */
export async function VersionHistory({ entityType, entityId, fields }: { entityType: string; entityId: number; fields: string[] }) {
  const t = await getTranslations('admin.history');
  const format = await getFormatter();
  const actor = await currentActor();
  const versions = actor ? await entityHistory(getDb(), actor, entityType, entityId) : [];
  const columns: Column<(typeof versions)[number]>[] = [
    { key: 'version', header: t('version'), cell: (v) => v.version },
    { key: 'at', header: t('changedAt'), className: 'whitespace-nowrap', cell: (v) => format.dateTime(new Date(v.changedAt), { dateStyle: 'medium', timeStyle: 'short' }) },
    { key: 'by', header: t('changedBy'), cell: (v) => v.changedByEmail ?? '—' },
    { key: 'reason', header: t('reason'), cell: (v) => v.reason ?? '—' },
    {
      key: 'previous',
      header: t('previous'),
      className: 'text-xs text-slate-600',
      cell: (v) => {
        const data = (v.data ?? {}) as Record<string, unknown>;
        // a lab or a region by its code (labId → lab: GZ-001), categories by their codes
        return fields
          .filter((f) => f in data)
          .map((f) => `${f.replace(/Id$/, '')}: ${historyValue(data[f], v.codes[f])}`)
          .join(' · ');
      },
    },
  ];
  return (
    <section aria-labelledby="history-title" className="mt-8" data-testid="history">
      <h2 id="history-title" className="mb-2 text-lg font-semibold">
        {t('title')}
      </h2>
      <DataTable columns={columns} rows={versions} rowKey={(v) => v.id} empty={t('empty')} />
    </section>
  );
}
