// Issue 14, the Citus-ready keys on a SQLite database deployed before them (migrations 0024, 0025):
// qc_targets gains its lab_id (the Citus distribution column): the table is rebuilt with each
// target's lab back-filled from its control lot, ids and the AUTOINCREMENT sequence kept, iqc_results
// still pointing at them, and a target without a lab refused afterwards; the certificate numbers
// issued so far fill the register that keeps them unique across labs, and new ones are added to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { openDatabase, type DB } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { seedBase } from '@/db/seed/base';
import { insertCertification } from '@/db/queries/recognition';

let dir: string;
let db: DB;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-mig-'));
  // the committed migrations before 0024, as a database deployed before this change has them
  const old = path.join(dir, 'migrations');
  fs.mkdirSync(path.join(old, 'meta'), { recursive: true });
  const journal = JSON.parse(fs.readFileSync('db/migrations/meta/_journal.json', 'utf8')) as { entries: { idx: number; tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.idx < 24);
  for (const e of journal.entries) fs.copyFileSync(`db/migrations/${e.tag}.sql`, path.join(old, `${e.tag}.sql`));
  fs.writeFileSync(path.join(old, 'meta/_journal.json'), JSON.stringify(journal));
  db = openDatabase(path.join(dir, 'old.sqlite'));
  migrate(db, { migrationsFolder: old });
  await seedBase(db);
});

afterAll(() => {
  db?.$client.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations 0024 and 0025 on a database with targets and certifications', () => {
  it('back-fills each target’s lab from its control lot and keeps ids, the sequence and the results’ references', async () => {
    const c = db.$client;
    const labs = c.prepare('SELECT id FROM laboratories ORDER BY id LIMIT 2').all() as { id: number }[];
    const analyte = (c.prepare('SELECT id FROM analytes ORDER BY id LIMIT 1').get() as { id: number }).id;
    for (const [i, lab] of labs.entries()) {
      const lot = c.prepare("INSERT INTO control_lots (lab_id, analyte_id, level, lot_number, created_at) VALUES (?, ?, 'L1', ?, 1) RETURNING id").get(lab.id, analyte, `LOT${i}`) as { id: number };
      for (const version of [1, 2]) {
        const target = c.prepare("INSERT INTO qc_targets (control_lot_id, version, mean, sd, source, effective_from, created_at) VALUES (?, ?, 5, 1, 'manufacturer', 1, 1) RETURNING id").get(lot.id, version) as { id: number };
        const run = c.prepare("INSERT INTO iqc_runs (lab_id, analyte_id, measured_at, status, rules, evaluated_at, source, created_at) VALUES (?, ?, ?, 'accepted', '[]', 1, 'csv', 1) RETURNING id").get(lab.id, analyte, 100 + version) as { id: number };
        c.prepare("INSERT INTO iqc_results (run_id, lab_id, analyte_id, control_lot_id, level, value, measured_at, target_id, created_at) VALUES (?, ?, ?, ?, 'L1', 5, ?, ?, 1)").run(run.id, lab.id, analyte, lot.id, 100 + version, target.id);
      }
    }
    // the newest target is gone (a rolled-back insert): its id is not handed out again
    c.prepare('DELETE FROM iqc_results WHERE target_id = (SELECT max(id) FROM qc_targets)').run();
    c.prepare('DELETE FROM qc_targets WHERE id = (SELECT max(id) FROM qc_targets)').run();
    const region = (c.prepare('SELECT id FROM regions ORDER BY id LIMIT 1').get() as { id: number }).id;
    c.prepare(
      "INSERT INTO certifications (lab_id, analyte_id, scope_region_id, scope, mark, certificate_no, status, valid_from, valid_to, created_at, updated_at) VALUES (?, ?, ?, '广东省', '广东HR', 'HR-440000-2026-000001', 'active', '2026-01-01', '2026-12-31', 1, 1)",
    ).run(labs[1].id, analyte, region);

    await runMigrations(db);

    expect(c.prepare('SELECT t.id, t.lab_id AS lab, l.lab_id AS lotLab FROM qc_targets t JOIN control_lots l ON l.id = t.control_lot_id ORDER BY t.id').all()).toEqual([
      { id: 1, lab: labs[0].id, lotLab: labs[0].id },
      { id: 2, lab: labs[0].id, lotLab: labs[0].id },
      { id: 3, lab: labs[1].id, lotLab: labs[1].id },
    ]);
    expect(c.prepare('SELECT count(*) AS n FROM iqc_results r JOIN qc_targets t ON t.id = r.target_id').get()).toEqual({ n: 3 });
    expect(c.pragma('foreign_key_check')).toEqual([]);
    expect(c.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(c.prepare('SELECT name FROM sqlite_master WHERE tbl_name = ? ORDER BY name').all('qc_targets')).toEqual([{ name: 'qc_targets' }, { name: 'qc_targets_effective_idx' }, { name: 'qc_targets_uq' }]);

    const insert = (lab: number | null) => c.prepare("INSERT INTO qc_targets (lab_id, control_lot_id, version, mean, sd, source, effective_from, created_at) VALUES (?, 1, 9, 5, 1, 'manufacturer', 1, 1) RETURNING id").get(lab) as { id: number };
    expect(() => insert(null)).toThrow(/NOT NULL constraint failed: qc_targets.lab_id/);
    expect(insert(labs[0].id).id).toBe(5);

    expect(c.prepare('SELECT certificate_no AS no, lab_id AS lab, certification_id AS cert FROM certificate_numbers').all()).toEqual([{ no: 'HR-440000-2026-000001', lab: labs[1].id, cert: 1 }]);
    const cert = await insertCertification(db, { labId: labs[0].id, analyteId: analyte, scopeRegionId: region, scope: '广东省', mark: '广东HR', certificateNo: 'HR-440000-2026-000002', status: 'active', validFrom: '2026-01-01', validTo: '2026-12-31', createdAt: 2, updatedAt: 2 });
    expect(c.prepare('SELECT lab_id AS lab, certification_id AS cert FROM certificate_numbers WHERE certificate_no = ?').get('HR-440000-2026-000002')).toEqual({ lab: labs[0].id, cert: cert.id });
  });
});
