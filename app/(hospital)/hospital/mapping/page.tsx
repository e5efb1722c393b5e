import { MappingView } from '../_components/mapping-view';
import { WorkspaceNav } from '../_components/workspace-nav';

export default async function MappingPage() {
  return <MappingView nav={<WorkspaceNav active="mapping" />} />;
}
