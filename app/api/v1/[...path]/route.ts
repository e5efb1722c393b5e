// Any path under /api/v1 that no route serves (/api/v1/nope, /api/v1/labs/GZ-001): a JSON 404 that a
// client parsing API errors can read, for every method. Next matches every real route before this one.
import { unknownApiPath } from '@/lib/http';

export const dynamic = 'force-dynamic';
export const GET = unknownApiPath;
export const HEAD = unknownApiPath;
export const POST = unknownApiPath;
export const PUT = unknownApiPath;
export const PATCH = unknownApiPath;
export const DELETE = unknownApiPath;
export const OPTIONS = unknownApiPath;
