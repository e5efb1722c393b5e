// The CSV template of the IQC import (no data: open to every signed-in user).
import { otherMethods, withActor } from '@/lib/http';
import { iqcCsvTemplate } from '@/lib/services/iqc/import-csv';

export const GET = withActor(
  () =>
    new Response(iqcCsvTemplate(), {
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="iqc-template.csv"' },
    }),
);

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
