// The regulator platform's tabs (server component): its local code map and its verification tokens,
// the same pages as the hospital workspace's (app/(hospital)/hospital/_components/*-view.tsx).
import Link from 'next/link';
import { getTranslations } from 'next-intl/server';

const TABS = [
  { href: '/regulator/platform/mapping', key: 'mapping' },
  { href: '/regulator/platform/tokens', key: 'tokens' },
] as const;

export async function PlatformNav({ active }: { active: (typeof TABS)[number]['key'] }) {
  const t = await getTranslations('hospital.platform');
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
