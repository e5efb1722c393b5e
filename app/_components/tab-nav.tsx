// A row of tabs between the pages of one workspace (server component): the current page's tab is
// marked with aria-current and the filled button style.
import Link from 'next/link';

export interface Tab {
  href: string;
  key: string;
  text: string;
}

export function TabNav({ label, tabs, active }: { label: string; tabs: readonly Tab[]; active: string }) {
  return (
    <nav aria-label={label} className="mb-6 flex flex-wrap gap-2 border-b border-slate-200 pb-2">
      {tabs.map((tab) => (
        <Link key={tab.key} href={tab.href} aria-current={tab.key === active ? 'page' : undefined} className={tab.key === active ? 'btn' : 'btn-secondary'} data-testid={`tab-${tab.key}`}>
          {tab.text}
        </Link>
      ))}
    </nav>
  );
}
