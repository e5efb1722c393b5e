// The JSON body of the EQA administration API (schemes, enrolments, rounds): at most 2 MB, parsed,
// or a 422 saying what is wrong. Not a route (no HTTP method exports).
import { AppError } from '@/lib/errors';

const MAX_JSON_BYTES = 2 * 1024 * 1024;

export async function jsonBody(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > MAX_JSON_BYTES) throw new AppError('too_large', 'The body is larger than 2 MB');
  const text = await req.text();
  if (text.length > MAX_JSON_BYTES) throw new AppError('too_large', 'The body is larger than 2 MB');
  try {
    return JSON.parse(text);
  } catch {
    throw AppError.invalid('The body is not valid JSON', [{ field: '(body)', message: 'Send a JSON object' }]);
  }
}
