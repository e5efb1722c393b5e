import { requireRole } from '@/lib/auth';

export const dynamic = 'force-dynamic';

/** Every page below is for the regulator role only: anonymous visitors sign in, other roles get 403. */
export default async function Layout({ children }: { children: React.ReactNode }) {
  await requireRole('regulator');
  return children;
}
