import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import type { Actor } from '@/lib/auth/core';
import { navFor } from '@/lib/navigation';

/** The sections this actor may use, as cards: built from the same can()-filtered list as the nav. */
export async function SectionGrid({ actor, exclude = [] }: { actor: Actor; exclude?: string[] }) {
  const t = await getTranslations('common');
  const items = navFor(actor).filter((i) => !exclude.includes(i.href));
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      {items.map((i) => (
        <Link key={i.href} href={i.href} className="card block hover:border-brand-600">
          <h2 className="font-semibold text-slate-900">{t(`nav.${i.label}`)}</h2>
          <p className="mt-1 text-sm text-slate-600">{t(`navHelp.${i.label}`)}</p>
        </Link>
      ))}
    </div>
  );
}
