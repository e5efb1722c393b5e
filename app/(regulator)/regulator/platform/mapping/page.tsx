import { getTranslations } from 'next-intl/server';
import { MappingView } from '@/app/(hospital)/hospital/_components/mapping-view';
import { PlatformNav } from '../platform-nav';

/** The regional platform's local item codes (its map, used by its verification tokens). */
export default async function PlatformMappingPage() {
  const t = await getTranslations('hospital.platform');
  return <MappingView nav={<PlatformNav active="mapping" />} heading={{ title: t('mappingTitle'), subtitle: t('mappingSubtitle') }} />;
}
