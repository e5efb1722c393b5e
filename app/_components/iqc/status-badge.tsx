import { getTranslations } from 'next-intl/server';

const CLASS: Record<string, string> = {
  accepted: 'badge-green',
  warning: 'badge-amber',
  rejected: 'badge-red',
  no_target: 'badge-slate',
};

/** A run verdict as a coloured badge (the dashboard's traffic light). */
export async function StatusBadge({ status }: { status: string }) {
  const t = await getTranslations('iqc.status');
  return (
    <span className={CLASS[status] ?? 'badge-slate'} data-status={status}>
      <span aria-hidden className="mr-1">●</span>
      {t(status as 'accepted')}
    </span>
  );
}
