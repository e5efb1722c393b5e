// Password hashing. New hashes are scrypt (RFC 7914) computed by Node's crypto in libuv's thread pool,
// so a burst of sign-ins does not stall the server's one JavaScript thread. Hashes written before
// (bcrypt, `$2a$...`) still verify and are replaced by scrypt at the next successful sign-in.
//
// Stored form: `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<key base64url>`: the parameters travel with
// the hash, so raising them later upgrades each account at its next sign-in (needsRehash).
import bcrypt from 'bcryptjs';
import { availableParallelism } from 'node:os';
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

interface Params {
  logN: number;
  r: number;
  p: number;
}

const KEY_LENGTH = 32;

/**
 * N = 2^15, r = 8, p = 1: 32 MiB and ~90 ms per hash on the reference machine (2 cores), about what
 * bcrypt cost 10 took. OWASP's Password Storage Cheat Sheet lists N = 2^17 as its first choice; raise
 * LABQC_SCRYPT_LOG_N where the hardware allows. Tests lower it to seed many accounts quickly
 * (LABQC_SCRYPT_LOG_N, or the older LABQC_BCRYPT_COST knob, which selects 2^10).
 */
function currentParams(): Params {
  const fromEnv = Number(process.env.LABQC_SCRYPT_LOG_N);
  const logN = fromEnv >= 10 && fromEnv <= 20 ? Math.floor(fromEnv) : process.env.LABQC_BCRYPT_COST ? 10 : 15;
  return { logN, r: 8, p: 1 };
}

const options = ({ logN, r, p }: Params): ScryptOptions => ({ N: 2 ** logN, r, p, maxmem: 128 * r * 2 ** logN * p + 4 * 1024 * 1024 });

// At most (cores - 1) hashes at once: the rest wait in line, leaving a core to the request thread.
const maxConcurrent = Math.max(1, Number(process.env.LABQC_HASH_CONCURRENCY) || availableParallelism() - 1);
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function derive(plain: string, salt: Buffer, params: Params): Promise<Buffer> {
  return limited(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(plain.normalize('NFKC'), salt, KEY_LENGTH, options(params), (err, key) => (err ? reject(err) : resolve(key))),
      ),
  );
}

function encode(params: Params, salt: Buffer, key: Buffer): string {
  return `scrypt$${params.logN}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function decode(hash: string): { params: Params; salt: Buffer; key: Buffer } | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]+)\$([\w-]+)$/.exec(hash);
  if (!m) return null;
  return { params: { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) }, salt: Buffer.from(m[4], 'base64url'), key: Buffer.from(m[5], 'base64url') };
}

/** Hash a new password in the thread pool (sign-in upgrades, self-service changes). */
export async function hashPasswordAsync(plain: string): Promise<string> {
  const params = currentParams();
  const salt = randomBytes(16);
  return encode(params, salt, await derive(plain, salt, params));
}

/** Hash synchronously (blocking the thread ~100 ms): only for scripts (the first administrator, the
 * seed); the services behind requests use hashPasswordAsync. */
export function hashPassword(plain: string): string {
  const params = currentParams();
  const salt = randomBytes(16);
  return encode(params, salt, scryptSync(plain.normalize('NFKC'), salt, KEY_LENGTH, options(params)));
}

export interface Verification {
  ok: boolean;
  /** the hash is bcrypt or weaker than today's parameters: store a new one after a success */
  needsRehash: boolean;
}

/** Check a password against a stored hash (scrypt or legacy bcrypt) without blocking the event loop. */
export async function verifyPassword(plain: string, hash: string): Promise<Verification> {
  const d = decode(hash);
  if (d) {
    const key = await derive(plain, d.salt, d.params);
    const ok = key.length === d.key.length && timingSafeEqual(key, d.key);
    const now = currentParams();
    return { ok, needsRehash: d.params.logN < now.logN || d.params.r < now.r || d.params.p < now.p };
  }
  if (/^\$2[aby]\$/.test(hash)) return { ok: await bcrypt.compare(plain, hash), needsRehash: true };
  return { ok: false, needsRehash: false };
}

let dummy: string | undefined;

/** Spend the same work as checking a real account's password, for an unknown email: the answer's
 * timing does not tell whether an account exists. */
export async function verifyAgainstDummy(plain: string): Promise<void> {
  dummy ??= await hashPasswordAsync('not-a-password-' + randomBytes(8).toString('hex'));
  await verifyPassword(plain, dummy);
}
