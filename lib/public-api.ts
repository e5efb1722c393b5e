// The public (anonymous) JSON API in one framework-free function, so the Next route handlers and
// the production server's fast path (lib/server/main.ts) answer exactly the same. Certification data
// only; no session, cookie or token work.
import { getDb } from '@/db/client';
import { errorBody } from '@/lib/errors';
import { labCertifications, searchLabs, verifyRecognition } from '@/lib/services/recognition/verification';

export interface PublicAnswer {
  status: number;
  body: unknown;
}

const CERTIFICATIONS_PATH = /^\/api\/v1\/labs\/([^/]+)\/certifications\/?$/;

/** The answer for a public API path, or null when the path is not part of the public API. */
export function publicApi(pathname: string, params: URLSearchParams): PublicAnswer | null {
  try {
    if (pathname === '/api/v1/verify') {
      return ok(verifyRecognition(getDb(), { lab: params.get('lab') ?? undefined, analyte: params.get('analyte') ?? undefined, date: params.get('date') ?? undefined }));
    }
    if (pathname === '/api/v1/labs') {
      const labs = searchLabs(getDb(), { q: params.get('q') ?? undefined, region: params.get('region') ?? undefined });
      return ok({ labs: labs.map(({ code, name, regionCode, regionName, level }) => ({ code, name, regionCode, regionName, level })) });
    }
    const m = CERTIFICATIONS_PATH.exec(pathname);
    if (m) {
      const { certifications } = labCertifications(getDb(), decodeURIComponent(m[1]), params.get('date') ?? undefined);
      return ok(
        certifications.map((c) => ({
          analyteCode: c.analyteCode,
          analyteName: c.analyteName,
          mark: c.mark,
          scope: c.scope,
          status: c.status,
          validFrom: c.validFrom,
          validTo: c.validTo,
          certificateNo: c.certificateNo,
        })),
      );
    }
    return null;
  } catch (e) {
    return errorBody(e);
  }
}

function ok(body: unknown): PublicAnswer {
  return { status: 200, body };
}
