// Issue 13, the hospitals' side: local code maps (CSV preview with line errors, all or nothing,
// versions on change), unmapped codes, hospital verification tokens resolving their own codes only,
// watch lists, the webhook outbox (signatures, retries with backoff, leases) and the expiry check,
// and every refusal between two hospitals.
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, useAsProcessDb, sqlRows, sqlRun, reopenTestDb, testBackend } from '@/test/support/db';
import type { DB } from '@/db/client';
import { actorForApiToken, actorForUserId } from '@/lib/auth/resolve';
import type { Actor } from '@/lib/auth/core';
import { createUser, setUserActive } from '@/lib/services/users';
import { deleteLocalCodeMapping, importLocalCodes, localCodeWorkspace, setLocalCode } from '@/lib/services/hospital/local-codes';
import { createHospitalToken, hospitalTokens, revokeHospitalToken } from '@/lib/services/hospital/tokens';
import { addWatch, removeWatch, watchWorkspace } from '@/lib/services/hospital/watches';
import { checkExpiries, createEndpoint, disableWebhookEndpoint, dispatchWebhooks, retryDelayMs, sendTestEvent, webhookWorkspace } from '@/lib/services/hospital/webhooks';
import { verifySignature } from '@/lib/services/hospital/webhook-signature';
import { createApiToken } from '@/lib/services/tokens';
import { decide } from '@/lib/services/recognition/decisions';
import { recordLocalCodeMisses } from '@/db/queries/public';
import { recentChangesForOwner } from '@/db/queries/hospital';
import { insertCertification } from '@/db/queries/recognition';
import { addDays } from '@/lib/calendar';
import { verifyBatchRoute } from '@/lib/public-batch';
import { verifyBatchLimiter } from '@/lib/server/rate-limit';
import { appError, appErrorAsync } from '@/test/support/errors';
import { countingStatements } from '@/test/support/statements';
import { sqlitePlans } from '@/test/support/sqlite-plans';
import { batchCheck } from '@/lib/services/hospital/batch-check';
import { NOW, TODAY, analyteId, labId } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
let w: World;
let h1: Actor;
let h2: Actor;
const rows = async <T,>(sql: string, ...p: unknown[]) => await sqlRows<T>(w.db, sql, ...p);

/** A local receiver: answers each request with the next status of `plan` (then the last one). */
function receiver(plan: number[], delayMs = 0) {
  const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      const status = plan[Math.min(got.length - 1, plan.length - 1)];
      setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok'), delayMs);
    });
  });
  return new Promise<{ url: string; got: typeof got; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) })),
  );
}

/** An active certification of lab × analyte, valid until `validTo`. */
async function certify(lab: string, analyte: string, validTo = '2027-06-14', validFrom = '2026-01-01') {
  return await insertCertification(w.db, { labId: await labId(w.db, lab), analyteId: await analyteId(w.db, analyte), scopeRegionId: (await rows<{ id: number }>(`SELECT id FROM regions WHERE code = '440000'`))[0].id, scope: '广东省', mark: '广东HR', certificateNo: `T-${lab}-${analyte}-${validTo}`, status: 'active', validFrom, validTo, createdAt: NOW, updatedAt: NOW });
}

/** The verification snippet of the README ("Webhooks"), run as written. */
function readmeVerifier(): (secret: string, header: string, body: string) => boolean {
  const readme = fs.readFileSync('README.md', 'utf8');
  const block = /```js\n([\s\S]*?function verifyLabQC[\s\S]*?)```/.exec(readme)![1].replace(/^import .*$/m, '');
  return new Function('createHmac', 'timingSafeEqual', `${block}\nreturn verifyLabQC;`)(createHmac, timingSafeEqual);
}

const pending = async () => (await rows<{ n: number }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'`))[0].n;

beforeAll(async () => {
  w = await createSeededTestDb();
  await useAsProcessDb(w); // the route handlers' getDb()
  h1 = (await actorForUserId(w.db, (await rows<{ id: number }>(`SELECT id FROM users WHERE role = 'hospital' LIMIT 1`))[0].id))!;
  const other = await createUser(w.db, w.admin, { email: 'hospital2@demo.labqc', name: '第二医院', role: 'hospital', password: 'Zq8#second-hospital-2026' }) as { id: number };
  h2 = (await actorForUserId(w.db, other.id ?? (await rows<{ id: number }>(`SELECT id FROM users WHERE email = 'hospital2@demo.labqc'`))[0].id))!;
}, 60_000);
afterAll(async () => {
  await w.close();
  delete process.env.DATABASE_PATH;
});

describe('local code mapping', () => {
  it('previews a CSV with its line errors (row, field, reason code) and saves nothing from a file with errors', async () => {
    const csv = ['local_code,analyte', 'XK01,K', ',GLU', 'XNA,NOPE', 'xk01,NA', 'XGLU,loinc:14749-6', 'XALT,'].join('\n');
    const preview = await importLocalCodes(w.db, h1, { text: csv }, { dryRun: true });
    expect(preview.errors.map((e) => [e.row, e.field, e.code])).toEqual([
      [3, 'local_code', 'localCode.required'],
      [4, 'analyte', 'localCode.unknownAnalyte'],
      [5, 'local_code', 'localCode.duplicate'],
      [7, 'analyte', 'localCode.analyteRequired'],
    ]);
    expect(preview.rows.map((r) => [r.line, r.localCode, r.analyte, r.change])).toEqual([
      [2, 'XK01', 'K', 'new'],
      [6, 'XGLU', 'GLU', 'new'],
    ]);
    const refused = await appError(async () => await importLocalCodes(w.db, h1, { text: csv }));
    expect(refused.reason).toBe('localCode.rejected');
    expect(refused.errors).toHaveLength(4);
    expect((await rows(`SELECT * FROM analyte_local_codes`))).toEqual([]);
  });

  it('saves a clean file in one go (audited); a second file that changes a code keeps the old item as a version', async () => {
    const r = await importLocalCodes(w.db, h1, { text: 'local_code,analyte\nXK01,K\nXGLU,loinc:14749-6\n hb-a1c ,HBA1C\n' }, { now: NOW });
    expect(r.counts).toEqual({ new: 3, changed: 0, unchanged: 0 });
    expect((await localCodeWorkspace(w.db, h1)).mappings.map((m) => [m.localCode, m.analyteCode])).toEqual([
      ['HB-A1C', 'HBA1C'],
      ['XGLU', 'GLU'],
      ['XK01', 'K'],
    ]);
    const again = await importLocalCodes(w.db, h1, { text: 'local_code,analyte\nXK01,NA\nXGLU,GLU\n', reason: 'LIS recode' }, { now: NOW + 1000 });
    expect(again.counts).toEqual({ new: 0, changed: 1, unchanged: 1 });
    const xk = (await localCodeWorkspace(w.db, h1)).mappings.find((m) => m.localCode === 'XK01')!;
    expect(xk.analyteCode).toBe('NA');
    expect(xk.versions).toEqual([{ version: 1, reason: 'LIS recode', changedAt: NOW + 1000, analyteId: await analyteId(w.db, 'K') }]);
    expect((await rows<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'localCode.%' ORDER BY id`)).map((a) => a.action)).toEqual(['localCode.import', 'localCode.import']);
  });

  it('a single change needs a reason; a deletion keeps the row as a version', async () => {
    expect((await appError(async () => await setLocalCode(w.db, h1, { localCode: 'XK01', analyte: 'K' }))).errors[0].code).toBe('localCode.reasonRequired');
    expect((await setLocalCode(w.db, h1, { localCode: 'XK01', analyte: 'K', reason: 'back to potassium' })).change).toBe('changed');
    const xglu = (await localCodeWorkspace(w.db, h1)).mappings.find((m) => m.localCode === 'XGLU')!;
    expect((await appError(async () => await deleteLocalCodeMapping(w.db, h1, { id: xglu.id }))).errors[0].code).toBe('localCode.reasonRequired');
    await deleteLocalCodeMapping(w.db, h1, { id: xglu.id, reason: 'not used any more' });
    expect((await localCodeWorkspace(w.db, h1)).mappings.map((m) => m.localCode)).toEqual(['HB-A1C', 'XK01']);
    expect((await rows<{ reason: string }>(`SELECT reason FROM entity_versions WHERE entity_type = 'analyte_local_code' AND entity_id = ?`, xglu.id)).map((v) => v.reason)).toEqual(['not used any more']);
  });

  it('lists the unmapped codes of recent lookups with counts and last seen, and maps one in place', async () => {
    await recordLocalCodeMisses(w.db, h1.userId, ['ZZ-1', 'ZZ-2'], NOW);
    await recordLocalCodeMisses(w.db, h1.userId, ['ZZ-1'], NOW + 5000);
    await recordLocalCodeMisses(w.db, h2.userId, ['OTHER'], NOW);
    expect((await localCodeWorkspace(w.db, h1)).unmapped.map((u) => [u.localCode, u.seen, u.lastSeenAt])).toEqual([
      ['ZZ-1', 2, NOW + 5000],
      ['ZZ-2', 1, NOW],
    ]);
    await setLocalCode(w.db, h1, { localCode: 'zz-1', analyte: 'ALT' });
    expect((await localCodeWorkspace(w.db, h1)).unmapped.map((u) => u.localCode)).toEqual(['ZZ-2']);
  });
});

describe('the mapping page: one page of the map, its versions in one read', () => {
  // 121 codes of an account of its own: M001…M120 (odd ones glucose, even ones potassium) and NA-1
  const codes = [...Array.from({ length: 120 }, (_, i) => `M${String(i + 1).padStart(3, '0')}`), 'NA-1'];
  const analyteOf = (c: string) => (c === 'NA-1' ? 'NA' : Number(c.slice(1)) % 2 ? 'GLU' : 'K');
  const sorted = [...codes].sort(); // code point order, as both backends sort (README: UTF-8, C.UTF-8)
  let h4: Actor;
  const page = (p: Partial<{ page: number; size: number; dir: 'asc' | 'desc'; q: string }>) => ({ page: 1, size: 25, sort: 'code' as const, dir: 'asc' as const, q: '', ...p });
  beforeAll(async () => {
    const made = (await createUser(w.db, w.admin, { email: 'hospital4@demo.labqc', name: '第四医院', role: 'hospital', password: 'Zq8#fourth-hospital-2026' })) as { id: number };
    h4 = (await actorForUserId(w.db, made.id))!;
    await importLocalCodes(w.db, h4, { text: ['local_code,analyte', ...codes.map((c) => `${c},${analyteOf(c)}`)].join('\n') }, { now: NOW });
    // versions: M001 changed once, M002 twice, M029 (page 2 of 25) once
    await setLocalCode(w.db, h4, { localCode: 'M001', analyte: 'K', reason: 'r1' }, { now: NOW + 1 });
    await setLocalCode(w.db, h4, { localCode: 'M002', analyte: 'GLU', reason: 'r2a' }, { now: NOW + 2 });
    await setLocalCode(w.db, h4, { localCode: 'M002', analyte: 'K', reason: 'r2b' }, { now: NOW + 3 });
    await setLocalCode(w.db, h4, { localCode: 'M029', analyte: 'K', reason: 'r30' }, { now: NOW + 4 });
  });

  it.each([
    ['the first page: the page size, by local code, with the count of all', page({}), sorted.slice(0, 25), 121],
    ['a later page continues where the one before stopped', page({ page: 2 }), sorted.slice(25, 50), 121],
    ['the last page holds the rest', page({ page: 5 }), sorted.slice(100), 121],
    ['a page past the end is empty, with the count', page({ page: 9 }), [], 121],
    ['descending: from the last code', page({ dir: 'desc', size: 10 }), [...sorted].reverse().slice(0, 10), 121],
    ['a filter on the local code, case-insensitive', page({ q: 'm01' }), ['M010', 'M011', 'M012', 'M013', 'M014', 'M015', 'M016', 'M017', 'M018', 'M019'], 10],
    ['a filter on the item’s name pages what matches', page({ q: 'POTASS', size: 5, page: 2 }), ['M010', 'M012', 'M014', 'M016', 'M018'], 62],
    ['a filter on the item’s Chinese name', page({ q: '钾', size: 3 }), ['M001', 'M002', 'M004'], 62],
    ['a filter’s LIKE wildcards are text', page({ q: '%' }), [], 0],
    ['a size past the cap is served as the cap (200)', page({ size: 10_000 }), sorted, 121],
  ])('%s', async (_title, req, expected, total) => {
    const ws = await localCodeWorkspace(w.db, h4, req);
    expect(ws.mappings.map((m) => m.localCode)).toEqual(expected);
    expect(ws.total).toBe(total);
  });

  it('each row of the page carries its own versions, newest first, with the item it had', async () => {
    const ws = await localCodeWorkspace(w.db, h4, page({}));
    const of = (c: string) => ws.mappings.find((m) => m.localCode === c)!;
    expect(of('M001').versions).toEqual([{ version: 1, reason: 'r1', changedAt: NOW + 1, analyteId: await analyteId(w.db, 'GLU') }]);
    expect(of('M002').versions.map((v) => [v.version, v.reason])).toEqual([
      [2, 'r2b'],
      [1, 'r2a'],
    ]);
    expect(of('M003').versions).toEqual([]);
    expect([of('M001'), of('M002')].map((m) => m.analyteCode)).toEqual(['K', 'K']);
    expect((await localCodeWorkspace(w.db, h4, page({ page: 2 }))).mappings.find((m) => m.localCode === 'M029')!.versions.map((v) => v.reason)).toEqual(['r30']);
  });

  it('reads the versions in one statement however many rows the page holds (no query per row)', async () => {
    const small: string[] = [];
    const large: string[] = [];
    await countingStatements(w.db, small, async () => await localCodeWorkspace(w.db, h4, page({ size: 2 })));
    const ws = await countingStatements(w.db, large, async () => await localCodeWorkspace(w.db, h4, page({ size: 121 })));
    expect(ws.mappings).toHaveLength(121);
    const versionReads = (texts: string[]) => texts.filter((q) => /entity_versions/i.test(q)).length;
    expect([versionReads(small), versionReads(large)]).toEqual([1, 1]);
    expect(large.length).toBe(small.length);
  });

  it.skipIf(testBackend !== 'sqlite')('SQLite: the page and its count read the owner’s codes by analyte_local_codes_uq, in its order; the versions by entity_versions_uq', async () => {
    // the page's count, its rows, its versions (the unmapped codes' read, from the misses, comes last)
    const plans = (await sqlitePlans(w.db, /from "analyte_local_codes"|from "entity_versions"/, async () => await localCodeWorkspace(w.db, h4, page({})))).slice(0, 3);
    expect(plans).toHaveLength(3);
    for (const plan of plans.slice(0, 2)) expect(plan.join('\n')).toMatch(/SEARCH analyte_local_codes USING (COVERING )?INDEX analyte_local_codes_uq \(owner_id=\?\)/);
    expect(plans[1].join('\n')).not.toMatch(/TEMP B-TREE/);
    expect(plans[2].join('\n')).toMatch(/SEARCH entity_versions USING INDEX entity_versions_uq \(entity_type=\? AND entity_id=\?\)/);
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: the page reads the owner’s codes by analyte_local_codes_uq in its order (no sort), the versions by entity_versions_uq', async () => {
    const pool = w.db.$client as unknown as import('pg').Pool;
    const seen: { text: string; params: unknown[] }[] = [];
    const query = pool.query.bind(pool);
    pool.query = ((config: { text: string; values?: unknown[] } | string, values?: unknown[]) => {
      const text = typeof config === 'string' ? config : config.text;
      if (/from "(analyte_local_codes|entity_versions)"/.test(text)) seen.push({ text, params: (typeof config === 'string' ? undefined : config.values) ?? values ?? [] });
      return query(config as never, values as never);
    }) as typeof pool.query;
    try {
      await localCodeWorkspace(w.db, h4, page({}));
    } finally {
      pool.query = query as typeof pool.query;
    }
    // one connection, sequential scans priced out: a table this small may be read whole either way,
    // the question is whether the indexes can serve the owner's codes in order and the page's versions
    const client = await pool.connect();
    const plans: string[] = [];
    try {
      await client.query('ANALYZE analyte_local_codes');
      await client.query('SET enable_seqscan = off');
      for (const st of seen.slice(0, 3)) plans.push((await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${st.text}`, st.params)).rows.map((r) => r['QUERY PLAN']).join('\n'));
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
    expect(plans).toHaveLength(3);
    expect(plans[0]).toMatch(/(Index Scan|Index Only Scan|Bitmap Index Scan) (using|on) analyte_local_codes_uq/); // the count
    expect(plans[1]).toMatch(/Index Scan using analyte_local_codes_uq on analyte_local_codes/);
    expect(plans[1]).not.toMatch(/Sort/);
    expect(plans[2]).toMatch(/entity_versions_uq/);
  });
});

describe('batch check (workspace)', () => {
  it('reads a pasted list without a header, answers each line with the local codes, and writes the CSV', async () => {
    const r = await batchCheck(w.db, h1, { text: `GZ-001,hb-a1c,${TODAY}\nGZ-001,K,not-a-day\nNOPE-9,K,${TODAY},${TODAY}` }, { now: NOW });
    // lines numbered as pasted (the header the service adds is no line of the caller's)
    expect(r.rows.map((x) => [x.line, x.recognized, x.reason, x.errorCode])).toEqual([
      [1, false, 'not_certified', null],
      [2, null, null, 'recognition.invalidDateTitle'],
      [3, null, null, 'lab.notFound'],
    ]);
    expect(r.counts).toEqual({ checks: 3, recognized: 0, usable: 0, errors: 2 });
    const lines = r.csv.trim().split('\r\n');
    expect(lines[0]).toBe('line,lab,analyte,date,as_of,recognized,within_window,window_days,usable,mark,certificate_no,status,reason,error');
    expect(lines).toHaveLength(4);
    expect(lines[1].startsWith(`1,GZ-001,hb-a1c,${TODAY},${TODAY},false,`)).toBe(true);
  });

  it('numbers the lines of a pasted list as pasted, blank lines included, in its answers and its refusals; a list with its header as written', async () => {
    const pasted = await batchCheck(w.db, h1, { text: `\nGZ-001,K,${TODAY}\n\nGZ-002,NA,${TODAY}\n` }, { now: NOW });
    expect(pasted.rows.map((x) => [x.line, x.lab])).toEqual([
      [2, 'GZ-001'],
      [4, 'GZ-002'],
    ]);
    const headed = await batchCheck(w.db, h1, { text: `lab,analyte,date\nGZ-001,K,${TODAY}\nGZ-002,NA,${TODAY}` }, { now: NOW });
    expect(headed.rows.map((x) => x.line)).toEqual([2, 3]);
    // an unquoted comma in a line: refused by the line the caller sees
    const e = await appErrorAsync(() => batchCheck(w.db, h1, { text: `GZ-001,K,${TODAY}\nGZ-001,K,${TODAY},${TODAY},ward 3, bed 2` }, { now: NOW }));
    expect([e.status, e.reason, e.errors.map((f) => [f.row, f.code])]).toEqual([422, 'file.tooManyValues', [[2, 'file.valuesPastHeader']]]);
  });

  it('reads the reuse day from asOf or from as_of, the column its own download writes: a download uploaded again asks the same', async () => {
    const asOf = addDays(TODAY, -1);
    const first = await batchCheck(w.db, h1, { text: `lab,analyte,date,asOf\nGZ-001,K,${addDays(TODAY, -8)},${asOf}\nGZ-002,NA,${addDays(TODAY, -3)},${asOf}` }, { now: NOW });
    expect(first.rows.map((x) => x.asOf)).toEqual([asOf, asOf]);
    const again = await batchCheck(w.db, h1, { text: first.csv }, { now: NOW });
    expect(again.rows.map(({ line: _l, ...x }) => x)).toEqual(first.rows.map(({ line: _l, ...x }) => x));
    expect((await batchCheck(w.db, h1, { text: `lab,analyte,date,as_of\nGZ-001,K,${addDays(TODAY, -8)},${asOf}` }, { now: NOW })).rows[0].asOf).toBe(asOf);
  });

  it('writes the day a line without a date was checked for: the download uploaded the next day asks about that day, not the next', async () => {
    const first = await batchCheck(w.db, h1, { text: 'GZ-001,K\nGZ-002,NA' }, { now: NOW });
    expect(first.rows.map((x) => [x.date, x.asOf])).toEqual([[TODAY, TODAY], [TODAY, TODAY]]);
    const nextDay = await batchCheck(w.db, h1, { text: first.csv }, { now: NOW + 86_400_000 });
    expect(nextDay.rows.map((x) => [x.date, x.asOf, x.errorCode])).toEqual([[TODAY, TODAY, null], [TODAY, TODAY, null]]);
    expect(nextDay.rows.map(({ line: _l, ...x }) => x)).toEqual(first.rows.map(({ line: _l, ...x }) => x));
  });
});

describe('hospital verification tokens', () => {
  const call = (token: string, analyte: string) =>
    verifyBatchRoute(new Request('http://x/api/v1/verify', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ checks: [{ lab: 'GZ-001', analyte, date: TODAY }] }) }))
      .then((r) => r.json() as Promise<{ results: Record<string, unknown>[] }>)
      .then((b) => b.results[0]);
  const h1Token = async () => (await createHospitalToken(w.db, h1, { name: 'HIS-2', expiresInDays: '' })).token;

  it("resolve the hospital's own local codes only (another hospital's token does not)", async () => {
    await verifyBatchLimiter.reset();
    const mine = await createHospitalToken(w.db, h1, { name: 'HIS', expiresInDays: '' });
    const theirs = await createHospitalToken(w.db, h2, { name: 'HIS', expiresInDays: '' });
    expect(mine.scopes).toEqual(['verify']);
    // the local code answers exactly as the catalogue code does; the other hospital's is unknown
    const resolved = await call(mine.token, 'hb-a1c');
    expect(resolved).toMatchObject({ date: TODAY, recognized: false, reason: 'not_certified' });
    expect(resolved).toEqual(await call(mine.token, 'HBA1C'));
    const refused = await call(theirs.token, 'hb-a1c');
    expect(refused).toMatchObject({ code: 'analyte.notFound' });
    expect(refused.recognized).toBeUndefined();
    // the token acts as a hospital without a lab; a lab's `read` token also holds `verify`
    expect(await actorForApiToken(w.db, mine.token)).toMatchObject({ role: 'hospital', labId: null, token: { scopes: ['verify'] } });
    const labReader = await createApiToken(w.db, w.labManagers.get('GZ-001')!, { name: 'lis', scopes: ['read'] });
    expect((await call(labReader.token, 'K')).error).toBeUndefined();
  });

  it("a regulator's platform keeps its own map and tokens (the /regulator/platform pages); its token resolves the platform's codes only", async () => {
    await verifyBatchLimiter.reset();
    const gd = w.regulators.gd;
    expect((await importLocalCodes(w.db, gd, { text: 'local_code,analyte\nPLAT-GLU,GLU' })).counts.new).toBe(1);
    expect((await localCodeWorkspace(w.db, gd)).mappings.map((m) => [m.localCode, m.analyteCode])).toContainEqual(['PLAT-GLU', 'GLU']);
    expect((await localCodeWorkspace(w.db, h1)).mappings.map((m) => m.localCode)).not.toContain('PLAT-GLU');
    const tok = await createHospitalToken(w.db, gd, { name: 'platform', expiresInDays: '' });
    expect((await hospitalTokens(w.db, gd)).map((x) => x.name)).toEqual(['platform']);
    expect((await hospitalTokens(w.db, h1)).map((x) => x.name)).not.toContain('platform');
    const viaCode = await call(tok.token, 'plat-glu');
    expect(viaCode.code).toBeUndefined();
    expect(viaCode).toEqual(await call(tok.token, 'GLU'));
    expect(await call(await h1Token(), 'plat-glu')).toMatchObject({ code: 'analyte.notFound' });
    expect(await revokeHospitalToken(w.db, gd, { id: tok.id })).toEqual({ id: tok.id, revoked: true });
  });

  it('a revoked token stops at once; another hospital cannot see or revoke it', async () => {
    await verifyBatchLimiter.reset();
    const t = await createHospitalToken(w.db, h1, { name: 'LIS bridge', scopes: ['verify', 'read'] });
    expect((await hospitalTokens(w.db, h2)).map((x) => x.id)).not.toContain(t.id);
    expect((await appError(async () => await revokeHospitalToken(w.db, h2, { id: t.id }))).reason).toBe('token.notFound');
    expect(await revokeHospitalToken(w.db, h1, { id: t.id })).toEqual({ id: t.id, revoked: true });
    const r = await verifyBatchRoute(new Request('http://x/api/v1/verify', { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: '{"checks":[]}' }));
    expect(r.status).toBe(401);
  });
});

describe('watch lists and webhooks', () => {
  // the receivers listen on 127.0.0.1: a private address, allowed only with WEBHOOK_ALLOW_PRIVATE=1
  beforeAll(() => void (process.env.WEBHOOK_ALLOW_PRIVATE = '1'));
  afterAll(() => void delete process.env.WEBHOOK_ALLOW_PRIVATE);
  it('a suspension queues one signed delivery per endpoint in the decision transaction; retries on 500 with backoff, stops on 2xx', async () => {
    const hook = await receiver([500, 500, 200]);
    try {
      await addWatch(w.db, h1, { lab: 'GZ-002' });
      await addWatch(w.db, h2, { region: '440000' }); // a province: every lab of its cities
      const ep = await createEndpoint(w.db, h1, { name: 'HIS', url: hook.url });
      const cert = await certify('GZ-002', 'K');
      await decide(w.db, w.regulators.gd, { labId: await labId(w.db, 'GZ-002'), analyteId: await analyteId(w.db, 'K'), action: 'suspend', reason: 'EQA failed twice' }, { now: NOW });
      // h2 watches but has no endpoint: its page shows the change, no delivery is queued for it
      expect((await watchWorkspace(w.db, h2)).changes.map((c) => [c.labCode, c.analyteCode, c.action])).toEqual([['GZ-002', 'K', 'suspend']]);
      expect((await watchWorkspace(w.db, h1)).changes.map((c) => [c.labCode, c.toStatus, c.effectiveOn])).toEqual([['GZ-002', 'suspended', TODAY]]);
      expect(await pending()).toBe(1);

      let t = NOW;
      const clock = () => t;
      expect(await dispatchWebhooks(w.db, { now: clock })).toEqual({ delivered: 0, retrying: 1, failed: 0 });
      expect(await dispatchWebhooks(w.db, { now: clock })).toEqual({ delivered: 0, retrying: 0, failed: 0 }); // not due yet
      t += retryDelayMs(1) - 1;
      expect((await dispatchWebhooks(w.db, { now: clock })).retrying).toBe(0);
      t += 1; // 1 minute after the first attempt
      expect((await dispatchWebhooks(w.db, { now: clock })).retrying).toBe(1);
      t += retryDelayMs(2); // then 2 minutes
      expect(await dispatchWebhooks(w.db, { now: clock })).toEqual({ delivered: 1, retrying: 0, failed: 0 });
      t += 3_600_000;
      expect(await dispatchWebhooks(w.db, { now: clock })).toEqual({ delivered: 0, retrying: 0, failed: 0 });
      expect(hook.got).toHaveLength(3);

      const [d] = (await webhookWorkspace(w.db, h1)).deliveries;
      expect(d).toMatchObject({ endpointId: ep.id, event: 'certification.suspended', status: 'delivered', attempts: 3, lastStatusCode: 200 });
      expect(d.attemptLog.map((a) => [a.statusCode, a.error])).toEqual([
        [500, 'HTTP 500'],
        [500, 'HTTP 500'],
        [200, null],
      ]);
      expect(d.attemptLog.map((a) => a.at - NOW)).toEqual([0, 60_000, 180_000]);
      // the body is the contract, and every attempt is signed with the endpoint's secret as documented
      const body = JSON.parse(hook.got[2].body);
      expect(body).toMatchObject({ event: 'certification.suspended', lab: 'GZ-002', analyte: 'K', status: 'suspended', previousStatus: 'active', effectiveOn: TODAY, certificationId: cert.id, reason: 'EQA failed twice' });
      for (const g of hook.got) {
        const header = String(g.headers['labqc-signature']);
        const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)!;
        expect(v1).toBe(createHmac('sha256', ep.secret).update(`${ts}.${g.body}`).digest('hex'));
        expect(verifySignature(ep.secret, header, g.body, Number(ts) * 1000)).toBe(true);
        expect(verifySignature(ep.secret, header, g.body.replace('GZ-002', 'GZ-003'), Number(ts) * 1000)).toBe(false);
        expect(verifySignature('whsec_other', header, g.body, Number(ts) * 1000)).toBe(false);
      }
      // the README's snippet accepts the last (fresh) one and refuses a changed body
      const verify = readmeVerifier();
      const lastHeader = String(hook.got[2].headers['labqc-signature']);
      const fresh = `t=${Math.floor(Date.now() / 1000)},v1=${createHmac('sha256', ep.secret).update(`${Math.floor(Date.now() / 1000)}.${hook.got[2].body}`).digest('hex')}`;
      expect(verify(ep.secret, fresh, hook.got[2].body)).toBe(true);
      expect(verify(ep.secret, fresh, hook.got[2].body + ' ')).toBe(false);
      // the dispatcher signed with the test's clock (NOW): too old for the snippet's 5 minutes
      expect(verify(ep.secret, lastHeader, hook.got[2].body)).toBe(false);
    } finally {
      await hook.close();
    }
  });

  it('retries stop 24 h after the event: the delivery is failed, each attempt logged', async () => {
    const hook = await receiver([503]);
    try {
      const ep = await createEndpoint(w.db, h1, { name: 'down', url: hook.url });
      let t = NOW;
      await sendTestEvent(w.db, h1, { id: ep.id }, { now: t });
      let last = { delivered: 0, retrying: 0, failed: 0 };
      for (let i = 0; i < 60 && last.failed === 0; i++) {
        last = await dispatchWebhooks(w.db, { now: () => t });
        t += 3_600_000;
      }
      expect(last.failed).toBe(1);
      const d = (await rows<{ status: string; attempts: number; lastStatusCode: number }>(`SELECT status, attempts, last_status_code AS lastStatusCode FROM webhook_deliveries WHERE endpoint_id = ?`, ep.id))[0];
      // delays 1, 2, 4, 8, 16, 32 min then hourly (the loop steps an hour): attempts within 24 h
      expect(d).toEqual({ status: 'failed', attempts: hook.got.length, lastStatusCode: 503 });
      expect(hook.got.length).toBeGreaterThanOrEqual(24);
      expect(hook.got.length).toBeLessThanOrEqual(26);
      await disableWebhookEndpoint(w.db, h1, { id: ep.id });
    } finally {
      await hook.close();
    }
  });

  it('two dispatchers on two connections never send one delivery twice (leases)', async () => {
    const hook = await receiver([200], 50);
    const reopened = await reopenTestDb(w);
    const second: DB = reopened.db;
    try {
      const ep = await createEndpoint(w.db, h1, { name: 'lease', url: hook.url });
      for (let i = 0; i < 6; i++) await sendTestEvent(w.db, h1, { id: ep.id }, { now: NOW + i });
      const clock = () => NOW + 10;
      const [a, b] = await Promise.all([dispatchWebhooks(w.db, { now: clock, owner: 'A', limit: 4 }), dispatchWebhooks(second, { now: clock, owner: 'B', limit: 4 })]);
      const c = await dispatchWebhooks(second, { now: clock, owner: 'B', limit: 10 });
      expect(a.delivered + b.delivered + c.delivered).toBe(6);
      const ids = hook.got.map((g) => g.headers['labqc-delivery']);
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(6);
      await disableWebhookEndpoint(w.db, h1, { id: ep.id });
    } finally {
      await reopened.close();
      await hook.close();
    }
  });

  it('an expired certification produces its event once (periodic check), queued for the watchers', async () => {
    const ep = await createEndpoint(w.db, h1, { name: 'expiry', url: 'http://127.0.0.1:9/never' });
    await addWatch(w.db, h1, { lab: 'GZ-003' });
    await certify('GZ-003', 'NA', '2026-06-10');
    const before = (await rows<{ n: number }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?`, ep.id))[0].n;
    expect(await checkExpiries(w.db, NOW)).toBeGreaterThanOrEqual(1);
    expect(await checkExpiries(w.db, NOW + 3_600_000)).toBe(0);
    const made = (await rows<{ event: string; payload: string }>(`SELECT event, payload FROM webhook_deliveries WHERE endpoint_id = ?`, ep.id));
    expect(made.length - before).toBe(1);
    expect(JSON.parse(made.at(-1)!.payload)).toMatchObject({ event: 'certification.expired', lab: 'GZ-003', analyte: 'NA', status: 'expired', effectiveOn: '2026-06-11' });
    expect((await watchWorkspace(w.db, h1)).changes[0]).toMatchObject({ labCode: 'GZ-003', action: 'expire' });
    await disableWebhookEndpoint(w.db, h1, { id: ep.id });
  });
});

describe('recent changes query', () => {
  // SQLite's query plan (PostgreSQL plans by its own statistics)
  it.skipIf(testBackend === 'pg')('walks certification events newest first on certification_events_at_idx (no sort of every event)', async () => {
    const client = w.db.$client as unknown as { prepare: (s: string) => unknown };
    const orig = client.prepare.bind(client);
    let text = '';
    client.prepare = (q: string) => ((text = q.includes('certification_events') ? q : text), orig(q));
    try {
      await recentChangesForOwner(w.db, h1.userId, 50);
    } finally {
      client.prepare = orig;
    }
    const plan = (await rows<{ detail: string }>(`EXPLAIN QUERY PLAN ${text}`, 'suspend', 'revoke', 'expire', 'reinstate', h1.userId, 50)).map((r) => r.detail);
    expect(plan[0]).toBe('SCAN certification_events USING INDEX certification_events_at_idx');
    expect(plan.some((d) => d.includes('TEMP B-TREE'))).toBe(false);
  });
});

describe('webhook endpoints outside the private network only (SSRF)', () => {
  it('refuses loopback, private, link-local (metadata) and unique-local targets, credentials and non-http URLs (422, reason code, zh/en text)', async () => {
    delete process.env.WEBHOOK_ALLOW_PRIVATE;
    const code = async (url: string, resolve?: (h: string) => Promise<string[]>) => {
      const e = await appErrorAsync(() => createEndpoint(w.db, h1, { name: 'x', url }, { resolve }));
      expect(e.status).toBe(422);
      return e.errors[0];
    };
    expect(await code('http://127.0.0.1:8080/hook')).toMatchObject({ field: 'url', code: 'webhook.urlPrivate', params: { kind: 'loopback' } });
    expect((await code('http://169.254.169.254/latest/meta-data/')).params).toMatchObject({ kind: 'linkLocal' });
    expect((await code('http://[fd00::1]/hook')).params).toMatchObject({ kind: 'uniqueLocal' });
    expect((await code('http://[::ffff:10.0.0.8]/hook')).params).toMatchObject({ kind: 'private' });
    expect((await code('http://0.0.0.0/hook')).params).toMatchObject({ kind: 'unspecified' });
    expect((await code('http://localhost:3000/hook')).params).toMatchObject({ kind: 'loopback' });
    // a name is resolved: one private address among public ones is enough to refuse
    const e = await code('https://his.example.org/hook', async () => ['203.0.113.7', '192.168.1.20']);
    expect(e).toMatchObject({ code: 'webhook.urlPrivate', params: { host: 'his.example.org', kind: 'private' } });
    // the address a name resolves to is not told (a form would answer what internal names resolve to)
    expect(e.params).not.toHaveProperty('address');
    expect(e.message).toBe('The endpoint his.example.org is at an address of a private or internal network (private); only public addresses are allowed');
    expect(e.message).not.toContain('192.168');
    expect((await code('https://nowhere.example.org/hook', async () => { throw new Error('ENOTFOUND'); })).code).toBe('webhook.urlUnresolved');
    expect((await code('https://user:pw@his.example.org/hook')).code).toBe('webhook.urlCredentials');
    expect((await code('file:///etc/passwd')).code).toBe('webhook.urlInvalid');
    expect((await webhookWorkspace(w.db, h1)).endpoints.filter((x) => x.name === 'x')).toEqual([]);
    // a public name is accepted
    const ok = await createEndpoint(w.db, h1, { name: 'public', url: 'https://his.example.org/hook' }, { resolve: async () => ['203.0.113.7'] });
    expect(ok.secret).toMatch(/^whsec_/);
    await disableWebhookEndpoint(w.db, h1, { id: ok.id });
  });

  it('a deactivated account is sent nothing: no delivery is queued for its endpoints, and one queued before is not sent', async () => {
    const allowed = process.env.WEBHOOK_ALLOW_PRIVATE;
    process.env.WEBHOOK_ALLOW_PRIVATE = '1';
    const hook = await receiver([200, 200]);
    try {
      const made = (await createUser(w.db, w.admin, { email: 'hospital3@demo.labqc', name: '第三医院', role: 'hospital', password: 'Zq8#third-hospital-2026' })) as { id: number };
      const h3 = (await actorForUserId(w.db, made.id))!;
      await addWatch(w.db, h3, { lab: 'GZ-005' });
      const ep = await createEndpoint(w.db, h3, { name: 'HIS', url: hook.url });
      await certify('GZ-005', 'K');
      await sendTestEvent(w.db, h3, { id: ep.id }, { now: NOW });
      await setUserActive(w.db, w.admin, { id: made.id, active: false, reason: 'the hospital left the platform' });
      await decide(w.db, w.regulators.gd, { labId: await labId(w.db, 'GZ-005'), analyteId: await analyteId(w.db, 'K'), action: 'suspend', reason: 'EQA failed twice' }, { now: NOW });
      const deliveries = async () => await rows<{ event: string }>(`SELECT event FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id`, ep.id);
      expect((await deliveries()).map((d) => d.event)).toEqual(['test']);
      await dispatchWebhooks(w.db, { now: () => NOW + 1_000, limit: 100 });
      expect(hook.got).toHaveLength(0);
      const [attempt] = await rows<{ error: string | null }>(`SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ?`, ep.id);
      expect(attempt.error).toBe('account deactivated');
    } finally {
      if (allowed === undefined) delete process.env.WEBHOOK_ALLOW_PRIVATE;
      else process.env.WEBHOOK_ALLOW_PRIVATE = allowed;
      await hook.close();
    }
  });

  it('checks again at each send, in the connection itself: a name that now resolves to a private address is not contacted', async () => {
    delete process.env.WEBHOOK_ALLOW_PRIVATE;
    const hook = await receiver([200]);
    try {
      const port = new URL(hook.url).port;
      const ep = await createEndpoint(w.db, h1, { name: 'rebind', url: `http://his.example.org:${port}/hook` }, { resolve: async () => ['203.0.113.7'] });
      await sendTestEvent(w.db, h1, { id: ep.id }, { now: NOW });
      // DNS rebinding: the name answers a public address once and the server's own loopback after
      // that. A check and a connection resolving apart would pass the first answer and connect to the
      // second; the send resolves once, in its socket's lookup, and connects only to what it checked.
      const answers = [['203.0.113.7'], ['127.0.0.1']];
      const asked: string[] = [];
      const rebinding = async (host: string) => (asked.push(host), answers[Math.min(asked.length - 1, answers.length - 1)]);
      const attempts = async () => await rows<{ error: string | null; status_code: number | null }>(`SELECT a.error, a.status_code FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ? ORDER BY a.id`, ep.id);
      await dispatchWebhooks(w.db, { now: () => NOW + 1_000, resolve: rebinding, timeoutMs: 500, limit: 100 });
      expect(asked).toEqual(['his.example.org']);
      expect(hook.got).toHaveLength(0);
      // the public address (TEST-NET-3, routed nowhere): no answer in time, or no route to it
      expect((await attempts())[0].error).toMatch(/^timeout after 500 ms$|203\.0\.113\.7/);
      // the next attempt meets the loopback answer: refused, still one lookup for the send
      await dispatchWebhooks(w.db, { now: () => NOW + 1_000 + retryDelayMs(1) + 1_000, resolve: rebinding, timeoutMs: 500, limit: 100 });
      expect(asked).toEqual(['his.example.org', 'his.example.org']);
      expect(hook.got).toHaveLength(0);
      expect((await attempts())[1]).toEqual({ error: 'refused: his.example.org is not at a public address (loopback)', status_code: null });
      await disableWebhookEndpoint(w.db, h1, { id: ep.id });
    } finally {
      await hook.close();
    }
  });

  it("a test event's effectiveOn is the China day of its sending, as every real event's", async () => {
    process.env.WEBHOOK_ALLOW_PRIVATE = '1';
    const ep = await createEndpoint(w.db, h1, { name: 'day', url: 'http://127.0.0.1:9/hook' }, { resolve: async () => ['127.0.0.1'] });
    const at = Date.UTC(2026, 5, 1, 20, 0); // 04:00 on 2 June in China
    await sendTestEvent(w.db, h1, { id: ep.id }, { now: at });
    const [d] = await rows<{ payload: string }>('SELECT payload FROM webhook_deliveries WHERE endpoint_id = ?', ep.id);
    expect(JSON.parse(d.payload)).toMatchObject({ event: 'test', effectiveOn: '2026-06-02' });
    await sqlRun(w.db, 'DELETE FROM webhook_deliveries WHERE endpoint_id = ?', ep.id); // not for the next test's dispatch
  });

  it('connects to the address its check resolved, not to one the system resolves again', async () => {
    // receiver.invalid resolves nowhere but through this resolver (RFC 6761 §6.4), so a delivery
    // that reaches the receiver went to the checked address; private allowed here for the loopback
    process.env.WEBHOOK_ALLOW_PRIVATE = '1';
    const hook = await receiver([204]);
    try {
      const url = `http://receiver.invalid:${new URL(hook.url).port}/hook`;
      const asked: string[] = [];
      const resolve = async (host: string) => (asked.push(host), ['127.0.0.1']);
      const ep = await createEndpoint(w.db, h1, { name: 'pinned', url }, { resolve });
      await sendTestEvent(w.db, h1, { id: ep.id }, { now: NOW });
      expect(await dispatchWebhooks(w.db, { now: () => NOW + 1_000, resolve, limit: 100 })).toEqual({ delivered: 1, retrying: 0, failed: 0 });
      expect(asked).toEqual(['receiver.invalid']); // at the send: the creation's own check passed without DNS (private allowed)
      expect(hook.got).toHaveLength(1);
      expect(hook.got[0].headers.host).toBe(`receiver.invalid:${new URL(hook.url).port}`);
      expect(JSON.parse(hook.got[0].body)).toMatchObject({ event: 'test', test: true });
      // and the system resolver alone does not know the name: the same send without it fails
      await sendTestEvent(w.db, h1, { id: ep.id }, { now: NOW + 2_000 });
      expect(await dispatchWebhooks(w.db, { now: () => NOW + 3_000, limit: 100 })).toEqual({ delivered: 0, retrying: 1, failed: 0 });
      expect(hook.got).toHaveLength(1);
      const last = await rows<{ error: string | null }>(`SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ? ORDER BY a.id DESC LIMIT 1`, ep.id);
      expect(last[0].error).toBe('refused: webhook.urlUnresolved');
      await disableWebhookEndpoint(w.db, h1, { id: ep.id });
    } finally {
      delete process.env.WEBHOOK_ALLOW_PRIVATE;
      await hook.close();
    }
  });
});

describe('refusals between accounts', () => {
  it("a hospital cannot see or change another hospital's map, tokens, watch list or endpoints", async () => {
    const mapping = (await localCodeWorkspace(w.db, h1)).mappings[0];
    expect((await localCodeWorkspace(w.db, h2)).mappings).toEqual([]);
    // its own misses only (HB-A1C: its token asked for h1's code, recorded by the job worker)
    expect((await localCodeWorkspace(w.db, h2)).unmapped.map((u) => u.localCode)).toEqual(['HB-A1C', 'OTHER']);
    expect((await appError(async () => await deleteLocalCodeMapping(w.db, h2, { id: mapping.id, reason: 'mine now' }))).reason).toBe('localCode.notFound');
    const watch = (await watchWorkspace(w.db, h1)).watches[0];
    expect((await watchWorkspace(w.db, h2)).watches.map((x) => x.regionCode)).toEqual(['440000']);
    expect((await appError(async () => await removeWatch(w.db, h2, { id: watch.id }))).reason).toBe('watch.notFound');
    const ep = (await webhookWorkspace(w.db, h1)).endpoints[0];
    expect((await webhookWorkspace(w.db, h2)).endpoints).toEqual([]);
    expect((await appError(async () => await sendTestEvent(w.db, h2, { id: ep.id }))).reason).toBe('webhook.notFound');
    expect((await appError(async () => await disableWebhookEndpoint(w.db, h2, { id: ep.id }))).reason).toBe('webhook.notFound');
    expect((await webhookWorkspace(w.db, h2)).deliveries).toEqual([]);
  });

  it('a lab manager has no hospital workspace; a token cannot change one; duplicates and unknown labs are refused', async () => {
    const manager = w.labManagers.get('GZ-001')!;
    expect((await appError(async () => await importLocalCodes(w.db, manager, { text: 'local_code,analyte\nA,K' }))).reason).toBe('hospital.accountOnly');
    expect((await appError(async () => await addWatch(w.db, manager, { lab: 'GZ-001' }))).reason).toBe('hospital.accountOnly');
    expect((await appError(async () => await createHospitalToken(w.db, manager, { name: 'x' }))).reason).toBe('hospital.accountOnly');
    expect((await appError(async () => await setLocalCode(w.db, { ...h1, via: 'token' }, { localCode: 'A', analyte: 'K' }))).reason).toBe('hospital.viaToken');
    expect((await appError(async () => await addWatch(w.db, h1, { lab: 'GZ-002' }))).reason).toBe('watch.exists');
    expect((await appError(async () => await addWatch(w.db, h1, { lab: 'NOPE-1' }))).reason).toBe('watch.labNotFound');
    // a lab and a region at once: refused, neither added (one was kept and the other dropped unsaid)
    const before = (await watchWorkspace(w.db, h1)).watches.length;
    expect((await appError(async () => await addWatch(w.db, h1, { lab: 'GZ-003', region: '440100' }))).reason).toBe('watch.oneTarget');
    expect((await watchWorkspace(w.db, h1)).watches.length).toBe(before);
    expect((await appErrorAsync(() => createEndpoint(w.db, h1, { name: 'x', url: 'ftp://example.org' }))).errors[0].code).toBe('webhook.urlInvalid');
    // a regulator keeps a map for its platform, but has no watch list
    expect((await importLocalCodes(w.db, w.regulators.gd, { text: 'local_code,analyte\nGD-K,K' })).counts.new).toBe(1);
    expect((await appError(async () => await addWatch(w.db, w.regulators.gd, { lab: 'GZ-001' }))).reason).toBe('hospital.accountOnly');
  });
});
