import { ErrorPage } from '@/app/_components/error-page';

export default function NotFound() {
  return <ErrorPage status={404} />;
}
