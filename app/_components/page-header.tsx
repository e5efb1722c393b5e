import Link from 'next/link';

/** A link shown as a button in a page header (the first one, or one marked primary, stands out). */
export interface HeaderLink {
  href: string;
  label: string;
  primary?: boolean;
}

export function PageHeader({ title, subtitle, actions, links }: { title: string; subtitle?: React.ReactNode; actions?: React.ReactNode; links?: HeaderLink[] }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">{title}</h1>
        {subtitle && <p className="mt-1 text-sm text-slate-600">{subtitle}</p>}
      </div>
      {(actions || links) && (
        <div className="no-print flex flex-wrap gap-2">
          {links?.map((l) => (
            <Link key={l.href} href={l.href} className={l.primary ? 'btn' : 'btn-secondary'}>
              {l.label}
            </Link>
          ))}
          {actions}
        </div>
      )}
    </div>
  );
}
