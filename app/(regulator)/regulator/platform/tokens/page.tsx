import { getTranslations } from 'next-intl/server';
import { TokensView } from '@/app/(hospital)/hospital/_components/tokens-view';
import { PlatformNav } from '../platform-nav';

/** The regional platform's verification API tokens. */
export default async function PlatformTokensPage() {
  const t = await getTranslations('hospital.platform');
  return <TokensView nav={<PlatformNav active="tokens" />} heading={{ title: t('tokensTitle'), subtitle: t('tokensSubtitle') }} />;
}
