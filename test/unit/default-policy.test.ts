// The production server's last-moment Content-Security-Policy (lib/server/default-policy.ts): a
// response that set none gets API_CSP; one that set its own, however it set it, keeps it alone (a
// second header would be enforced as well, and API_CSP would block a page's scripts).
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultContentSecurityPolicy } from '@/lib/server/default-policy';
import { API_CSP } from '@/lib/server/headers';

const OWN = "default-src 'self'";

/** How each path answers, as Next and the server's own answers do. */
const answers: Record<string, (res: http.ServerResponse) => void> = {
  '/end-only': (res) => res.end('x'), // the implicit head (Node calls writeHead itself)
  '/write-then-end': (res) => {
    res.write('x');
    res.end();
  },
  '/flush': (res) => {
    res.flushHeaders();
    res.end();
  },
  '/status-only': (res) => res.writeHead(404).end(),
  '/redirect': (res) => res.writeHead(307, { location: '/icon.svg' }).end(),
  '/set-header': (res) => {
    res.setHeader('Content-Security-Policy', OWN);
    res.end('x');
  },
  '/object': (res) => res.writeHead(200, { 'CONTENT-SECURITY-POLICY': OWN }).end(),
  '/message-and-object': (res) => res.writeHead(200, 'OK', { 'content-security-policy': OWN }).end(),
  '/flat-array': (res) => res.writeHead(200, ['content-type', 'text/plain', 'Content-Security-Policy', OWN]).end(),
  '/pairs': (res) => res.writeHead(200, [['Content-Security-Policy', OWN]] as never).end(),
};

let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    defaultContentSecurityPolicy(res);
    answers[req.url!](res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** The raw Content-Security-Policy lines of the answer to `path` (every one, not joined). */
async function policies(path: string): Promise<string[]> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ port, host: '127.0.0.1', path }, resolve).on('error', reject));
  res.resume();
  return res.rawHeaders.filter((_, i) => i % 2 === 1 && res.rawHeaders[i - 1].toLowerCase() === 'content-security-policy');
}

describe('defaultContentSecurityPolicy', () => {
  it.each(['/end-only', '/write-then-end', '/flush', '/status-only', '/redirect'])('a response that set none (%s) gets API_CSP, once', async (path) => {
    expect(await policies(path)).toEqual([API_CSP]);
  });

  it.each(['/set-header', '/object', '/message-and-object', '/flat-array', '/pairs'])('a response that set its own (%s) keeps it, alone', async (path) => {
    expect(await policies(path)).toEqual([OWN]);
  });
});
