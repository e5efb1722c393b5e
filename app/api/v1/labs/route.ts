// GET /api/v1/labs?q=&region= → { labs: [{ code, name, regionCode, regionName, level }] } (public)
import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { publicRoute } from '@/lib/http';
import { searchLabs } from '@/lib/services/recognition/verification';

export const dynamic = 'force-dynamic';

export const GET = publicRoute((req) => {
  const p = new URL(req.url).searchParams;
  const labs = searchLabs(getDb(), { q: p.get('q') ?? undefined, region: p.get('region') ?? undefined });
  return NextResponse.json({ labs: labs.map(({ code, name, regionCode, regionName, level }) => ({ code, name, regionCode, regionName, level })) });
});
