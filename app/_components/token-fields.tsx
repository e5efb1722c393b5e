// Pieces shared by the API token pages (a lab's LIS tokens, a hospital's verify tokens): the expiry
// choice of the create form, a token's status badge and the list's columns. Server components.
import { getFormatter, getTranslations } from 'next-intl/server';
import { Field } from '@/app/_components/fields';
import { ActionForm, type FormAction } from '@/app/_components/action-form';
import type { Column } from '@/app/_components/data-table';

/** The lifetime select (30, 90, 365 days or never), field `expiresInDays`. */
export async function TokenExpiryField() {
  const t = await getTranslations('admin.tokens');
  return (
    <Field name="expiresInDays" label={t('expiry')}>
      <select id="f-expiresInDays" name="expiresInDays" className="input" defaultValue="365">
        {[30, 90, 365].map((days) => (
          <option key={days} value={days}>
            {t('expiryDays', { days })}
          </option>
        ))}
        <option value="">{t('expiryNever')}</option>
      </select>
    </Field>
  );
}

/** Revoked (when), expired (when) or live. */
export async function TokenStatus({ revokedAt, expiresAt, now }: { revokedAt: number | null; expiresAt: number | null; now: number }) {
  const t = await getTranslations('admin.tokens');
  const format = await getFormatter();
  const when = (ms: number) => format.dateTime(new Date(ms), { dateStyle: 'medium', timeStyle: 'short' });
  if (revokedAt) return <span className="badge-red">{t('revokedAt', { date: when(revokedAt) })}</span>;
  if (expiresAt && expiresAt <= now) return <span className="badge-red">{t('expired', { date: when(expiresAt) })}</span>;
  return <span className="badge-green">{t('live')}</span>;
}

interface TokenRow {
  id: number;
  name: string;
  prefix: string;
  scopes: readonly string[];
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

/** The token list's columns after its name: prefix, created, last used, scopes, expiry (when
 * `expiry`), status and the revoke button posting the token's `id` to `revoke`. */
export async function tokenColumns<R extends TokenRow>({ revoke, expiry, now }: { revoke: FormAction; expiry: boolean; now: number }): Promise<Column<R>[]> {
  const t = await getTranslations('admin.tokens');
  const format = await getFormatter();
  const when = (ms: number | null) => (ms ? format.dateTime(new Date(ms), { dateStyle: 'medium', timeStyle: 'short' }) : '—');
  return [
    { key: 'prefix', header: t('prefix'), className: 'font-mono', cell: (tok) => `${tok.prefix}…` },
    { key: 'created', header: t('createdAt'), className: 'whitespace-nowrap', cell: (tok) => when(tok.createdAt) },
    { key: 'used', header: t('lastUsedAt'), className: 'whitespace-nowrap', cell: (tok) => when(tok.lastUsedAt) },
    { key: 'scopes', header: t('scopes'), className: 'font-mono text-xs', cell: (tok) => tok.scopes.join(' ') },
    ...(expiry ? [{ key: 'expires', header: t('expiresAt'), className: 'whitespace-nowrap', cell: (tok: R) => (tok.expiresAt ? when(tok.expiresAt) : t('expiryNever')) }] : []),
    {
      key: 'status',
      header: t('status'),
      cell: (tok) => <TokenStatus revokedAt={tok.revokedAt} expiresAt={tok.expiresAt} now={now} />,
    },
    {
      key: 'actions',
      header: <span className="sr-only">{t('actions')}</span>,
      cell: (tok) =>
        !tok.revokedAt && (
          <ActionForm action={revoke} submitLabel={t('revoke')} variant="danger" className="space-y-1" confirm={t('revokeConfirm', { name: tok.name })} testId="token-revoke">
            <input type="hidden" name="id" value={tok.id} />
          </ActionForm>
        ),
    },
  ];
}
