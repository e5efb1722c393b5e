// Operating LabQC in public: database files readable by the owner only, decisions never back-dated,
// and (further down) bodies, origins, the first administrator, the audit chain and backups.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@/db/client';
import { createSeededTestDb } from '@/test/support/db';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { decide } from '@/lib/services/recognition/decisions';
import { AppError } from '@/lib/errors';
import { NOW, TODAY, addGoodEvidence, analyteId, labId } from './recognition-fixtures';

const refusal = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

const tmpDirs: string[] = [];
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-secops-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe('database files', () => {
  it('a new database, its WAL and its shared-memory file are readable by the owner only (0600)', () => {
    const file = path.join(tmpDir(), 'new.sqlite');
    const db = openDatabase(file);
    db.$client.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    expect([mode(file), mode(file + '-wal'), mode(file + '-shm')]).toEqual([0o600, 0o600, 0o600]);
    db.$client.close();
  });

  it('an existing world-readable database is narrowed to 0600 when opened', () => {
    const file = path.join(tmpDir(), 'old.sqlite');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    const db = openDatabase(file);
    db.$client.exec('CREATE TABLE t (x)');
    expect(mode(file)).toBe(0o600);
    db.$client.close();
  });
});

describe('decisions take effect today, never earlier', () => {
  let w: ReturnType<typeof createSeededTestDb>;
  let K: number;
  beforeAll(() => {
    w = createSeededTestDb();
    K = analyteId(w.db, 'K');
    createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K'], reason: 'list' }, { now: NOW });
    for (const code of ['GZ-001', 'GZ-002']) addGoodEvidence(w.db, labId(w.db, code), K);
    computeEligibility(w.db, { withinPath: null, now: NOW });
  });
  afterAll(() => w.close());

  it('refuses a back-dated approval with a field error on effectiveOn (422), writing nothing', () => {
    const e = refusal(() => decide(w.db, w.regulators.gd, { action: 'approve', labId: labId(w.db, 'GZ-001'), analyteId: K, reason: 'meets the policy', effectiveOn: '2026-06-14' }, { now: NOW }));
    expect([e.status, e.errors.map((x) => x.field)]).toEqual([422, ['effectiveOn']]);
    expect(w.db.$client.prepare('SELECT count(*) AS n FROM certifications').get()).toEqual({ n: 0 });
  });

  it('accepts an approval effective today, and refuses a back-dated suspension of it', () => {
    const lab = labId(w.db, 'GZ-002');
    expect(decide(w.db, w.regulators.gd, { action: 'approve', labId: lab, analyteId: K, reason: 'meets the policy', effectiveOn: TODAY }, { now: NOW }).status).toBe('active');
    const e = refusal(() => decide(w.db, w.regulators.gd, { action: 'suspend', labId: lab, analyteId: K, reason: 'EQA failure', effectiveOn: '2026-06-01' }, { now: NOW }));
    expect([e.status, e.errors[0].field]).toEqual([422, 'effectiveOn']);
  });
});
