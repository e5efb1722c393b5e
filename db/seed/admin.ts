// Demo data for the administration screens, written through the services as the demo users:
// an edited laboratory (history on its page), API tokens of lab1 (one live, one revoked) and a
// deactivated lab-manager account. Token values are random on purpose (they are secrets); the rest is
// deterministic.
import type { SeedContext } from './context';
import { updateLab } from '@/lib/services/labs';
import { setUserActive } from '@/lib/services/users';
import { createApiToken, revokeApiToken } from '@/lib/services/tokens';
import { findLabByCode } from '../queries/labs';

export async function seedAdmin(ctx: SeedContext): Promise<void> {
  const { db, regulators, labManagers } = ctx;
  const sz = await findLabByCode(db, 'SZ-010');
  if (sz) {
    await updateLab(db, regulators.sz, {
      code: 'SZ-010',
      name: sz.lab.name,
      nameEn: sz.lab.nameEn,
      level: sz.lab.level,
      regionCode: sz.regionCode,
      address: '深圳市大鹏新区葵涌街道示范路 8 号',
      reason: '补充机构地址（年度名录核对）',
    });
  }
  const lab1 = labManagers.get('GZ-001');
  if (lab1) {
    await createApiToken(db, lab1, { name: 'LIS 主服务器', scopes: ['iqc:write', 'eqa:submit', 'read'] });
    const old = await createApiToken(db, lab1, { name: '旧版中间件', scopes: ['iqc:write'] });
    await revokeApiToken(db, lab1, { id: old.id });
  }
  const leaver = labManagers.get('NB-010');
  if (leaver) await setUserActive(db, regulators.zj, { id: leaver.userId, active: false, reason: '人员调离，账户停用' });
}
