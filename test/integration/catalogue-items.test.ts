// The grown catalogue in a database: GET /api/v1/analytes (public), the db:migrate step that adds
// missing items to an existing installation without touching its rows, and the admin creating and
// editing items of every kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createSeededTestDb, createTestDb, useAsProcessDb } from '../support/db';
import { analytes, controlLots } from '@/db/schema';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { findLabByCode } from '@/db/queries/labs';
import { publicApi, SHORT_CACHE } from '@/lib/public-api';
import { publicApiRoute } from '@/lib/http';
import { addMissingCatalogueItems, createAnalyte, importCatalogue, updateAnalyte } from '@/lib/services/catalogue';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { listAudit } from '@/db/queries/audit';
import { listEntityVersions } from '@/db/queries/versions';
import { fullCatalogue } from '@/lib/catalogue/items';
import { catalogueAnalytesPage } from '@/lib/services/read/catalogue';
import { parseQualitySpecs } from '@/lib/catalogue/quality-specs';
import { qualitySpecsCsv } from '@/db/seed/base';
import { AppError } from '@/lib/errors';

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
beforeAll(async () => {
  t = await createSeededTestDb();
  await useAsProcessDb(t);
});
afterAll(async () => {
  await t.close();
});

type Item = { code: string; nameZh: string; nameEn: string; kind: string; unit?: string; categories?: string[]; loinc?: string };
const list = async () => (await publicApi('/api/v1/analytes', new URLSearchParams()))!;

describe('GET /api/v1/analytes', () => {
  it('lists every active item with the contract fields, without a session', async () => {
    const answer = await list();
    expect(answer.status).toBe(200);
    const items = answer.body as Item[];
    expect(items.length).toBe(fullCatalogue(qualitySpecsCsv()).length);
    for (const i of items) expect(Object.keys(i).every((k) => ['code', 'nameZh', 'nameEn', 'kind', 'unit', 'categories', 'loinc'].includes(k)), i.code).toBe(true);
    // the route handler answers the same, as JSON, to a request without a cookie
    const res = await publicApiRoute(new Request('http://localhost/api/v1/analytes'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(items);
    // cached like the other public GETs that may change today (lib/public-api.ts), with an ETag
    expect(res.headers.get('cache-control')).toBe(SHORT_CACHE);
    const again = await publicApiRoute(new Request('http://localhost/api/v1/analytes', { headers: { 'if-none-match': res.headers.get('etag')! } }));
    expect(again.status).toBe(304);
  });

  it('gives a quantitative item its unit and LOINC, and categorical items their category codes lowest first', async () => {
    const items = new Map(((await list()).body as Item[]).map((i) => [i.code, i]));
    // quality-specs.csv row: Potassium,钾,mmol/L,2823-3
    expect(items.get('K')).toEqual({ code: 'K', nameZh: '钾', nameEn: 'Potassium', kind: 'quantitative', unit: 'mmol/L', loinc: '2823-3' });
    expect(items.get('HBSAG')).toEqual({ code: 'HBSAG', nameZh: '乙型肝炎病毒表面抗原', nameEn: 'Hepatitis B virus surface antigen (HBsAg)', kind: 'qualitative', categories: ['negative', 'positive'], loinc: '5196-1' });
    expect(items.get('U_PRO')).toMatchObject({ kind: 'ordinal', categories: ['negative', 'trace', '1+', '2+', '3+', '4+'] });
    expect(items.get('ABO_REV')).toEqual({ code: 'ABO_REV', nameZh: 'ABO血型反定型', nameEn: 'ABO group (reverse typing)', kind: 'nominal', categories: ['A', 'B', 'AB', 'O'] });
    expect(items.get('RHD')).toMatchObject({ kind: 'nominal', categories: ['negative', 'positive'] });
    expect(items.get('HBSAG')).not.toHaveProperty('unit');
    expect(items.get('K')).not.toHaveProperty('categories');
  });

  it('leaves out an inactive item', async () => {
    await t.db.update(analytes).set({ active: false }).where(eq(analytes.code, 'HFABP'));
    const codes = ((await list()).body as Item[]).map((i) => i.code);
    expect(codes).not.toContain('HFABP');
    expect(codes).toContain('K');
    await t.db.update(analytes).set({ active: true }).where(eq(analytes.code, 'HFABP'));
  });
});

describe('adding missing catalogue items (npm run db:migrate)', () => {
  it('adds only the codes an installation lacks, keeps its rows as they were, audits once and is idempotent', async () => {
    const old = await createTestDb();
    try {
      const admin = { userId: 0, email: 'x', name: 'x', role: 'admin', labId: null, labCode: null, regionId: null, regionCode: null, regionPath: null, via: 'session' } as const;
      // an installation made before issue 12: the 83 analytes of quality-specs.csv, K edited since
      await importCatalogue(old.db, admin, parseQualitySpecs(qualitySpecsCsv()), 'before issue 12');
      await old.db.update(analytes).set({ teaPercent: 5, notes: 'local edit' }).where(eq(analytes.code, 'K'));
      const kBefore = (await findAnalyteByCode(old.db, 'K'))!;

      const first = await addMissingCatalogueItems(old.db, fullCatalogue(qualitySpecsCsv()), 'system (db:migrate)', 1_800_000_000_000);
      expect(first.added.length).toBe(148);
      expect(first.added).toEqual(expect.arrayContaining(['HBSAG', 'U_SG', 'ABO_FWD', 'RHD', 'TT', 'MCV']));
      expect(first.added).not.toContain('K');
      expect(await findAnalyteByCode(old.db, 'K')).toEqual(kBefore);
      expect(await findAnalyteByCode(old.db, 'U_PH')).toMatchObject({ kind: 'ordinal', unit: '', teaPercent: null });
      expect((await findAnalyteByCode(old.db, 'U_PH'))!.categories!.map((c) => c.code)).toEqual(['5.0', '5.5', '6.0', '6.5', '7.0', '7.5', '8.0', '8.5', '9.0']);

      const audit = (await listAudit(old.db, {})).filter((a) => a.action === 'analyte.addMissing');
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actorEmail: 'system (db:migrate)' });
      expect((audit[0].details as { count: number }).count).toBe(148);

      // a second run finds nothing to add and writes no audit row
      expect((await addMissingCatalogueItems(old.db, fullCatalogue(qualitySpecsCsv()))).added).toEqual([]);
      expect((await listAudit(old.db, {})).filter((a) => a.action === 'analyte.addMissing')).toHaveLength(1);
    } finally {
      old.close();
    }
  });

  it('refuses a catalogue with an invalid row and adds nothing', async () => {
    const bad = [...fullCatalogue(qualitySpecsCsv())];
    const before = (await t.db.select().from(analytes)).length;
    bad.push({ ...bad.find((a) => a.code === 'HBSAG')!, code: 'NEWQUAL', categories: null });
    await expect(async () => await addMissingCatalogueItems(t.db, bad)).rejects.toThrow(AppError);
    expect((await t.db.select().from(analytes)).length).toBe(before);
  });
});

describe('the admin creates and edits items of every kind', () => {
  const base = { category: 'serology', nameZh: '测试项目', nameEn: 'Test item', teaSource: 'NCCL qualitative: agreement or >= 80 % consensus' };

  it('creates a qualitative item from the form\'s category lines', async () => {
    const a = await createAnalyte(t.db, t.admin, { ...base, code: 'TEST_QUAL', kind: 'qualitative', unit: '', categories: 'negative | 阴性 | Negative | neg, -\npositive | 阳性 | Positive | pos, +', signalUnit: 'S/CO', signalCutoff: '1.0' });
    expect(a).toMatchObject({ code: 'TEST_QUAL', kind: 'qualitative', signalUnit: 'S/CO', signalCutoff: 1, teaPercent: null });
    expect(a.categories).toEqual([
      { code: 'negative', nameZh: '阴性', nameEn: 'Negative', aliases: ['neg', '-'] },
      { code: 'positive', nameZh: '阳性', nameEn: 'Positive', aliases: ['pos', '+'] },
    ]);
  });

  it.each([
    ['one category only', { kind: 'qualitative', categories: 'negative' }, 'categories'],
    ['a quantitative item with categories', { kind: 'quantitative', unit: 'g/L', teaPercent: 10, categories: 'a\nb' }, 'categories'],
    ['a quantitative item without a unit', { kind: 'quantitative', teaPercent: 10 }, 'unit'],
    ['an unknown kind', { kind: 'semi', categories: 'a\nb' }, 'kind'],
    // a reading is matched to the first category naming it: "pos" would read a positive control as negative
    ['a name (code or alias) given to two categories', { kind: 'qualitative', categories: 'negative | 阴性 | Negative | neg, pos\npositive | 阳性 | Positive | pos, +' }, 'categories'],
    ['an alias that is another category\'s code', { kind: 'qualitative', categories: 'negative | 阴性 | Negative | Positive\npositive | 阳性 | Positive | +' }, 'categories'],
  ])('refuses %s (422 naming the field)', async (_what, over, field) => {
    try {
      await createAnalyte(t.db, t.admin, { ...base, code: 'TEST_BAD', unit: '', ...over });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(422);
      expect((e as AppError).errors.map((x) => x.field)).toContain(field);
    }
    expect(await findAnalyteByCode(t.db, 'TEST_BAD')).toBeUndefined();
  });

  it("refuses a LOINC code that is another item's (409): loinc:<code> names one item in verify and FHIR", async () => {
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    expect(k.loinc).toBeTruthy();
    const cl = (await findAnalyteByCode(t.db, 'CL'))!;
    const { id: _id, createdAt: _c, updatedAt: _u, active: _a, ...rest } = cl;
    await expect(updateAnalyte(t.db, t.admin, cl.id, { ...rest, loinc: k.loinc }, 'wrong code')).rejects.toMatchObject({ status: 409, reason: 'catalogue.loincUsed', errors: [{ field: 'loinc' }] });
    await expect(createAnalyte(t.db, t.admin, { ...base, code: 'TEST_LOINC', kind: 'qualitative', categories: 'n\np', loinc: k.loinc })).rejects.toMatchObject({ reason: 'catalogue.loincUsed' });
    expect((await findAnalyteByCode(t.db, 'CL'))!.loinc).toBe(cl.loinc);
    // its own LOINC again is no conflict
    await updateAnalyte(t.db, t.admin, k.id, { ...(({ id: _i, createdAt: _x, updatedAt: _y, active: _z, ...r }) => r)(k) }, 'unchanged LOINC');
  });

  it('refuses a code in use (409) and a non-admin (403)', async () => {
    await expect(async () => await createAnalyte(t.db, t.admin, { ...base, code: 'HBSAG', kind: 'qualitative', categories: 'n\np' })).rejects.toThrow(expect.objectContaining({ status: 409 }));
    await expect(async () => await createAnalyte(t.db, t.regulators.gd, { ...base, code: 'TEST_REG', kind: 'qualitative', categories: 'n\np' })).rejects.toThrow(expect.objectContaining({ status: 403 }));
  });

  it('turns an ordinal item into a titre with a reason; the previous categories are kept in its history', async () => {
    const a = (await findAnalyteByCode(t.db, 'ANTI_A_TITRE'))!;
    const { id, createdAt: _c, updatedAt: _u, active: _a, ...rest } = a;
    const updated = await updateAnalyte(t.db, t.admin, id, { ...rest, categories: ['1:1', ...a.categories!.map((c) => c.code)].join('\n') }, 'titres from 1:1');
    expect(updated.categories!.map((c) => c.code).slice(0, 3)).toEqual(['1:1', '1:2', '1:4']);
    const previous = (await listEntityVersions(t.db, 'analyte', id))[0];
    expect(previous.reason).toBe('titres from 1:1');
    expect((previous.data as { categories: { code: string }[] }).categories[0].code).toBe('1:2');
  });
});

describe('the administrator\'s catalogue list (paged in SQL)', () => {
  const page = (over: Partial<{ q: string; page: number; size: number; sort: 'category' | 'code' | 'name'; dir: 'asc' | 'desc' }> = {}) => ({ page: 1, size: 50, sort: 'code' as const, dir: 'asc' as const, q: '', ...over });

  it('filters by group and kind, counts every group, and pages', async () => {
    const all = await catalogueAnalytesPage(t.db, {}, page({ size: 100 }));
    expect(all.rows).toHaveLength(100);
    expect(all.total).toBeGreaterThanOrEqual(fullCatalogue(qualitySpecsCsv()).length);
    // items.csv: ABO_FWD, ABO_REV, RHD are the nominal items
    const nominal = await catalogueAnalytesPage(t.db, { kind: 'nominal' }, page());
    expect(nominal.rows.map((r) => r.code)).toEqual(['ABO_FWD', 'ABO_REV', 'RHD']);
    const blood = await catalogueAnalytesPage(t.db, { category: 'blood_group' }, page());
    expect(blood.total).toBe(blood.groups.get('blood_group'));
    expect(blood.rows.every((r) => r.category === 'blood_group')).toBe(true);
    // quality-specs.csv: 5 haematology rows; items.csv adds MCV, MCH, MCHC, RDW_CV, MPV, RETIC_PCT, ESR
    expect(all.groups.get('haematology')).toBe(12);
    const second = await catalogueAnalytesPage(t.db, {}, page({ size: 100, page: 2 }));
    expect(second.rows[0].code > all.rows[99].code).toBe(true);
  });

  it('finds an item by code, Chinese or English name, or LOINC', async () => {
    for (const q of ['HBSAG', '表面抗原', 'surface antigen', '5196-1']) {
      expect((await catalogueAnalytesPage(t.db, {}, page({ q }))).rows.map((r) => r.code), q).toContain('HBSAG');
    }
  });
});

describe('an item that stored data use keeps its kind and its category codes', () => {
  const editable = (a: NonNullable<Awaited<ReturnType<typeof findAnalyteByCode>>>) => (({ id: _i, createdAt: _c, updatedAt: _u, active: _a, ...r }) => r)(a);
  const versions = async (id: number) => (await listEntityVersions(t.db, 'analyte', id)).length;
  // a valid categorical item in every other respect: only the kind change is refused
  const categorical = (kind: string, categories: string) => ({ kind, categories, unit: '', teaPercent: null, teaAbsolute: null, teaAbsoluteAtOrBelow: null, teaForm: null, allowableCvPercent: null, allowableBiasPercent: null });

  it('K with a control lot: made qualitative is refused (409 catalogue.kindInUse on kind), nothing written; its other fields still change', async () => {
    await setManufacturerTarget(t.db, t.labManagers.get('GZ-001')!, { analyte: 'K', level: '1', lot: 'K-KIND', mean: 4, sd: 0.1, effectiveFrom: '2026-11-01T00:00:00+08:00' }, Date.UTC(2026, 10, 20));
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    const before = await versions(k.id);
    await expect(updateAnalyte(t.db, t.admin, k.id, { ...editable(k), ...categorical('qualitative', 'negative\npositive') }, 'make it qualitative')).rejects.toMatchObject({
      status: 409,
      reason: 'catalogue.kindInUse',
      errors: [{ field: 'kind' }],
    });
    expect(await findAnalyteByCode(t.db, 'K')).toEqual(k);
    expect(await versions(k.id)).toBe(before);
    const renamed = await updateAnalyte(t.db, t.admin, k.id, { ...editable(k), nameEn: 'Potassium (serum)' }, 'clearer name');
    expect(renamed).toMatchObject({ kind: 'quantitative', nameEn: 'Potassium (serum)' });
  });

  it('the catalogue import refuses it too, by line, and writes none of its rows', async () => {
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    const cl = (await findAnalyteByCode(t.db, 'CL'))!;
    await expect(importCatalogue(t.db, t.admin, [{ ...editable(cl), nameEn: 'Chloride (changed)' }, { ...editable(k), ...categorical('nominal', 'a\nb') }])).rejects.toMatchObject({
      reason: 'catalogue.kindInUse',
      errors: [{ field: 'kind', row: 2 }],
    });
    expect((await findAnalyteByCode(t.db, 'CL'))!.nameEn).toBe(cl.nameEn);
  });

  it('an ordinal item with a lot: its categories keep their codes and order; names and aliases change, a category goes after the last', async () => {
    const u = (await findAnalyteByCode(t.db, 'U_PRO'))!;
    const lab = (await findLabByCode(t.db, 'GZ-001'))!.lab;
    await t.db.insert(controlLots).values({ labId: lab.id, analyteId: u.id, level: 'N', lotNumber: 'UP-1', instrument: '', expectedCategory: 'negative', expectedFrom: 0, createdAt: Date.now() });
    const codes = u.categories!.map((c) => c.code);
    const lines = (cats: typeof u.categories) => cats!.map((c) => [c.code, c.nameZh, c.nameEn, (c.aliases ?? []).join(', ')].join(' | ')).join('\n');
    for (const [what, categories] of [
      ['reordered', lines([u.categories![1], u.categories![0], ...u.categories!.slice(2)])],
      ['one removed', lines(u.categories!.slice(0, -1))],
      ['one inserted before the last', lines([...u.categories!.slice(0, -1), { code: '3.5+', nameZh: '3.5+', nameEn: '3.5+' }, u.categories!.at(-1)!])],
      ['a code respelled', lines([{ ...u.categories![0], code: 'neg' }, ...u.categories!.slice(1)])],
    ] as const) {
      await expect(updateAnalyte(t.db, t.admin, u.id, { ...editable(u), categories }, what), what).rejects.toMatchObject({ status: 409, reason: 'catalogue.categoriesInUse', errors: [{ field: 'categories' }] });
    }
    expect((await findAnalyteByCode(t.db, 'U_PRO'))!.categories!.map((c) => c.code)).toEqual(codes);
    const more = lines([{ ...u.categories![0], nameEn: 'Negative (none seen)', aliases: [...(u.categories![0].aliases ?? []), 'nil'] }, ...u.categories!.slice(1), { code: '5+', nameZh: '5+', nameEn: '5+' }]);
    const edited = await updateAnalyte(t.db, t.admin, u.id, { ...editable(u), categories: more }, 'a grade above 4+');
    expect(edited.categories!.map((c) => c.code)).toEqual([...codes, '5+']);
    expect(edited.categories![0]).toMatchObject({ nameEn: 'Negative (none seen)' });
  });

  it('a save that changes nothing writes no version; a reason takes 3 characters, as every other edit\'s', async () => {
    const cl = (await findAnalyteByCode(t.db, 'CL'))!;
    const before = await versions(cl.id);
    expect(await updateAnalyte(t.db, t.admin, cl.id, editable(cl), 'no change')).toEqual(cl);
    expect(await versions(cl.id)).toBe(before);
    await expect(updateAnalyte(t.db, t.admin, cl.id, { ...editable(cl), notes: 'checked' }, 'x')).rejects.toMatchObject({ status: 422, errors: [{ field: 'reason' }] });
    expect(await versions(cl.id)).toBe(before);
    await updateAnalyte(t.db, t.admin, cl.id, { ...editable(cl), notes: 'checked' }, 'yearly review');
    expect(await versions(cl.id)).toBe(before + 1);
  });

  it('an item no data use may still change its kind', async () => {
    const made = await createAnalyte(t.db, t.admin, { category: 'serology', nameZh: '测试项目', nameEn: 'Test item', teaSource: 'NCCL qualitative', code: 'TEST_KIND', kind: 'qualitative', categories: 'n\np' });
    const a = (await findAnalyteByCode(t.db, 'TEST_KIND'))!;
    expect(made.kind).toBe('qualitative');
    const changed = await updateAnalyte(t.db, t.admin, a.id, { ...editable(a), kind: 'nominal', categories: 'x\ny\nz' }, 'a nominal item after all');
    expect(changed).toMatchObject({ kind: 'nominal' });
  });
});
