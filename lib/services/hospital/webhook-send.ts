// One webhook POST whose connection goes only to an address that passed the SSRF check
// (./webhook-url.ts). Checking a name and then letting `fetch` resolve it again leaves a window: a
// name served with a zero TTL can answer a public address to the check and 127.0.0.1 (or the cloud's
// metadata address) to the connection, which is DNS rebinding. So the check runs inside the socket's
// own lookup: one resolution, checked, then connected to. A literal address in the URL needs no lookup
// and is checked statically before the send. No redirect is followed and the answer's body is not
// read; each send has a connection of its own (`agent: false`), so no socket outlives its check.
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkedAddresses, type Resolver, type UrlProblem } from './webhook-url';

/** A send refused by the address check at connection time. */
export class WebhookRefused extends Error {
  constructor(readonly problem: UrlProblem) {
    super(problem.reason);
    this.name = 'WebhookRefused';
  }
}

export interface WebhookSendOptions {
  headers: Record<string, string>;
  body: string;
  /** for the whole exchange, up to the answer's status line and headers */
  timeoutMs: number;
  /** host → addresses (tests); default the system resolver */
  resolve?: Resolver;
  /** default WEBHOOK_ALLOW_PRIVATE */
  allowPrivate?: boolean;
}

/** POSTs `body` to `url` and resolves to the answer's status; rejects with WebhookRefused, a
 * TimeoutError or the network's error. */
export type WebhookSender = (url: string, opts: WebhookSendOptions) => Promise<number>;

/** A socket lookup that resolves `hostname` once, refuses it as the SSRF check does, and hands the
 * checked addresses to the connection (in the form it asked for: one address, or all). */
export function checkedLookup(opts: { resolve?: Resolver; allowPrivate?: boolean }): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname.replace(/^\[|\]$/g, ''), opts).then(
      (checked) => {
        if ('problem' in checked) return callback(new WebhookRefused(checked.problem), '');
        const all = checked.addresses.map((address) => ({ address, family: isIP(address) })).filter((a) => !options.family || a.family === options.family);
        if (!all.length) return callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), '');
        if (options.all) callback(null, all);
        else callback(null, all[0].address, all[0].family);
      },
      (e: Error) => callback(e, ''),
    );
  };
}

export const sendWebhook: WebhookSender = (url, opts) =>
  new Promise<number>((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? https : http).request(
      u,
      { method: 'POST', headers: { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) }, agent: false, lookup: checkedLookup(opts) },
      (res) => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`timeout after ${opts.timeoutMs} ms`), { name: 'TimeoutError' })), opts.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(opts.body);
  });
