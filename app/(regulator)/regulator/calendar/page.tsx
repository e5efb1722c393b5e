// The working calendar of the regulator's region (or a sub-region): the national entries and the
// region's own, working days per month, and adding or removing the region's entries.
export { CalendarPage as default, calendarMetadata as generateMetadata } from '@/app/_components/recognition/calendar-view';

export const dynamic = 'force-dynamic';
