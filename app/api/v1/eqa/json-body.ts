// The JSON body of the EQA administration API (schemes, enrolments, rounds): at most 2 MB, parsed,
// or a 422 saying what is wrong. Not a route (no HTTP method exports).
import { AppError } from '@/lib/errors';
import { parseJsonBody, readBodyCapped } from '@/lib/body';

const MAX_JSON_BYTES = 2 * 1024 * 1024;

export async function jsonBody(req: Request): Promise<unknown> {
  const text = await readBodyCapped(req, MAX_JSON_BYTES); // 413 as soon as 2 MB is passed, chunked or not
  return parseJsonBody(text, { refusal: () => AppError.invalid('The body is not valid JSON', [{ field: '(body)', message: 'Send a JSON object' }]) });
}
