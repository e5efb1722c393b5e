// Database and demo commands: `tsx db/cli.ts migrate | seed [--reset] | demo`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { closeDb, databasePath, getDb } from './client';
import { runMigrations } from './migrate';
import { isEmpty, seedDemo } from './seed';
import { authSecret } from '@/lib/auth/secret';
import { actorForUserId } from '@/lib/auth/resolve';
import { evaluateRound } from '@/lib/services/eqa/evaluation';

const log = (m: string) => console.log(`[labqc] ${m}`);

async function main() {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'migrate': {
      runMigrations(getDb());
      log(`migrated ${databasePath()}`);
      break;
    }
    case 'seed': {
      if (args.includes('--reset')) removeDatabase();
      const db = getDb();
      runMigrations(db);
      if (!isEmpty(db)) {
        log(`${databasePath()} already has data; use --reset to start again`);
        break;
      }
      await seedDemo(db, { log });
      log(`seeded ${databasePath()}`);
      break;
    }
    case 'demo': {
      const db = getDb();
      runMigrations(db);
      if (isEmpty(db)) {
        log('seeding demo data (first run)…');
        await seedDemo(db, { log });
      }
      closeDb();
      const env = { ...process.env, AUTH_SECRET: authSecret(), AUTH_TRUST_HOST: 'true' };
      if (!fs.existsSync('.next/BUILD_ID')) {
        log('building the app (first run)…');
        const b = spawnSync('npx', ['next', 'build'], { stdio: 'inherit', env });
        if (b.status !== 0) process.exit(b.status ?? 1);
      }
      const port = process.env.PORT ?? '3000';
      log(`starting on http://localhost:${port}`);
      const server = spawn('npx', ['tsx', 'lib/server/main.ts'], { stdio: 'inherit', env: { ...env, PORT: port } });
      const stop = () => server.kill('SIGTERM');
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      server.on('exit', (code) => process.exit(code ?? 0));
      break;
    }
    case 'evaluate-round': {
      // background evaluation started from the regulator's page (lib/jobs.ts)
      const [roundCode, userId, evaluationId] = args;
      const db = getDb();
      const actor = actorForUserId(db, Number(userId));
      if (!actor) throw new Error(`user ${userId} cannot act`);
      const s = evaluateRound(db, actor, { roundCode }, { evaluationId: Number(evaluationId) });
      log(`evaluated ${s.round} v${s.version}: ${s.results} results`);
      break;
    }
    default:
      console.error('usage: tsx db/cli.ts migrate | seed [--reset] | demo | evaluate-round <round> <userId> <evaluationId>');
      process.exit(2);
  }
}

function removeDatabase() {
  closeDb();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(databasePath() + suffix, { force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
