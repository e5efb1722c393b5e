// The bare public fast path (lib/server/public-fast.ts) behind node:http, on the database the
// environment selects (DATABASE_URL or DATABASE_PATH): what the verify part of `npm run bench --
// --db postgres` measures when the production server does not come up. Anything the fast path does
// not answer is a 404. `PORT=… tsx test/bench/fast-path-server.ts`
import http from 'node:http';
import { publicFastPath } from '@/lib/server/public-fast';

const server = http.createServer((req, res) => {
  publicFastPath(req, res)
    .then((answered) => {
      if (!answered) {
        res.statusCode = 404;
        res.end();
      }
    })
    .catch(() => res.destroy());
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), process.env.HOSTNAME ?? '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
