// The monthly IQC summary as CSV (`?month=YYYY-MM`, a regulator adds `lab=`).
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { monthlySummaryCsv } from '@/lib/services/iqc/summary';
import { requestQuery } from '@/lib/validation/query';

export const dynamic = 'force-dynamic';

export const GET = withActor(async (req, actor) => {
  const out = await monthlySummaryCsv(getDb(), actor, requestQuery(req, ['lab', 'month']));
  return new Response('\uFEFF' + out.csv, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${out.filename}"` },
  });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
