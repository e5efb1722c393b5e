// Regions, the analyte catalogue, laboratories and the demo accounts, all through the services.
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../client';
import { actorForUserId } from '@/lib/auth/resolve';
import type { Actor } from '@/lib/auth/core';
import { fullCatalogue } from '@/lib/catalogue/items';
import { limitRangesCsv, parseLimitRanges } from '@/lib/catalogue/limit-ranges';
import { importCatalogue } from '@/lib/services/catalogue';
import { addMissingLimitRanges } from '@/lib/services/catalogue-ranges';
import { createRegion } from '@/lib/services/regions';
import { createLab } from '@/lib/services/labs';
import { bootstrapAdmin, createUser } from '@/lib/services/users';
import { DEMO_REGIONS, demoLabs } from './geography';

export const DEMO_PASSWORD = 'labqc-demo';

/** The shared reference file when it sits beside the repository, else the committed copy. */
export function qualitySpecsCsv(): string {
  const shared = path.resolve('../shared/reference/quality-specs.csv');
  const file = fs.existsSync(shared) ? shared : path.resolve('db/seed-data/quality-specs.csv');
  return fs.readFileSync(file, 'utf8');
}

async function actorOf(db: DB, id: number): Promise<Actor> {
  const a = await actorForUserId(db, id);
  if (!a) throw new Error(`seed: user ${id} cannot act`);
  return a;
}

export async function seedBase(db: DB) {
  const admin = await actorOf(db, (await bootstrapAdmin(db, { email: 'admin@demo.labqc', name: '系统管理员', password: DEMO_PASSWORD })).id);
  for (const r of DEMO_REGIONS) await createRegion(db, admin, r);
  await importCatalogue(db, admin, fullCatalogue(qualitySpecsCsv()), 'initial catalogue from quality-specs.csv and lib/catalogue/items.csv');
  await addMissingLimitRanges(db, parseLimitRanges(limitRangesCsv()), admin.email);

  const mkRegulator = async (email: string, name: string, regionCode: string) =>
    await actorOf(db, (await createUser(db, admin, { email, name, role: 'regulator', password: DEMO_PASSWORD, regionCode })).id);
  const regulators = {
    gd: await mkRegulator('regulator.gd@demo.labqc', '广东省临床检验中心', '440000'),
    sz: await mkRegulator('regulator.sz@demo.labqc', '深圳市临床检验中心', '440300'),
    zj: await mkRegulator('regulator.zj@demo.labqc', '浙江省临床检验中心', '330000'),
  };
  const hospital = await actorOf(db, (await createUser(db, admin, { email: 'hospital@demo.labqc', name: '示范医院医务科', role: 'hospital', password: DEMO_PASSWORD })).id);

  const labManagers = new Map<string, Actor>();
  for (const lab of demoLabs()) {
    const regulator = lab.regionCode.startsWith('44') ? regulators.gd : regulators.zj;
    await createLab(db, regulator, lab);
    const email = lab.code === 'GZ-001' ? 'lab1@demo.labqc' : lab.code === 'HZ-001' ? 'lab2@demo.labqc' : `manager.${lab.code.toLowerCase()}@demo.labqc`;
    const user = await createUser(db, regulator, { email, name: `${lab.name} 负责人`, role: 'lab_manager', password: DEMO_PASSWORD, labCode: lab.code });
    labManagers.set(lab.code, await actorOf(db, user.id));
  }
  return { admin, regulators, hospital, labManagers };
}
