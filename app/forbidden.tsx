import { ErrorPage } from '@/app/_components/error-page';

export default function Forbidden() {
  return <ErrorPage status={403} />;
}
