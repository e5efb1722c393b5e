// drizzle-kit for the PostgreSQL backend (issue 14): the generated pg-core schema (db/pg/schema,
// from db/pg/generate-schema.ts) → db/migrations-pg. The SQLite side stays in drizzle.config.ts.
//   npx tsx db/pg/generate-schema.ts && npx drizzle-kit generate --config drizzle.pg.config.ts --name <what>
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./db/pg/schema/geography.ts', './db/pg/schema/access.ts', './db/pg/schema/iqc.ts', './db/pg/schema/eqa.ts', './db/pg/schema/recognition.ts', './db/pg/schema/hospital.ts', './db/pg/schema/ops.ts'],
  out: './db/migrations-pg',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/labqc' },
});
