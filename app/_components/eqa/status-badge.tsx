import { getTranslations } from 'next-intl/server';

const STYLE: Record<string, string> = {
  draft: 'badge-slate',
  open: 'badge-blue',
  closed: 'badge-amber',
  evaluated: 'badge-amber',
  published: 'badge-green',
};

/** A round's status as a coloured badge. */
export async function StatusBadge({ status }: { status: string }) {
  const t = await getTranslations('eqa.status');
  return (
    <span className={STYLE[status] ?? 'badge-slate'} data-testid="round-status">
      {t(status as 'draft')}
    </span>
  );
}
