// The national working calendar (State Council holidays and make-up days) an administrator keeps,
// or any region's.
export { CalendarPage as default, calendarMetadata as generateMetadata } from '@/app/_components/recognition/calendar-view';

export const dynamic = 'force-dynamic';
