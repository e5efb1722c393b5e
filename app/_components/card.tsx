/** A titled card section (its heading labels it), with an optional line of help under the title. */
export function Card({ id, title, hint, className = 'card', testId, children }: { id: string; title: React.ReactNode; hint?: React.ReactNode; className?: string; testId?: string; children?: React.ReactNode }) {
  return (
    <section className={className} aria-labelledby={`${id}-title`} data-testid={testId}>
      <h2 id={`${id}-title`} className={`${hint ? 'mb-1' : 'mb-3'} font-semibold`}>
        {title}
      </h2>
      {hint && <p className="mb-3 text-sm text-slate-600">{hint}</p>}
      {children}
    </section>
  );
}
