// The monthly IQC summary as CSV (`?month=YYYY-MM`, a regulator adds `lab=`).
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { monthlySummaryCsv } from '@/lib/services/iqc/summary';

export const dynamic = 'force-dynamic';

export const GET = withActor(async (req, actor) => {
  const q = new URL(req.url).searchParams;
  const out = await monthlySummaryCsv(getDb(), actor, { lab: q.get('lab'), month: q.get('month') });
  return new Response('\uFEFF' + out.csv, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${out.filename}"` },
  });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
