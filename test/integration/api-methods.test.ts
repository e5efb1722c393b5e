// A method a route does not implement answers 405 with an Allow header and the JSON error of every
// other refusal (lib/http.ts otherMethods; under /fhir an OperationOutcome), where Next's own 405 had
// neither a body nor Allow (RFC 9110 §15.5.6 requires Allow).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function routes(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routes(p);
    return e.name === 'route.ts' ? [p] : [];
  });
}

describe('methods a route does not implement', () => {
  it('every route under app/api/v1 and /regulator answers all five methods and OPTIONS: its own, and the others through otherMethods naming exactly its own', () => {
    // the catch-all of paths no route serves answers every method 404 (below), not 405
    const catchAll = path.join(ROOT, 'app/api/v1/[...path]/route.ts');
    const files = [...routes(path.join(ROOT, 'app/api/v1')), path.join(ROOT, 'app/(regulator)/regulator/import/template/route.ts')].filter((f) => f !== catchAll);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const src = fs.readFileSync(file, 'utf8');
      const own = METHODS.filter((m) => new RegExp(`export (const|async function) ${m}\\b`).test(src));
      const m = /export const \{ ([A-Z, ]+), OPTIONS \} = otherMethods\(([^)]*)\);/.exec(src);
      expect(m, path.relative(ROOT, file)).not.toBeNull();
      expect([m![1].split(', '), m![2].split(', ').map((s) => s.replace(/'/g, ''))], path.relative(ROOT, file)).toEqual([METHODS.filter((x) => !own.includes(x)), own]);
    }
  });

  it('a path under /api/v1 that no route serves answers every method and OPTIONS with a JSON 404 request.unknownPath', async () => {
    const unknown = await import('@/app/api/v1/[...path]/route');
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const) {
      const res = unknown[method](new Request('http://localhost/api/v1/labs/GZ-001', { method }));
      expect([res.status, await res.json()], method).toEqual([404, { error: `No such API path: ${method} /api/v1/labs/GZ-001`, code: 'request.unknownPath' }]);
    }
  });

  it('GET /api/v1/me answers PUT and DELETE with 405, Allow and a JSON error; /api/v1/iqc/settings names its PUT', async () => {
    const me = await import('@/app/api/v1/me/route');
    for (const method of ['PUT', 'DELETE'] as const) {
      const res = me[method](new Request('http://localhost/api/v1/me', { method }));
      expect([res.status, res.headers.get('allow'), await res.json()]).toEqual([405, 'GET, HEAD, OPTIONS', { error: `${method} is not allowed here; allowed: GET, HEAD, OPTIONS`, code: 'request.methodNotAllowed' }]);
    }
    const settings = await import('@/app/api/v1/iqc/settings/route');
    expect(settings.POST(new Request('http://localhost/api/v1/iqc/settings', { method: 'POST' })).headers.get('allow')).toBe('GET, HEAD, PUT, OPTIONS');
    // OPTIONS says the same (Next's own listed every exported method, the refusals too)
    const options = settings.OPTIONS(new Request('http://localhost/api/v1/iqc/settings', { method: 'OPTIONS' }));
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, PUT, OPTIONS']);
  });

  it('/fhir answers PUT, PATCH and DELETE with a 405 OperationOutcome and Allow', async () => {
    const fhir = await import('@/app/fhir/[...path]/route');
    const res = await fhir.DELETE(new Request('http://localhost/fhir/Organization/GZ-001', { method: 'DELETE' }));
    expect([res.status, res.headers.get('allow'), res.headers.get('content-type')]).toEqual([405, 'GET, HEAD, OPTIONS', 'application/fhir+json; charset=utf-8']);
    const options = fhir.OPTIONS(new Request('http://localhost/fhir/Organization/GZ-001', { method: 'OPTIONS' }));
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, HEAD, OPTIONS']);
    expect(await res.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-supported', details: { coding: [{ system: 'urn:labqc:reason', code: 'request.methodNotAllowed' }] } }],
    });
    // the verification takes POST only: so says its Allow
    const verify = new URL('http://localhost/fhir/Observation/$verify-recognition');
    const put = await fhir.PUT(new Request(verify, { method: 'PUT' }));
    const verifyOptions = fhir.OPTIONS(new Request(verify, { method: 'OPTIONS' }));
    expect([put.status, put.headers.get('allow'), verifyOptions.headers.get('allow')]).toEqual([405, 'POST, OPTIONS', 'POST, OPTIONS']);
  });
});
