import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** AUTH_SECRET from the environment, or one generated on first run and kept in a file outside git
 * (next to the default database), so a fresh clone works without committing a secret. */
export function authSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  const file = path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.AUTH_SECRET_FILE ?? 'data/auth-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) return (process.env.AUTH_SECRET = existing);
  } catch {
    // first run: create it below
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  } catch {
    // another process created it first: use theirs
    return (process.env.AUTH_SECRET = fs.readFileSync(file, 'utf8').trim());
  }
  return (process.env.AUTH_SECRET = secret);
}
