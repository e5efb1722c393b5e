// Address classification of the webhook SSRF guard (lib/services/hospital/webhook-url.ts). Expected
// classes from the ranges' RFCs: 1122 (0/8, 127/8), 1918 (10/8, 172.16/12, 192.168/16), 6598
// (100.64/10), 3927 (169.254/16), 4291 (::, ::1, fe80::/10, ::ffff:0:0/96), 4193 (fc00::/7), 6052 (64:ff9b::/96).
import { describe, expect, it } from 'vitest';
import { classifyAddress, staticUrlProblem, webhookUrlProblem } from '@/lib/services/hospital/webhook-url';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'], ['10.255.255.255', 'private'],
    ['172.15.255.255', 'public'], ['172.16.0.0', 'private'], ['172.31.255.255', 'private'], ['172.32.0.0', 'public'],
    ['192.168.0.1', 'private'], ['192.169.0.1', 'public'],
    ['100.63.255.255', 'public'], ['100.64.0.1', 'private'], ['100.100.100.200', 'private'], ['100.128.0.0', 'public'],
    ['169.254.169.254', 'linkLocal'], ['169.253.0.1', 'public'],
    ['0.0.0.0', 'unspecified'], ['8.8.8.8', 'public'], ['203.0.113.7', 'public'],
    ['::', 'unspecified'], ['::1', 'loopback'], ['[::1]', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1%eth0', 'linkLocal'], ['febf::1', 'linkLocal'], ['fec0::1', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'], ['fd12:3456::1', 'uniqueLocal'], ['fe00::1', 'public'],
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:169.254.169.254', 'linkLocal'], ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.1.2.3', 'private'], ['64:ff9b::8.8.8.8', 'public'],
    ['2001:db8::1', 'public'], ['2400:3200::1', 'public'],
    // benchmarking, multicast, reserved, broadcast, the IETF's /24; 6to4 by the IPv4 it wraps; Teredo, v6 multicast, discard-only
    ['198.18.0.1', 'reserved'], ['198.19.255.255', 'reserved'], ['198.17.255.255', 'public'], ['198.20.0.0', 'public'],
    ['224.0.0.1', 'reserved'], ['239.255.255.250', 'reserved'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'reserved'], ['223.255.255.255', 'public'],
    ['192.0.0.8', 'reserved'], ['192.0.1.1', 'public'],
    ['2002:7f00:1::', 'loopback'], ['2002:a00:1::1', 'private'], ['2002:808:808::1', 'public'],
    ['2001:0:4136:e378::1', 'reserved'], ['ff02::1', 'reserved'], ['100::1', 'reserved'], ['100:1::1', 'public'],
  ])('%s is %s', (ip, kind) => expect(classifyAddress(ip)).toBe(kind));

  it('is null for names and malformed addresses', () => {
    for (const s of ['example.org', 'localhost', '1.2.3', '::1::2', '12345::1', '']) expect(classifyAddress(s)).toBeNull();
  });
});

describe('webhook URL checks', () => {
  it('reads hosts as the URL parser normalises them (decimal and hex IPv4 forms are 127.0.0.1)', () => {
    for (const u of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://LOCALHOST./x', 'http://a.localhost/'])
      expect(staticUrlProblem(u, false)?.reason).toBe('webhook.urlPrivate');
    expect(staticUrlProblem('http://127.0.0.1/', true)).toBeNull();
    expect(staticUrlProblem('http://u@example.org/', true)?.reason).toBe('webhook.urlCredentials');
    expect(staticUrlProblem('gopher://example.org/', true)?.reason).toBe('webhook.urlInvalid');
  });

  it('every resolved address must be public; WEBHOOK_ALLOW_PRIVATE lifts only the address rule', async () => {
    expect(await webhookUrlProblem('https://a.example/', { allowPrivate: false, resolve: async () => ['203.0.113.1', 'fd00::5'] })).toEqual({ reason: 'webhook.urlPrivate', params: { host: 'a.example', kind: 'uniqueLocal' } });
    expect(await webhookUrlProblem('https://a.example/', { allowPrivate: false, resolve: async () => ['203.0.113.1', '2001:db8::2'] })).toBeNull();
    expect(await webhookUrlProblem('https://a.example/', { allowPrivate: true, resolve: async () => ['10.0.0.1'] })).toBeNull();
    expect((await webhookUrlProblem('https://u:p@a.example/', { allowPrivate: true }))?.reason).toBe('webhook.urlCredentials');
  });
});
