'use client';
/** Print the page (the browser's "Save as PDF" gives the printable report; nav and actions are hidden). */
export function PrintButton({ label }: { label: string }) {
  return (
    <button type="button" className="btn-secondary no-print" onClick={() => window.print()}>
      {label}
    </button>
  );
}
