// Minimal rows for PostgreSQL tests that need IQC history: a region, a lab, an analyte, a control
// lot and one run per result (issue 14; the demo seed still runs on SQLite only).
import type { PgDB } from '@/db/pg/client';
import { analytes, controlLots, iqcResults, laboratories, regions } from '@/db/pg/schema';

export async function insertPgIqcBase(db: PgDB, labCode = 'L1') {
  const now = Date.UTC(2026, 0, 1);
  const [region] = await db.insert(regions).values({ code: `R-${labCode}`, name: '广东省', nameEn: 'Guangdong', level: 'province', path: '/440000/', createdAt: now, updatedAt: now }).returning();
  const [lab] = await db.insert(laboratories).values({ code: labCode, name: `实验室 ${labCode}`, level: 'tertiary', regionId: region.id, createdAt: now, updatedAt: now }).returning();
  const [analyte] = await db
    .insert(analytes)
    .values({ code: `GLU-${labCode}`, nameEn: 'Glucose', nameZh: '葡萄糖', unit: 'mmol/L', category: 'chemistry', teaSource: 'WS/T 403', createdAt: now, updatedAt: now })
    .returning();
  const [lot] = await db.insert(controlLots).values({ labId: lab.id, analyteId: analyte.id, level: 'L1', lotNumber: 'LOT1', createdAt: now }).returning();
  return { region, lab, analyte, lot };
}

/** One accepted run with one result per instant (value 5.0 + i/100). The run is written with the
 * columns every migration level has (pg-migrate writes to a database of an early one), not through the
 * schema, which names each of today's columns. */
export async function insertPgResults(db: PgDB, base: Awaited<ReturnType<typeof insertPgIqcBase>>, instants: number[]) {
  for (const [i, at] of instants.entries()) {
    const {
      rows: [run],
    } = await db.$client.query<{ id: number }>(
      "INSERT INTO iqc_runs (lab_id, analyte_id, measured_at, status, rules, evaluated_at, source, created_at) VALUES ($1, $2, $3, 'accepted', '[]', $3, 'manual', $3) RETURNING id",
      [base.lab.id, base.analyte.id, at],
    );
    await db.insert(iqcResults).values({ runId: run.id, labId: base.lab.id, analyteId: base.analyte.id, controlLotId: base.lot.id, level: 'L1', value: 5 + i / 100, measuredAt: at, createdAt: at });
  }
}
