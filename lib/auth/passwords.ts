import bcrypt from 'bcryptjs';

// Cost 10 takes ~70 ms here: slow enough against offline guessing, fast enough for sign-in. Tests
// lower it (LABQC_BCRYPT_COST=4) to seed many accounts quickly; it never goes below bcrypt's minimum.
const cost = () => Math.max(4, Number(process.env.LABQC_BCRYPT_COST) || 10);

export function hashPassword(plain: string): string {
  return bcrypt.hashSync(plain, cost());
}

export function verifyPassword(plain: string, hash: string): boolean {
  return bcrypt.compareSync(plain, hash);
}
