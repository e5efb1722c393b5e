import { getFormatter, getTranslations } from 'next-intl/server';
import { getDb } from '@/db/client';
import { currentActor } from '@/lib/auth';
import { entityHistory } from '@/lib/services/read/accounts';
import { EmptyState } from '@/app/_components/empty-state';

/** The previous states of an entity (newest first): when, by whom, why, and the values then. */
export async function VersionHistory({ entityType, entityId, fields }: { entityType: string; entityId: number; fields: string[] }) {
  const t = await getTranslations('admin.history');
  const format = await getFormatter();
  const actor = await currentActor();
  const versions = actor ? entityHistory(getDb(), actor, entityType, entityId) : [];
  return (
    <section aria-labelledby="history-title" className="mt-8" data-testid="history">
      <h2 id="history-title" className="mb-2 text-lg font-semibold">
        {t('title')}
      </h2>
      {versions.length === 0 ? (
        <EmptyState title={t('empty')} />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('version')}</th>
                <th scope="col">{t('changedAt')}</th>
                <th scope="col">{t('changedBy')}</th>
                <th scope="col">{t('reason')}</th>
                <th scope="col">{t('previous')}</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => {
                const data = (v.data ?? {}) as Record<string, unknown>;
                return (
                  <tr key={v.id}>
                    <td>{v.version}</td>
                    <td className="whitespace-nowrap">{format.dateTime(new Date(v.changedAt), { dateStyle: 'medium', timeStyle: 'short' })}</td>
                    <td>{v.changedByEmail ?? '—'}</td>
                    <td>{v.reason ?? '—'}</td>
                    <td className="text-xs text-slate-600">
                      {fields
                        .filter((f) => f in data)
                        .map((f) => `${f}: ${data[f] === null || data[f] === undefined ? '—' : String(data[f])}`)
                        .join(' · ')}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
