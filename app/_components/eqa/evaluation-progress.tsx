'use client';
import { useEffect } from 'react';
import { useRouter } from 'next/navigation';

/** A running evaluation's progress bar; re-reads the page every second until it has finished. */
export function EvaluationProgress({ label, progress }: { label: string; progress: number }) {
  const router = useRouter();
  useEffect(() => {
    const timer = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(timer);
  }, [router]);
  const pct = Math.round(progress * 100);
  return (
    <section className="no-print card" data-testid="eqa-evaluation-progress" aria-live="polite">
      <p className="mb-2 text-sm font-medium text-slate-700">
        {label} · {pct}%
      </p>
      <div className="h-2 w-full overflow-hidden rounded bg-slate-100" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div className="h-2 bg-brand-600 transition-all" style={{ width: `${pct}%` }} />
      </div>
    </section>
  );
}
