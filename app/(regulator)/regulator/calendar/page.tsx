import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { CalendarView } from '@/app/_components/recognition/calendar-view';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.calendar');
  return { title: t('title') };
}

/** The working calendar of the regulator's region (or a sub-region): the national entries and the
 * region's own, working days per month, and adding or removing the region's entries. */
export default async function CalendarPage({ searchParams }: { searchParams: Promise<{ region?: string; year?: string }> }) {
  const actor = await requirePage('calendar.manage');
  return <CalendarView actor={actor} sp={await searchParams} />;
}
