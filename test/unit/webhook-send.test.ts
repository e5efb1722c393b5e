// The webhook sender's connection-time check (lib/services/hospital/webhook-send.ts): the socket's
// lookup resolves once, refuses what the SSRF check refuses, and hands the connection exactly the
// addresses it checked, in the form Node asks for (one address, or all for Happy Eyeballs).
import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedLookup, sendWebhook, WebhookRefused } from '@/lib/services/hospital/webhook-send';

type Answer = { err: (Error & { code?: string }) | null; address: unknown; family?: number };
const lookupOnce = (lookup: LookupFunction, host: string, options: { all?: boolean; family?: number }) =>
  new Promise<Answer>((resolve) => lookup(host, options as never, (err, address, family) => resolve({ err, address, family })));

describe('checkedLookup', () => {
  it('hands over the checked addresses: all of them, or the first, or those of the family asked for', async () => {
    const asked: string[] = [];
    const lookup = checkedLookup({ allowPrivate: false, resolve: async (h) => (asked.push(h), ['203.0.113.7', '2001:db8::2']) });
    expect(await lookupOnce(lookup, 'his.example.org', { all: true })).toEqual({ err: null, address: [{ address: '203.0.113.7', family: 4 }, { address: '2001:db8::2', family: 6 }], family: undefined });
    expect(await lookupOnce(lookup, 'his.example.org', {})).toEqual({ err: null, address: '203.0.113.7', family: 4 });
    expect(await lookupOnce(lookup, 'his.example.org', { family: 6 })).toEqual({ err: null, address: '2001:db8::2', family: 6 });
    expect(asked).toEqual(['his.example.org', 'his.example.org', 'his.example.org']); // one resolution per connection
    const v6only = checkedLookup({ allowPrivate: false, resolve: async () => ['2001:db8::2'] });
    expect((await lookupOnce(v6only, 'his.example.org', { family: 4 })).err?.code).toBe('ENOTFOUND');
  });

  it('refuses a name with any address that is not public, and one that does not resolve', async () => {
    const mixed = checkedLookup({ allowPrivate: false, resolve: async () => ['203.0.113.7', '169.254.169.254'] });
    const refused = await lookupOnce(mixed, 'meta.example.org', { all: true });
    expect(refused.err).toBeInstanceOf(WebhookRefused);
    expect((refused.err as WebhookRefused).problem).toEqual({ reason: 'webhook.urlPrivate', params: { host: 'meta.example.org', kind: 'linkLocal' } });
    const none = await lookupOnce(checkedLookup({ allowPrivate: false, resolve: async () => [] }), 'x.example.org', {});
    expect((none.err as WebhookRefused).problem).toEqual({ reason: 'webhook.urlUnresolved', params: { host: 'x.example.org' } });
    const failing = await lookupOnce(checkedLookup({ allowPrivate: false, resolve: async () => { throw new Error('ENOTFOUND'); } }), 'x.example.org', {});
    expect((failing.err as WebhookRefused).problem.reason).toBe('webhook.urlUnresolved');
    // allowed private: the same loopback answer is handed over
    expect(await lookupOnce(checkedLookup({ allowPrivate: true, resolve: async () => ['127.0.0.1'] }), 'localhost', {})).toEqual({ err: null, address: '127.0.0.1', family: 4 });
  });
});

describe('sendWebhook', () => {
  let server: http.Server;
  let port = 0;
  const got: { host?: string; length?: string; body: string }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ host: req.headers.host, length: req.headers['content-length'], body });
        if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 1_000);
        else res.writeHead(req.url === '/gone' ? 410 : 202, { location: 'http://127.0.0.1:1/' }).end('not read');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const opts = { headers: { 'content-type': 'application/json' }, body: '{"event":"测试"}', timeoutMs: 2_000, allowPrivate: true, resolve: async () => ['127.0.0.1'] };

  it("answers the receiver's status, without following a redirect; the body goes with its byte length", async () => {
    got.length = 0;
    expect(await sendWebhook(`http://hook.invalid:${port}/ok`, opts)).toBe(202);
    expect(await sendWebhook(`http://hook.invalid:${port}/gone`, opts)).toBe(410);
    expect(got).toEqual([
      { host: `hook.invalid:${port}`, length: String(Buffer.byteLength(opts.body)), body: opts.body },
      { host: `hook.invalid:${port}`, length: String(Buffer.byteLength(opts.body)), body: opts.body },
    ]);
  });

  it('ends with a TimeoutError when no answer comes in time, and with WebhookRefused for a refused address', async () => {
    const before = got.length;
    const slow = await sendWebhook(`http://hook.invalid:${port}/slow`, { ...opts, timeoutMs: 200 }).catch((e: Error) => e);
    expect(slow).toMatchObject({ name: 'TimeoutError', message: 'timeout after 200 ms' });
    const refused = await sendWebhook(`http://hook.invalid:${port}/ok`, { ...opts, allowPrivate: false }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(WebhookRefused);
    expect((refused as WebhookRefused).problem).toMatchObject({ reason: 'webhook.urlPrivate', params: { kind: 'loopback' } });
    expect(got.length).toBe(before + 1); // only the slow one arrived
  });
});
