import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'lqc_';

/** A new API token: 32 random bytes, shown once; only its SHA-256 is stored. A fast hash is right
 * here (unlike passwords): the token has 256 bits of entropy, so it cannot be guessed offline. */
export function generateApiToken(): { token: string; prefix: string; hash: string } {
  const token = PREFIX + randomBytes(32).toString('base64url');
  return { token, prefix: token.slice(0, PREFIX.length + 6), hash: hashApiToken(token) };
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
