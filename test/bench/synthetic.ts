// National-scale synthetic data for benchmarks: provinces, cities and laboratories in the shape of
// China's (31 provinces, ~10 cities each), the real analyte catalogue, and accounts on demand.
// Written with bulk inserts in one transaction; benchmarks then exercise the real services on it.
// On PostgreSQL (DATABASE_URL=postgres://…, as `npm run bench -- --db postgres` runs a part) the world
// goes into that database, migrated here; otherwise into a new SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseUrl, openDatabase, type DB } from '@/db/client';
import { BACKEND } from '@/db/backend';
import { runMigrations } from '@/db/migrate';
import { analytes, laboratories, regions, users } from '@/db/schema';
import { parseQualitySpecs } from '@/lib/catalogue/quality-specs';
import { qualitySpecsCsv } from '@/db/seed/base';
import { hashPassword } from '@/lib/auth/passwords';
import { actorForUserId } from '@/lib/auth/resolve';
import type { Actor } from '@/lib/auth/core';
import { LAB_LEVELS } from '@/db/enums';
import { withTx } from '@/db/tx';

export interface SyntheticWorld {
  db: DB;
  /** the SQLite file, or on PostgreSQL the database's URL */
  file: string;
  labIds: number[];
  analyteIds: Map<string, number>;
  /** a lab-manager actor for a lab (created on first use) */
  labManager(labId: number): Promise<Actor>;
  /** a regulator of the whole nation */
  regulator: Actor;
  /** SQLite: closes and removes the file; PostgreSQL: ends the pool (the caller drops the database) */
  close(): Promise<void>;
}

/** An empty migrated database: the PostgreSQL one at DATABASE_URL, or a new SQLite file. */
async function openWorldDb(): Promise<{ db: DB; file: string; close: () => Promise<void> }> {
  if (BACKEND === 'pg') {
    const { openPostgres } = await import('@/db/pg/client');
    const { runPgMigrations } = await import('@/db/pg/migrate');
    const url = databaseUrl();
    const pgdb = openPostgres(url, { max: 4 });
    await runPgMigrations(pgdb);
    return { db: pgdb as unknown as DB, file: url, close: () => pgdb.$client.end() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-bench-'));
  const file = path.join(dir, 'bench.sqlite');
  const db = openDatabase(file);
  await runMigrations(db);
  return {
    db,
    file,
    close: async () => {
      db.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function createSyntheticWorld(opts: { labs: number; citiesPerProvince?: number }): Promise<SyntheticWorld> {
  const { db, file, close } = await openWorldDb();
  const now = Date.now();
  const cityIds: number[] = [];
  const labIds: number[] = [];
  const hash = hashPassword('bench-password');
  let regulatorId = 0;
  await withTx(db, async (tx) => {
    const nation = (await tx.insert(regions).values({ code: '100000', name: '全国', nameEn: 'National', level: 'national', path: '/100000/', createdAt: now, updatedAt: now }).returning())[0];
    for (let p = 0; p < 31; p++) {
      const pcode = String(110000 + p * 10000);
      const prov = (await tx
        .insert(regions)
        .values({ code: pcode, name: `省${p + 1}`, nameEn: `Province ${p + 1}`, level: 'province', parentId: nation.id, path: `/100000/${pcode}/`, createdAt: now, updatedAt: now })
        .returning())[0];
      for (let c = 0; c < (opts.citiesPerProvince ?? 10); c++) {
        const ccode = String(Number(pcode) + (c + 1) * 100);
        const city = (await tx
          .insert(regions)
          .values({ code: ccode, name: `市${ccode}`, nameEn: `City ${ccode}`, level: 'city', parentId: prov.id, path: `${prov.path}${ccode}/`, createdAt: now, updatedAt: now })
          .returning({ id: regions.id }))[0];
        cityIds.push(city.id);
      }
    }
    const rows = Array.from({ length: opts.labs }, (_, i) => ({
      code: `L${String(i + 1).padStart(6, '0')}`,
      name: `实验室 ${i + 1}`,
      level: LAB_LEVELS[i % 3],
      regionId: cityIds[i % cityIds.length],
      createdAt: now,
      updatedAt: now,
    }));
    for (let i = 0; i < rows.length; i += 500) {
      for (const r of await tx.insert(laboratories).values(rows.slice(i, i + 500)).returning({ id: laboratories.id })) labIds.push(r.id);
    }
    for (const a of parseQualitySpecs(qualitySpecsCsv())) await tx.insert(analytes).values({ ...a, createdAt: now, updatedAt: now });
    regulatorId = (await tx
      .insert(users)
      .values({ email: 'bench.regulator@bench', name: 'Bench regulator', role: 'regulator', passwordHash: hash, regionId: nation.id, createdAt: now, updatedAt: now })
      .returning({ id: users.id }))[0].id;
  });
  const analyteIds = new Map((await db.select({ id: analytes.id, code: analytes.code }).from(analytes)).map((a) => [a.code, a.id]));
  const managers = new Map<number, Actor>();
  return {
    db,
    file,
    labIds,
    analyteIds,
    regulator: (await actorForUserId(db, regulatorId))!,
    async labManager(labId: number) {
      let a = managers.get(labId);
      if (!a) {
        const id = (await db
          .insert(users)
          .values({ email: `manager.${labId}@bench`, name: `Manager ${labId}`, role: 'lab_manager', passwordHash: hash, labId, createdAt: now, updatedAt: now })
          .returning({ id: users.id }))[0].id;
        a = (await actorForUserId(db, id))!;
        managers.set(labId, a);
      }
      return a;
    },
    close,
  };
}
