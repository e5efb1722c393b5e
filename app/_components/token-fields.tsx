// Pieces shared by the API token pages (a lab's LIS tokens, a hospital's verify tokens): the expiry
// choice of the create form and a token's status badge. Server components.
import { getFormatter, getTranslations } from 'next-intl/server';
import { Field } from '@/app/_components/fields';

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
