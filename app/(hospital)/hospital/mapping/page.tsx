import { MappingView } from '../_components/mapping-view';
import { WorkspaceNav } from '../_components/workspace-nav';
import type { SearchParams } from '@/app/_components/data-table';

export default async function MappingPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  return <MappingView nav={<WorkspaceNav active="mapping" />} searchParams={searchParams} />;
}
