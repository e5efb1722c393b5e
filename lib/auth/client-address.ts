// Who is on the other end of a connection. `X-Forwarded-For` and `X-Forwarded-Proto` are believed only
// when the connection comes from a proxy listed in TRUSTED_PROXIES (comma-separated addresses or CIDR
// ranges, IPv4 or IPv6); otherwise the socket's own address decides. The production server
// (lib/server/main.ts) resolves both once per request and passes them to Next in internal headers,
// after removing any copies a client sent; code inside Next reads only those.
import net from 'node:net';
import { CLIENT_ADDRESS_HEADER } from '@/lib/server/headers';

export { CLIENT_ADDRESS_HEADER, CLIENT_PROTO_HEADER } from '@/lib/server/headers';

export function parseTrustedProxies(spec: string | undefined): net.BlockList {
  const list = new net.BlockList();
  for (const raw of (spec ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [addr, bits] = entry.split('/');
    const type = net.isIPv6(addr) ? 'ipv6' : net.isIPv4(addr) ? 'ipv4' : null;
    if (!type) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

/** `::ffff:203.0.113.9` (an IPv4 client on a dual-stack socket) as `203.0.113.9`. */
export function normalizeAddress(addr: string | undefined | null): string | null {
  if (!addr) return null;
  const a = addr.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  const out = mapped ? mapped[1] : a;
  return net.isIP(out) ? out : null;
}

function trusted(list: net.BlockList, addr: string): boolean {
  return list.check(addr, net.isIPv6(addr) ? 'ipv6' : 'ipv4');
}

export interface ClientInfo {
  address: string | null;
  https: boolean;
}

/**
 * The client of a connection. Behind trusted proxies, the right-most `X-Forwarded-For` entry that is
 * not itself a trusted proxy (entries to its left could be written by the client); the proxy's
 * `X-Forwarded-Proto` says whether the client used HTTPS.
 */
export function clientOf(
  socket: { remoteAddress?: string; encrypted?: boolean },
  headers: Record<string, string | string[] | undefined>,
  trustedProxies: net.BlockList,
): ClientInfo {
  const peer = normalizeAddress(socket.remoteAddress);
  const direct = { address: peer, https: !!socket.encrypted };
  if (!peer || !trusted(trustedProxies, peer)) return direct;
  const xff = [headers['x-forwarded-for'] ?? []].flat().join(',');
  const hops = xff.split(',').map((s) => s.trim()).filter(Boolean);
  let address = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]);
    if (!hop) break; // garbage: stop at the last address we could believe
    address = hop;
    if (!trusted(trustedProxies, hop)) break;
  }
  const proto = [headers['x-forwarded-proto'] ?? []].flat()[0]?.split(',')[0]?.trim().toLowerCase();
  return { address, https: proto ? proto === 'https' : direct.https };
}

/** The forwarding headers a connection's peer may only send when it is a trusted proxy: Next and
 * next-auth would otherwise build URLs from a client's own `X-Forwarded-Host` and `-Proto`. */
const FORWARDING_HEADERS = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded'] as const;

/** Remove the forwarding headers of a request whose peer is not a trusted proxy (in place). */
export function dropUntrustedForwarding(
  socket: { remoteAddress?: string },
  headers: Record<string, string | string[] | undefined>,
  trustedProxies: net.BlockList,
): void {
  const peer = normalizeAddress(socket.remoteAddress);
  if (peer && trusted(trustedProxies, peer)) return;
  for (const name of FORWARDING_HEADERS) delete headers[name];
}

/** Inside Next: the client address the production server resolved, or null (development server). */
export function clientAddressOf(headers: Headers): string | null {
  return normalizeAddress(headers.get(CLIENT_ADDRESS_HEADER));
}
