// Creating an administrator from the command line (`npm run admin:create -- --email …`): how a
// production installation gets its first account without the demo data. Whoever runs it has the
// server's shell, so no actor is checked; the account is audited as created by `admin:create`.
import type { DB } from '@/db/client';
import { users } from '@/db/schema';
import { findUserIdByEmail } from '@/db/queries/users';
import { insertAudit } from '@/db/queries/audit';
import { hashPassword } from '@/lib/auth/passwords';
import { AppError } from '@/lib/errors';
import { userInput } from '@/lib/validation/admin';
import { zodFieldErrors } from '@/lib/validation/errors';
import { withTx } from '@/db/tx';

export interface CreateAdministratorInput {
  email: string;
  name: string;
  password: string;
  /** a generated (temporary) password must be replaced at first sign-in */
  temporary: boolean;
}

/** Create an administrator; refuses (409) an email that already has an account. */
export async function createAdministrator(db: DB, input: CreateAdministratorInput, now = Date.now()): Promise<{ id: number; email: string }> {
  const parsed = userInput.safeParse({ email: input.email, name: input.name, password: input.password, role: 'admin' });
  if (!parsed.success) throw AppError.invalid('Invalid administrator', zodFieldErrors(parsed.error));
  const { email, name, password } = parsed.data;
  return await withTx(db, async (tx) => {
    if (await findUserIdByEmail(tx, email)) throw new AppError('account.emailExists', { email });
    const row = (await tx
      .insert(users)
      .values({ email, name, role: 'admin', passwordHash: hashPassword(password), mustChangePassword: input.temporary, createdAt: now, updatedAt: now })
      .returning({ id: users.id, email: users.email }))[0];
    await insertAudit(tx, { actorEmail: 'system (admin:create)', action: 'user.create_admin', entityType: 'user', entityId: row.id, details: { email, temporaryPassword: input.temporary }, at: now });
    return row;
  });
}
