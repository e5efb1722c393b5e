import { TokensView } from '../_components/tokens-view';
import { WorkspaceNav } from '../_components/workspace-nav';

export default async function HospitalTokensPage() {
  return <TokensView nav={<WorkspaceNav active="tokens" />} />;
}
