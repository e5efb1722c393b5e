// One value per query parameter, for every JSON API: a parameter given twice (`lab=A&lab=B`) may be
// meant either way, so it is refused rather than read as its first value (the FHIR reads refuse it
// too). Parameters an endpoint does not read are not looked at.
import { AppError, fieldError } from '@/lib/errors';

/** The query's values of `names` (undefined when absent); 422 `common.invalid` with a
 * `value.repeated` field error for each of them given more than once. */
export function queryOnce<K extends string>(params: URLSearchParams, names: readonly K[]): Record<K, string | undefined> {
  const repeated = names.filter((n) => params.getAll(n).length > 1);
  if (repeated.length) throw AppError.invalid('Invalid query', repeated.map((n) => fieldError('value.repeated', {}, n)));
  return Object.fromEntries(names.map((n) => [n, params.get(n) ?? undefined])) as Record<K, string | undefined>;
}

/** {@link queryOnce} of a request's URL. */
export function requestQuery<K extends string>(req: Request, names: readonly K[]): Record<K, string | undefined> {
  return queryOnce(new URL(req.url).searchParams, names);
}
