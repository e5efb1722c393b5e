// The whole permission matrix as one table: every role × permission, with and without scope.
import { describe, expect, it } from 'vitest';
import { can, PERMISSION_NAMES, PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '@/lib/auth/core';
import { ROLES, type Role } from '@/db/enums';
import { fakeActor } from '../support/db';

const actors = {
  admin: fakeActor({ role: 'admin' }),
  regulator: fakeActor({ role: 'regulator', regionPath: '/100000/440000/', regionCode: '440000' }),
  lab_manager: fakeActor({ role: 'lab_manager', labId: 7, labCode: 'GZ-001', regionPath: '/100000/440000/440100/' }),
  hospital: fakeActor({ role: 'hospital' }),
} satisfies Record<Role, unknown>;

// The expected matrix, written out by hand (not derived from ROLE_PERMISSIONS) so a change to the
// matrix must change this table too. A = admin, R = regulator, L = lab manager, H = hospital.
const EXPECTED: Record<Permission, string> = {
  'region.manage': 'A',
  'regulator.manage': 'A',
  'analyte.manage': 'A',
  'analyte.read': 'ARLH',
  'audit.read': 'AR',
  'lab.read': 'ARL',
  'lab.manage': 'AR',
  'labUser.manage': 'AR',
  'registry.import': 'AR',
  'apiToken.manage': 'L',
  'iqc.read': 'ARL',
  'iqc.write': 'L',
  'iqcTarget.manage': 'L',
  'correctiveAction.resolve': 'L',
  'eqaScheme.manage': 'R',
  'eqaRound.read': 'ARL',
  'eqaSubmission.write': 'L',
  'eqaRound.evaluate': 'R',
  'eqaResult.read': 'ARL',
  'eqaRound.report': 'AR',
  'eqaResult.readUnpublished': 'AR',
  'policy.manage': 'R',
  'eligibility.read': 'ARL',
  'eligibility.compute': 'R',
  'certification.decide': 'R',
  'certification.read': 'ARLH',
  'overview.read': 'AR',
  'calendar.manage': 'AR',
  'localCode.manage': 'RH',
  'verifyToken.manage': 'RH',
  'watchList.manage': 'H',
};
const LETTER: Record<Role, string> = { admin: 'A', regulator: 'R', lab_manager: 'L', hospital: 'H' };

describe('permission matrix', () => {
  it('lists every permission with a noun.verb name and a description', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...PERMISSION_NAMES].sort());
    for (const p of PERMISSION_NAMES) {
      expect(p).toMatch(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
      expect(PERMISSIONS[p].description.length).toBeGreaterThan(10);
    }
  });

  const rows = PERMISSION_NAMES.flatMap((p) => ROLES.map((r) => [r, p, EXPECTED[p].includes(LETTER[r])] as const));
  it.each(rows)('%s holds %s: %s', (role, permission, expected) => {
    expect(can(actors[role], permission)).toBe(expected);
    expect(ROLE_PERMISSIONS[role].includes(permission)).toBe(expected);
  });
});

describe('scope checks', () => {
  const ownLab = { labId: 7, regionPath: '/100000/440000/440100/' };
  const otherLabSameCity = { labId: 8, regionPath: '/100000/440000/440100/' };
  const shenzhenLab = { labId: 9, regionPath: '/100000/440000/440300/' };
  const zhejiangLab = { labId: 10, regionPath: '/100000/330000/330100/' };

  it.each([
    ['lab manager reads own lab IQC', actors.lab_manager, 'iqc.read', ownLab, true],
    ['lab manager cannot read another lab in the same city', actors.lab_manager, 'iqc.read', otherLabSameCity, false],
    ['lab manager cannot write another lab', actors.lab_manager, 'iqc.write', otherLabSameCity, false],
    ['province regulator reads a lab of a city in the province', actors.regulator, 'iqc.read', shenzhenLab, true],
    ['province regulator cannot read a lab of another province', actors.regulator, 'iqc.read', zhejiangLab, false],
    ['province regulator decides for a city lab of the province', actors.regulator, 'certification.decide', shenzhenLab, true],
    ['province regulator cannot decide in another province', actors.regulator, 'certification.decide', zhejiangLab, false],
    ['province regulator keeps the calendar of a city of the province', actors.regulator, 'calendar.manage', { regionPath: '/100000/440000/440300/' }, true],
    ['province regulator cannot change the national calendar', actors.regulator, 'calendar.manage', { regionPath: '/' }, false],
    ['a resource without region is refused to a regulator', actors.regulator, 'iqc.read', { labId: 7 }, false],
    ['admin reads any lab', actors.admin, 'iqc.read', zhejiangLab, true],
    ['hospital reads public certification data anywhere', actors.hospital, 'certification.read', zhejiangLab, true],
    ['hospital cannot read IQC even with a scope', actors.hospital, 'iqc.read', ownLab, false],
    ['a region path that only shares a prefix string is outside', fakeActor({ role: 'regulator', regionPath: '/100000/44/' }), 'iqc.read', shenzhenLab, false],
  ] as const)('%s', (_title, actor, permission, scope, expected) => {
    expect(can(actor, permission as Permission, scope)).toBe(expected);
  });

  it('nobody can do anything when not signed in', () => {
    for (const p of PERMISSION_NAMES) expect(can(null, p)).toBe(false);
  });
});
