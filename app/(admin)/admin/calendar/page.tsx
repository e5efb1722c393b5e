import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { CalendarView } from '@/app/_components/recognition/calendar-view';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.calendar');
  return { title: t('title') };
}

/** The national working calendar (State Council holidays and make-up days) an administrator keeps,
 * or any region's. */
export default async function CalendarPage({ searchParams }: { searchParams: Promise<{ region?: string; year?: string }> }) {
  const actor = await requirePage('calendar.manage');
  return <CalendarView actor={actor} sp={await searchParams} />;
}
