import { getTranslations } from 'next-intl/server';
import { MappingView } from '@/app/(hospital)/hospital/_components/mapping-view';
import { PlatformNav } from '../platform-nav';
import type { SearchParams } from '@/app/_components/data-table';

/** The regional platform's local item codes (its map, used by its verification tokens). */
export default async function PlatformMappingPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const t = await getTranslations('hospital.platform');
  return <MappingView nav={<PlatformNav active="mapping" />} heading={{ title: t('mappingTitle'), subtitle: t('mappingSubtitle') }} searchParams={searchParams} />;
}
