// Server-side request forgery guard for webhook endpoints. LabQC POSTs to URLs its users typed, from
// inside the deployment's network, so an endpoint must not reach the server itself or its private
// network: its host may not be, or resolve to, a loopback, private, shared (carrier-grade NAT, where
// e.g. Alibaba Cloud's metadata service 100.100.100.200 lives), link-local (169.254.169.254: cloud
// metadata), unique-local IPv6 or unspecified address. Checked when the endpoint is added and again
// at every send, inside the connection's own lookup (./webhook-send.ts), so that the address connected
// to is the one checked. `WEBHOOK_ALLOW_PRIVATE=1` lifts the address rule (a deployment
// whose receivers are on its own network; the tests' local receivers). Only http/https, no
// user:password in the URL, always.
//
// Ranges: RFC 1122 §3.2.1.3 (0/8, 127/8), RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598
// (100.64/10), RFC 3927 (169.254/16), RFC 4291 §2.5.2-2.5.6 (::, ::1, fe80::/10, ::ffff:0:0/96),
// RFC 4193 (fc00::/7), RFC 3879 (fec0::/10, deprecated site-local), RFC 6052 (64:ff9b::/96). Not
// public either: RFC 2544 benchmarking (198.18/15), multicast (224/4, ff00::/8; RFC 5771, RFC 4291
// §2.7), reserved and broadcast (240/4, 255.255.255.255; RFC 1112, RFC 919), the IETF's own
// (192.0.0/24; RFC 6890), RFC 6666 discard-only (100::/64) and Teredo (2001::/32, RFC 4380: its IPv4
// is obfuscated, so not checkable); 6to4 (2002::/16, RFC 3056) is judged by the IPv4 it wraps.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'linkLocal' | 'uniqueLocal' | 'unspecified' | 'reserved';

function classifyV4(ip: string): AddressClass {
  const [a, b] = ip.split('.').map(Number);
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
  if (a === 169 && b === 254) return 'linkLocal';
  if (a >= 224 || (a === 198 && (b === 18 || b === 19)) || (a === 192 && b === 0 && ip.split('.')[2] === '0')) return 'reserved';
  return 'public';
}

/** The 8 hextets of an IPv6 address (a dotted IPv4 tail included), or null. */
function hextets(ip: string): number[] | null {
  const s = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const parts = s.split('::');
  if (parts.length > 2) return null;
  const head = parts[0] ? parts[0].split(':') : [];
  const rest = parts.length === 2 && parts[1] ? parts[1].split(':') : [];
  const fill = 8 - head.length - rest.length;
  if (fill < 0 || (parts.length === 1 && fill !== 0)) return null;
  const out = [...head, ...Array(parts.length === 2 ? fill : 0).fill('0'), ...rest].map((h) => parseInt(h, 16));
  return out.some((n) => !(n >= 0 && n <= 0xffff)) ? null : out;
}

/** The class of an IP address (v4 or v6, brackets and a %zone allowed); null when `ip` is not one. */
export function classifyAddress(ip: string): AddressClass | null {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v = isIP(bare);
  if (v === 4) return classifyV4(bare);
  if (v !== 6) return null;
  const h = hextets(bare.toLowerCase());
  if (!h) return null;
  const v4of = (i: number) => `${h[i] >> 8}.${h[i] & 255}.${h[i + 1] >> 8}.${h[i + 1] & 255}`;
  const zeros = (n: number) => h.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return 'unspecified';
  if (zeros(7) && h[7] === 1) return 'loopback';
  if (zeros(5) && h[5] === 0xffff) return classifyV4(v4of(6)); // IPv4-mapped
  if (zeros(6)) return classifyV4(v4of(6)); // IPv4-compatible (deprecated)
  if (h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((x) => x === 0)) return classifyV4(v4of(6)); // NAT64
  if (h[0] === 0x2002) return classifyV4(v4of(1)); // 6to4
  // multicast, Teredo, discard-only
  if ((h[0] & 0xff00) === 0xff00 || (h[0] === 0x2001 && h[1] === 0) || (h[0] === 0x100 && h.slice(1, 4).every((x) => x === 0))) return 'reserved';
  if ((h[0] & 0xfe00) === 0xfc00 || (h[0] & 0xffc0) === 0xfec0) return 'uniqueLocal';
  if ((h[0] & 0xffc0) === 0xfe80) return 'linkLocal';
  return 'public';
}

export const allowPrivateWebhooks = () => process.env.WEBHOOK_ALLOW_PRIVATE === '1';

/** Why a webhook URL is refused: a reason code of lib/error-reasons.ts with its params. */
export type UrlProblem = { reason: 'webhook.urlInvalid' | 'webhook.urlCredentials' | 'webhook.urlUnresolved'; params: Record<string, string> } | { reason: 'webhook.urlPrivate'; params: { host: string; kind: AddressClass } };

/** The checks that need no DNS: scheme, credentials, and a host that is itself a blocked address. */
export function staticUrlProblem(url: string, allowPrivate = allowPrivateWebhooks()): UrlProblem | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { reason: 'webhook.urlInvalid', params: {} };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { reason: 'webhook.urlInvalid', params: {} };
  if (u.username || u.password) return { reason: 'webhook.urlCredentials', params: {} };
  if (allowPrivate) return null;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const kind = classifyAddress(host) ?? (/(^|\.)localhost\.?$/i.test(host) ? 'loopback' : null);
  if (kind && kind !== 'public') return { reason: 'webhook.urlPrivate', params: { host, kind } };
  return null;
}

export type Resolver = (host: string) => Promise<string[]>;
const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** The addresses `host` (a name, not a literal address) resolves to now, or why none of them may be
 * contacted: it does not resolve, or one of its addresses is not public (unless `allowPrivate`). */
export async function checkedAddresses(host: string, opts: { allowPrivate?: boolean; resolve?: Resolver } = {}): Promise<{ addresses: string[] } | { problem: UrlProblem }> {
  let addresses: string[];
  try {
    addresses = await (opts.resolve ?? systemResolver)(host);
  } catch {
    return { problem: { reason: 'webhook.urlUnresolved', params: { host } } };
  }
  if (!addresses.length) return { problem: { reason: 'webhook.urlUnresolved', params: { host } } };
  if (!(opts.allowPrivate ?? allowPrivateWebhooks()))
    for (const address of addresses) {
      const kind = classifyAddress(address);
      // which address is not said: the form would otherwise answer what the deployment's own names resolve to
      if (kind !== 'public') return { problem: { reason: 'webhook.urlPrivate', params: { host, kind: kind ?? 'unspecified' } } };
    }
  return { addresses };
}

/** Every check: the static ones, then each address the host resolves to now. */
export async function webhookUrlProblem(url: string, opts: { allowPrivate?: boolean; resolve?: Resolver } = {}): Promise<UrlProblem | null> {
  const allowPrivate = opts.allowPrivate ?? allowPrivateWebhooks();
  const first = staticUrlProblem(url, allowPrivate);
  if (first || allowPrivate) return first;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (classifyAddress(host)) return null; // a public literal address
  const checked = await checkedAddresses(host, { allowPrivate, resolve: opts.resolve });
  return 'problem' in checked ? checked.problem : null;
}
