// Database commands only: `tsx db/cli.ts migrate | partitions | copy-to-postgres | seed [--reset | --if-empty] | admin:create |
// audit:verify [--head <id>:<hash>] | db:backup <file> | db:restore <file>`. The server and its build live in lib/server
// (`npm run build`, `npm start`); `npm run demo` chains seed --if-empty, build and start.
import fs from 'node:fs';
import { closeDb, databasePath, getDb, openDatabase } from './client';
import { runMigrations } from './migrate';
import { addMissingCatalogueItems } from '@/lib/services/catalogue';
import { suspendCertificationsOfDeactivatedLabs } from '@/lib/services/recognition/decisions';
import { addMissingLimitRanges } from '@/lib/services/catalogue-ranges';
import { limitRangesCsv, parseLimitRanges } from '@/lib/catalogue/limit-ranges';
import { fullCatalogue } from '@/lib/catalogue/items';
import { qualitySpecsCsv } from './seed/base';
import { demoSeedRefusal, isEmpty, seedDemo } from './seed';
import { createAdministrator } from '@/lib/services/bootstrap';
import { generateTemporaryPassword } from '@/lib/services/users';
import { isAppError } from '@/lib/errors';
import { verifyAuditChain, type ChainHead } from './queries/audit-chain';
import { backupDatabase, databaseInUse, restoreDatabase, serverHoldingDatabase } from './backup';
import { describePostgresUrl, isPostgresUrl } from './pg/url';
import { rawRun } from './dialect';
import { sql } from 'drizzle-orm';

const log = (m: string) => console.log(`[labqc] ${m}`);

async function main() {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'migrate': {
      // DATABASE_URL=postgres://... : the PostgreSQL migrations and partitions (issue 14); otherwise SQLite
      await migrate();
      await upgradeData();
      break;
    }
    case 'seed': {
      // --if-empty (npm run demo): a database with data is left as it is, in production too
      const reset = args.includes('--reset');
      if (reset && args.includes('--if-empty')) refuse('--reset removes the database, --if-empty keeps one that has data: give one of them');
      // --reset removes the database before anything else is checked: never in production
      if (process.env.NODE_ENV === 'production' && (reset || !args.includes('--if-empty'))) refuse('the demo data is never seeded when NODE_ENV=production');
      if (reset) await removeDatabase();
      const db = getDb();
      await migrate();
      if (args.includes('--if-empty') && !(await isEmpty(db))) {
        log(`${where()} holds data: not seeding`);
        // an older demo database (npm run demo) still gains the catalogue items added since
        await upgradeData();
        break;
      }
      const refusal = await demoSeedRefusal(db);
      if (refusal) refuse(`${where()}: ${refusal}`);
      await seedDemo(db, { log });
      log(`seeded ${where()}`);
      break;
    }
    case 'admin:create': {
      const email = option(args, '--email');
      if (!email) refuse('usage: npm run admin:create -- --email <email> [--name <name>]');
      const db = getDb();
      await runMigrations(db);
      const prompted = process.stdin.isTTY ? await promptNewPassword() : null;
      const password = prompted ?? generateTemporaryPassword(20);
      try {
        const admin = await createAdministrator(db, { email, name: option(args, '--name') ?? 'Administrator', password, temporary: !prompted });
        log(`administrator ${admin.email} created in ${where()}`);
        // shown once, never stored in clear: the administrator must replace it at first sign-in
        if (!prompted) console.log(`temporary password (shown once, to be changed at first sign-in): ${password}`);
      } catch (e) {
        if (isAppError(e)) refuse(e.errors.length ? `${e.message}: ${e.errors.map((x) => `${x.field} ${x.message}`).join('; ')}` : e.message);
        throw e;
      }
      break;
    }
    case 'audit:verify': {
      // --head <id>:<hash>, as an earlier run printed it: that row must still be there, unchanged
      const head = args.some((a) => a.split('=')[0] === '--head') ? parseHead(option(args, '--head') ?? '') : undefined;
      if (head === null) refuse('--head takes the head an earlier audit:verify printed: <id>:<64 hex digits>');
      const v = await verifyAuditChain(getDb(), { head });
      if (!v.ok) {
        console.error(`[labqc] audit chain BROKEN at row ${v.broken!.id}: ${v.broken!.reason} (${v.rows} rows read)`);
        process.exit(1);
      }
      log(`audit chain intact: ${v.rows} rows${head ? `; the head kept (row ${head.id}) is in it, unchanged` : ''}`);
      // the chain cannot show rows removed from its end: kept elsewhere, this head lets a later run see them
      if (v.head) log(`head ${v.head.id}:${v.head.hash} (kept elsewhere and given back as --head, a later run fails if this row was removed or changed)`);
      break;
    }
    case 'db:backup': {
      if (onPostgres()) refuse('db:backup copies the SQLite file; on PostgreSQL use pg_dump (or the server\'s own backups)');
      const target = args.find((a) => !a.startsWith('--'));
      if (!target) refuse('usage: npm run db:backup -- <backup file>');
      const r = await backupDatabase(getDb(), target);
      log(`backed up ${databasePath()} to ${r.file} (${r.pages} pages, integrity ok)`);
      break;
    }
    case 'db:restore': {
      if (onPostgres()) refuse('db:restore replaces the SQLite file; on PostgreSQL use pg_restore');
      const source = args.find((a) => !a.startsWith('--'));
      if (!source) refuse('usage: npm run db:restore -- <backup file> (with the server stopped)');
      const holder = serverHoldingDatabase(databasePath());
      if (holder) refuse(`a server (pid ${holder}) is using ${databasePath()}; stop it first`);
      await closeDb();
      if (databaseInUse(databasePath())) refuse(`another program has ${databasePath()} open (a server, a script, the sqlite3 shell); close it first`);
      try {
        await restoreDatabase(source, databasePath());
      } catch (e) {
        if (isAppError(e)) refuse(e.message);
        throw e;
      }
      const chain = await verifyAuditChain(getDb());
      log(`restored ${databasePath()} from ${source}; start the server with npm start (it applies newer migrations)`);
      if (chain.ok) log(`audit chain of the restored database intact: ${chain.rows} rows`);
      else console.error(`[labqc] warning: the restored audit chain is broken at row ${chain.broken!.id}: ${chain.broken!.reason}`);
      break;
    }
    case 'partitions': {
      await postgresPartitions(args);
      break;
    }
    case 'copy-to-postgres': {
      // DATABASE_PATH (SQLite) → DATABASE_URL (an empty PostgreSQL database, migrated here first)
      const url = process.env.DATABASE_URL;
      if (!isPostgresUrl(url)) refuse('copy-to-postgres needs DATABASE_URL=postgres://... (the target) and DATABASE_PATH (the SQLite source)');
      const { openPostgres } = await import('./pg/client');
      const { runPgMigrations } = await import('./pg/migrate');
      const { copySqliteToPostgres } = await import('./pg/copy');
      const target = openPostgres(url, { max: 2 });
      try {
        await runPgMigrations(target);
        // the source is the SQLite file whatever DATABASE_URL selects for the app
        const source = openDatabase(databasePath());
        const r = await copySqliteToPostgres(source, target, (name, rows) => rows && log(`${name}: ${rows} rows`)).finally(() => source.$client.close());
        log(`copied ${r.rows} rows of ${r.tables.length} tables from ${databasePath()} to PostgreSQL ${describePostgresUrl(url)} in ${(r.ms / 1000).toFixed(1)} s`);
      } catch (e) {
        refuse((e as Error).message);
      } finally {
        await target.$client.end();
      }
      break;
    }
    default:
      console.error('usage: tsx db/cli.ts migrate | partitions [--months N] [--from YYYY-MM] | copy-to-postgres | seed [--reset | --if-empty] | admin:create --email <email> [--name <name>] | audit:verify [--head <id>:<hash>] | db:backup <file> | db:restore <file>');
      process.exit(2);
  }
}

const onPostgres = () => isPostgresUrl(process.env.DATABASE_URL);

/** The configured database, for messages: the SQLite file, or the PostgreSQL server and database (no password). */
function where(): string {
  return onPostgres() ? `PostgreSQL ${describePostgresUrl(process.env.DATABASE_URL!)}` : databasePath();
}

/** The committed migrations of the configured backend (on PostgreSQL, under an advisory lock, with
 * the coming months' iqc_results partitions). */
async function migrate(): Promise<void> {
  if (!onPostgres()) {
    await runMigrations(getDb());
    log(`migrated ${where()}`);
    return;
  }
  const { runPgMigrations } = await import('./pg/migrate');
  const { partitionsCreated } = await runPgMigrations(getDb() as unknown as import('./pg/client').PgDB);
  log(`migrated ${where()}${partitionsCreated.length ? `; iqc_results partitions created: ${partitionsCreated.join(', ')}` : ''}`);
}

/** `partitions`: create the coming months' iqc_results partitions and print every partition's size. */
async function postgresPartitions(args: string[]) {
  const url = process.env.DATABASE_URL;
  if (!isPostgresUrl(url)) refuse('db:partitions is for PostgreSQL: set DATABASE_URL=postgres://...');
  const { openPostgres } = await import('./pg/client');
  const p = await import('./pg/partitions');
  const months = Number(option(args, '--months') ?? 3);
  if (!Number.isInteger(months) || months < 1 || months > 120) refuse('--months takes a whole number from 1 to 120');
  const fromText = option(args, '--from');
  const from = fromText ? p.parseMonth(fromText) : p.monthOf(Date.now());
  if (!from) refuse('--from takes a month as YYYY-MM');
  const db = openPostgres(url, { max: 2 });
  try {
    // from the current month (or --from) through `months` months after it
    const created = await p.ensureMonthlyPartitions(db.$client, from, months + 1);
    log(`PostgreSQL ${describePostgresUrl(url)}: ${created.length ? `created ${created.join(', ')}` : 'no partition to create'}`);
    const parts = await p.partitionSizes(db.$client);
    for (const x of parts) console.log(`${x.name.padEnd(28)} ${p.formatBytes(x.bytes).padStart(9)}  ${x.rowsEstimate === null ? '       ?' : `~${x.rowsEstimate}`.padStart(8)} rows  ${x.bound}`);
    const def = parts.find((x) => x.bound === 'DEFAULT');
    if (def && def.rowsEstimate) console.error(`[labqc] warning: ${def.name} holds ~${def.rowsEstimate} rows of months without a partition: run with --from <their first month>`);
  } finally {
    await db.$client.end();
  }
}

/** The data steps of an upgrade: the catalogue items this installation lacks (rows already there stay
 * as they are), and the suspension of certifications that labs deactivated before 2026-12 kept. */
async function upgradeData() {
  const { added } = await addMissingCatalogueItems(getDb(), fullCatalogue(qualitySpecsCsv()));
  if (added.length) log(`catalogue: added ${added.length} items (${added.slice(0, 8).join(', ')}${added.length > 8 ? ', …' : ''})`);
  const ranges = await addMissingLimitRanges(getDb(), parseLimitRanges(limitRangesCsv()));
  if (ranges.added.length) log(`catalogue: added the concentration ranges of ${ranges.added.join(', ')} (db/seed-data/limit-ranges.csv)`);
  const suspended = await suspendCertificationsOfDeactivatedLabs(getDb());
  if (suspended) log(`recognition: suspended ${suspended} certifications of inactive laboratories`);
}

function refuse(message: string): never {
  console.error(`[labqc] refused: ${message}`);
  process.exit(1);
}

/** The value after `--name` (or `--name=value`), or undefined. */
function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
}

/** `<id>:<hash>` as audit:verify prints a head, or null. */
function parseHead(text: string): ChainHead | null {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim().toLowerCase());
  return m ? { id: Number(m[1]), hash: m[2] } : null;
}

/** Ask for a new password twice on the terminal without echoing it. */
async function promptNewPassword(): Promise<string | null> {
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      const stdin = process.stdin;
      // echo off before the prompt shows, so a quick typist's first keys are never echoed
      stdin.setRawMode(true);
      process.stdout.write(question);
      stdin.resume();
      let value = '';
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stdout.write('\n');
            return resolve(value);
          }
          if (ch === '\u0003') process.exit(130);
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  for (;;) {
    const first = await ask('password for the new administrator (at least 10 characters, empty = generate one): ');
    if (!first) return null;
    if (first.length < 10) {
      console.error('too short');
      continue;
    }
    if ((await ask('again: ')) === first) return first;
    console.error('the two entries differ');
  }
}

/** `seed --reset`: the SQLite file removed, or on PostgreSQL every LabQC schema dropped (tables, the
 * migrations' journal, the job queue's schema), so that the migrations start from nothing. */
async function removeDatabase() {
  if (onPostgres()) {
    const db = getDb();
    await rawRun(db, sql.raw('DROP SCHEMA IF EXISTS drizzle CASCADE; DROP SCHEMA IF EXISTS pgboss CASCADE; DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public'));
    log(`${where()}: emptied (--reset)`);
    return;
  }
  await closeDb();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(databasePath() + suffix, { force: true });
}

main()
  // a PostgreSQL pool keeps the process alive until it ends
  .then(() => closeDb())
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
