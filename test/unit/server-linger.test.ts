// The production server's linger after an early answer (lib/server/limits.ts): an answer sent before
// the request's body arrived keeps the connection open for LINGER_MS so the client reads it, then
// closes it unless the body came. "Came" is what the client did, not how busy this process was: a
// body sent in time stays in time when the server's own event loop was blocked past LINGER_MS.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LINGER_MS, lingerAfterEarlyAnswer } from '@/lib/server/limits';

const busyFor = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* the event loop is held, as by a large synchronous job or a long garbage collection */
  }
};

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A server that answers its first request 403 before reading the body (then runs `afterAnswer`), and
 * later ones 200 after reading theirs; and a raw client socket to it. */
async function world(afterAnswer: () => void) {
  let n = 0;
  server = http.createServer((req, res) => {
    lingerAfterEarlyAnswer(req, res);
    if (++n === 1) {
      res.once('finish', () => setImmediate(afterAnswer));
      res.writeHead(403, { 'content-length': 2 }).end('no');
    } else {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-length': 2 }).end('ok'));
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const state = { got: '', closedAt: 0 };
  socket.on('data', (d) => (state.got += d));
  socket.on('close', () => (state.closedAt = Date.now()));
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  return { socket, state };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answers = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('lingerAfterEarlyAnswer', () => {
  it('keeps the connection when the body was sent in time, though the server was busy past LINGER_MS', async () => {
    const { socket, state } = await world(() => busyFor(LINGER_MS + 500));
    socket.write('POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n');
    await sleep(100);
    socket.write('hello'); // arrives while the server is busy
    await sleep(LINGER_MS + 1_000);
    socket.write('GET /b HTTP/1.1\r\nhost: x\r\n\r\n'); // the client reuses its kept-alive connection
    await sleep(300);
    expect(state.closedAt).toBe(0);
    expect(answers(state.got)).toEqual([403, 200]);
    socket.destroy();
  }, 10_000);

  it('still closes the connection LINGER_MS after the answer when the body never comes', async () => {
    const { socket, state } = await world(() => undefined);
    const sent = Date.now();
    socket.write('POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhel');
    for (let i = 0; i < 60 && !state.closedAt; i++) await sleep(100);
    expect(answers(state.got)).toEqual([403]);
    // closed after the linger, long before the keep-alive timeout (65 s); the slack is for a loaded machine
    expect(state.closedAt).toBeGreaterThanOrEqual(sent + LINGER_MS);
    expect(state.closedAt).toBeLessThan(sent + LINGER_MS + 3_000);
  }, 10_000);
});
