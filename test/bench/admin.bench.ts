/**
 * Throughput of the administration half (issue 2) on national-scale synthetic data: the registry
 * import (validate every row, then one transaction), the audit-log page of a provincial regulator
 * (jurisdiction filter in SQL), the lab list with filters, and API-token resolution (the work every
 * LIS request does before its own). Sizes scale with `opts.scale` (1 = 20,000 labs, a 5,000-row
 * registry file, 200,000 audit entries).
 *
 * Run alone: `npx tsx test/bench/admin.bench.ts [scale]`.
 */
import { pathToFileURL } from 'node:url';
import { createSyntheticWorld } from './synthetic';
import { auditLog } from '@/db/schema';
import { listRegions } from '@/db/queries/regions';
import { listLabs } from '@/db/queries/labs';
import { commitRegistryImport, previewRegistryImport } from '@/lib/services/registry';
import { readAuditLog } from '@/lib/services/audit';
import { createApiToken } from '@/lib/services/tokens';
import { actorForApiToken } from '@/lib/auth/resolve';
import { regionScope, type Actor } from '@/lib/auth/core';
import { withTx } from '@/db/tx';

async function time<T>(fn: () => T | Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

export default async function adminBench(opts: { scale: number }) {
  process.env.LABQC_BCRYPT_COST ??= '4';
  const labs = Math.max(100, Math.round(20_000 * opts.scale));
  const rows = Math.max(50, Math.round(5_000 * opts.scale));
  const auditEntries = Math.max(1_000, Math.round(200_000 * opts.scale));
  const world = await createSyntheticWorld({ labs });
  try {
    const { db } = world;
    const national = world.regulator;
    const province = (await listRegions(db)).find((r) => r.level === 'province')!;
    const cities = (await listRegions(db, regionScope(province.path))).filter((r) => r.level === 'city');
    const provincial: Actor = { ...national, regionId: province.id, regionCode: province.code, regionPath: province.path };

    // registry: `rows` new labs spread over the province's cities, a tenth with a manager account
    const lines = ['code,name,name_en,level,region_code,address,manager_email,manager_name'];
    for (let i = 0; i < rows; i++) {
      const mgr = i % 10 === 0 ? `reg.${i}@bench.test,负责人${i}` : ',';
      lines.push(`R${String(i).padStart(6, '0')},名录实验室${i},Registry Lab ${i},${['tertiary', 'secondary', 'primary'][i % 3]},${cities[i % cities.length].code},地址${i},${mgr}`);
    }
    const csv = lines.join('\n');
    const preview = await time(async () => await previewRegistryImport(db, provincial, csv));
    console.log(`registry preview: ${fmt(rows)} rows in ${fmt(preview.ms)} ms (${fmt(rows / (preview.ms / 1000))} rows/s), ${preview.result.problems.length} problems`);
    const commit = await time(async () => await commitRegistryImport(db, provincial, csv));
    console.log(`registry commit:  ${fmt(rows)} rows (+${commit.result.managers.length} accounts) in ${fmt(commit.ms)} ms (${fmt(rows / (commit.ms / 1000))} rows/s)`);

    // audit log: bulk entries spread over all labs, then a province's pages
    const labIds = world.labIds;
    const now = Date.now();
    await withTx(db, async (tx) => {
      for (let i = 0; i < auditEntries; i++) {
        await tx.insert(auditLog).values({ at: now - i * 1000, action: i % 7 === 0 ? 'lab.update' : 'iqc.result', labId: labIds[i % labIds.length], actorEmail: 'bench' });
      }
    });
    const pages = 20;
    const audit = await time(async () => {
      for (let p = 1; p <= pages; p++) await readAuditLog(db, provincial, { page: p });
    });
    console.log(`audit log (provincial, ${fmt(auditEntries)} entries): ${pages} pages in ${fmt(audit.ms)} ms (${fmt(audit.ms / pages)} ms/page)`);
    const filtered = await time(async () => await readAuditLog(db, provincial, { action: 'lab.update', page: 3 }));
    console.log(`audit log filtered by action, page 3: ${fmt(filtered.ms)} ms`);

    const list = await time(async () => await listLabs(db, { scope: regionScope(province.path), level: 'primary', q: '实验室' }));
    console.log(`lab list (province, level + search): ${list.result.length} rows in ${list.ms.toFixed(1)} ms`);

    // token resolution
    const manager = await world.labManager(labIds[0]);
    const { token } = await createApiToken(db, manager, { name: 'bench', scopes: ['iqc:write', 'eqa:submit', 'read'] });
    const n = Math.max(1_000, Math.round(50_000 * opts.scale));
    const resolve = await time(async () => {
      for (let i = 0; i < n; i++) if (!await actorForApiToken(db, token)) throw new Error('token refused');
    });
    console.log(`API token resolution: ${fmt(n)} in ${fmt(resolve.ms)} ms (${fmt(n / (resolve.ms / 1000))} /s)`);
  } finally {
    world.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await adminBench({ scale: Number(process.argv[2] ?? '1') });
}
