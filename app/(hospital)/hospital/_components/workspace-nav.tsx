// The hospital workspace's tabs (server component).
import Link from 'next/link';
import { getTranslations } from 'next-intl/server';

const TABS = [
  { href: '/hospital', key: 'overview' },
  { href: '/hospital/mapping', key: 'mapping' },
  { href: '/hospital/tokens', key: 'tokens' },
  { href: '/hospital/webhooks', key: 'webhooks' },
] as const;

export async function WorkspaceNav({ active }: { active: (typeof TABS)[number]['key'] }) {
  const t = await getTranslations('hospital.nav');
  return (
    <nav aria-label={t('label')} className="mb-6 flex flex-wrap gap-2 border-b border-slate-200 pb-2">
      {TABS.map((tab) => (
        <Link key={tab.key} href={tab.href} aria-current={tab.key === active ? 'page' : undefined} className={tab.key === active ? 'btn' : 'btn-secondary'} data-testid={`tab-${tab.key}`}>
          {t(tab.key)}
        </Link>
      ))}
    </nav>
  );
}
