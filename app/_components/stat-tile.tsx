import Link from 'next/link';

/** A headline figure; with `href` the whole tile links to the page behind the figure. */
export function StatTile({ label, value, hint, href }: { label: string; value: React.ReactNode; hint?: string; href?: string }) {
  const body = (
    <>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold text-slate-900">{value}</p>
      {hint && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
    </>
  );
  return href ? (
    <Link href={href} className="card block hover:border-brand-600">
      {body}
    </Link>
  ) : (
    <div className="card">{body}</div>
  );
}
