// The hospital workspace's tabs (server component).
import { getTranslations } from 'next-intl/server';
import { TabNav } from '@/app/_components/tab-nav';

const TABS = [
  { href: '/hospital', key: 'overview' },
  { href: '/hospital/mapping', key: 'mapping' },
  { href: '/hospital/tokens', key: 'tokens' },
  { href: '/hospital/webhooks', key: 'webhooks' },
] as const;

export async function WorkspaceNav({ active }: { active: (typeof TABS)[number]['key'] }) {
  const t = await getTranslations('hospital.nav');
  return <TabNav label={t('label')} tabs={TABS.map((tab) => ({ ...tab, text: t(tab.key) }))} active={active} />;
}
