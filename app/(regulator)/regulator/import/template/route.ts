import { otherMethods, withActor } from '@/lib/http';
import { can } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { registryTemplateCsv } from '@/lib/services/registry';

export const dynamic = 'force-dynamic';

/** The registry template (UTF-8 with a BOM, so spreadsheet programs read the Chinese names). */
export const GET = withActor((_req, actor) => {
  if (!can(actor, 'registry.import')) throw AppError.forbidden();
  return new Response('\uFEFF' + registryTemplateCsv(), {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="labqc-registry-template.csv"' },
  });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
