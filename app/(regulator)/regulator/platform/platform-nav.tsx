// The regulator platform's tabs (server component): its local code map and its verification tokens,
// the same pages as the hospital workspace's (app/(hospital)/hospital/_components/*-view.tsx).
import { getTranslations } from 'next-intl/server';
import { TabNav } from '@/app/_components/tab-nav';

const TABS = [
  { href: '/regulator/platform/mapping', key: 'mapping' },
  { href: '/regulator/platform/tokens', key: 'tokens' },
] as const;

export async function PlatformNav({ active }: { active: (typeof TABS)[number]['key'] }) {
  const t = await getTranslations('hospital.platform');
  return <TabNav label={t('label')} tabs={TABS.map((tab) => ({ ...tab, text: t(tab.key) }))} active={active} />;
}
