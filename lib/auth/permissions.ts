// The permission matrix: every permission LabQC knows, what it allows, and which roles hold it.
// `scope` says what can() checks against the resource: 'lab' resources belong to one laboratory
// (a lab manager needs it to be theirs, a regulator needs its region inside theirs), 'region'
// resources belong to a region, 'global' ones have no owner.
import type { Role } from '@/db/enums';

export type PermissionScope = 'global' | 'region' | 'lab';

export const PERMISSIONS = {
  'region.manage': { scope: 'global', description: 'Create and edit regions (province > city)' },
  'regulator.manage': { scope: 'global', description: 'Create, edit and deactivate regulator accounts' },
  'analyte.manage': { scope: 'global', description: 'Edit the analyte catalogue and its quality specifications' },
  'analyte.read': { scope: 'global', description: 'Read the analyte catalogue' },
  'audit.read': { scope: 'region', description: 'Read the audit log of a jurisdiction' },
  'lab.read': { scope: 'lab', description: 'Read a laboratory and its administrative data' },
  'lab.manage': { scope: 'lab', description: 'Create, edit and deactivate laboratories' },
  'labUser.manage': { scope: 'lab', description: 'Create, edit and deactivate lab-manager accounts' },
  'registry.import': { scope: 'region', description: 'Import an institution registry CSV' },
  'apiToken.manage': { scope: 'lab', description: "Create and revoke API tokens for the lab's LIS" },
  'iqc.read': { scope: 'lab', description: 'Read internal QC results, charts and summaries' },
  'iqc.write': { scope: 'lab', description: 'Enter and import internal QC results' },
  'iqcTarget.manage': { scope: 'lab', description: 'Set control lots, targets and rule sets' },
  'correctiveAction.resolve': { scope: 'lab', description: 'Record the corrective action for a rejected run' },
  'eqaScheme.manage': { scope: 'region', description: 'Create EQA schemes, enrol labs and manage rounds' },
  'eqaRound.read': { scope: 'region', description: 'See EQA rounds, their samples and deadlines' },
  'eqaSubmission.write': { scope: 'lab', description: 'Submit EQA results for an open round' },
  'eqaRound.evaluate': { scope: 'region', description: 'Evaluate and publish a closed EQA round' },
  'eqaResult.read': { scope: 'lab', description: "Read a lab's graded EQA results" },
  'eqaRound.report': { scope: 'region', description: 'Read all participants of a round (regulator report)' },
  'policy.manage': { scope: 'region', description: 'Edit the recognition policy of a region' },
  'eligibility.read': { scope: 'lab', description: 'Read eligibility verdicts and their evidence' },
  'eligibility.compute': { scope: 'region', description: 'Recompute eligibility on demand' },
  'certification.decide': { scope: 'lab', description: 'Approve, reject, suspend, reinstate or revoke recognition' },
  'certification.read': { scope: 'global', description: 'Read certifications and certificates (public)' },
  'overview.read': { scope: 'region', description: 'Regional overview of labs, recognition and QC' },
  'calendar.manage': { scope: 'region', description: 'Keep the working calendar (holidays and make-up working days) of a region' },
} as const satisfies Record<string, { scope: PermissionScope; description: string }>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: [
    'region.manage',
    'regulator.manage',
    'analyte.manage',
    'analyte.read',
    'audit.read',
    'lab.read',
    'lab.manage',
    'labUser.manage',
    'registry.import',
    'iqc.read',
    'eqaRound.read',
    'eqaResult.read',
    'eqaRound.report',
    'eligibility.read',
    'certification.read',
    'overview.read',
    'calendar.manage',
  ],
  regulator: [
    'analyte.read',
    'audit.read',
    'lab.read',
    'lab.manage',
    'labUser.manage',
    'registry.import',
    'iqc.read',
    'eqaScheme.manage',
    'eqaRound.read',
    'eqaRound.evaluate',
    'eqaResult.read',
    'eqaRound.report',
    'policy.manage',
    'eligibility.read',
    'eligibility.compute',
    'certification.decide',
    'certification.read',
    'overview.read',
    'calendar.manage',
  ],
  lab_manager: [
    'analyte.read',
    'lab.read',
    'apiToken.manage',
    'iqc.read',
    'iqc.write',
    'iqcTarget.manage',
    'correctiveAction.resolve',
    'eqaRound.read',
    'eqaSubmission.write',
    'eqaResult.read',
    'eligibility.read',
    'certification.read',
  ],
  hospital: ['analyte.read', 'certification.read'],
};
